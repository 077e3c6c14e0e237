import type { MaskExpr, SecureViewSpec, ViewColumn, ViewPredicate } from '../../domain/secure-view.js';
import { columnRef, renderPredicate, T, type PredicateSyntax } from '../secure-view-predicate.js';
import type { Dialect } from './dialect.js';
import { quoteLiteral } from './literal.js';
import { quoteIdent } from './quote.js';


/** DATE_FORMAT patterns that cut a date or datetime down to a unit. */
const TRUNCATE: Record<string, string> = {
  year: '%Y-01-01 00:00:00',
  month: '%Y-%m-01 00:00:00',
  day: '%Y-%m-%d 00:00:00',
  hour: '%Y-%m-%d %H:00:00',
  minute: '%Y-%m-%d %H:%i:00',
};

interface Ctx {
  readonly salt: string;
  readonly dialect: Dialect;
  readonly syntax: PredicateSyntax;
}

const col = (name: string): string => columnRef({ quoteIdent }, name);

/**
 * A value as exact text: converted to utf8mb4 and compared byte for byte. MySQL/MariaDB
 * collations are case- and accent-insensitive by default, and comparing a number with text
 * converts the text to a number ('abc' = 0): row filters and masks must mean exactly what the
 * policy says, the same as on PostgreSQL.
 */
const exactText = (sql: string): string => `CONVERT(${sql} USING utf8mb4) COLLATE utf8mb4_bin`;

/** MySQL/MariaDB's predicate syntax: text columns and user values compared as exact text. */
const SYNTAX: Omit<PredicateSyntax, 'profile'> = {
  quoteIdent,
  literal: quoteLiteral,
  operand: (column, family) => (family === 'text' ? exactText(col(column)) : col(column)),
  columnText: (column) => exactText(col(column)),
  amongValues: (text, values, negate) => `${text} ${negate ? 'NOT IN' : 'IN'} (${values})`,
};

/**
 * The SELECT of one secure view on MySQL/MariaDB, from built-in functions only. Profile reads
 * are uncorrelated subqueries of `<system>.user_profile`, which the server evaluates once per
 * query (and caches), not once per row.
 */
export function viewBody(spec: SecureViewSpec, dialect: Dialect): string {
  const sys = quoteIdent(spec.system[0]!);
  const ctx: Ctx = { salt: `${sys}.${quoteIdent('salt')}`, dialect, syntax: { ...SYNTAX, profile: `${sys}.${quoteIdent('user_profile')}` } };
  const columns = spec.columns.map((c) => `  ${columnSql(c, ctx)} AS ${quoteIdent(c.name)}`).join(',\n');
  return `SELECT\n${columns}\nFROM ${quoteIdent(spec.base[0]!)}.${quoteIdent(spec.base[1]!)} AS ${T}\nWHERE ${predicateSql(spec.filter, ctx)}`;
}

function columnSql(c: ViewColumn, ctx: Ctx): string {
  const x = col(c.name);
  if (c.mask === null) return x;
  const gate = c.mask.rawWhen === null ? null : predicateSql(c.mask.rawWhen, ctx);
  const m = c.mask.expr;
  if (m.kind === 'null') return `CASE WHEN ${gate ?? 'FALSE'} THEN ${x} END`;
  if (m.kind === 'constant') return `CASE WHEN ${gate ?? 'FALSE'} THEN ${x} ELSE ${quoteLiteral(m.value)} END`;
  const masked = maskSql(m, c, ctx);
  return gate === null ? masked : `CASE WHEN ${gate} THEN ${x} ELSE ${masked} END`;
}

function maskSql(m: Exclude<MaskExpr, { kind: 'null' | 'constant' }>, c: ViewColumn, ctx: Ctx): string {
  const x = col(c.name);
  switch (m.kind) {
    case 'hash': {
      // Hash the UTF-8 bytes of the text, as PostgreSQL does: equal values, equal digests.
      const input = m.saltName === null
        ? x
        : `CONCAT((SELECT s.${quoteIdent('value')} FROM ${ctx.salt} AS s WHERE s.${quoteIdent('name')} = ${quoteLiteral(m.saltName)}), ${x})`;
      return `SHA2(CONVERT(${input} USING utf8mb4), 256)`;
    }
    case 'regex':
      return `REGEXP_REPLACE(${exactText(x)}, ${quoteLiteral(m.pattern)}, ${quoteLiteral(replacementFor(ctx.dialect, m.replacement))})`;
    case 'partial': {
      const keep = m.keepFirst + m.keepLast;
      return (
        `CASE WHEN CHAR_LENGTH(${x}) > ${keep} ` +
        `THEN CONCAT(LEFT(${x}, ${m.keepFirst}), REPEAT('*', CHAR_LENGTH(${x}) - ${keep}), RIGHT(${x}, ${m.keepLast})) ` +
        `ELSE REPEAT('*', CHAR_LENGTH(${x})) END`
      );
    }
    case 'roundStep':
      return `ROUND(${x} / ${quoteLiteral(m.step)}) * ${quoteLiteral(m.step)}`;
    case 'roundUnit':
      return `CAST(DATE_FORMAT(${x}, ${quoteLiteral(TRUNCATE[m.unit]!)}) AS ${c.family === 'date' ? 'DATE' : 'DATETIME'})`;
  }
}

/**
 * Steward's replacement text (`\1`..`\9` groups, `\\` a backslash, all else literal) in the
 * engine's syntax: MariaDB (PCRE2) reads it as is; MySQL 8 (ICU) wants `$1` for a group and
 * `\$` for a dollar sign.
 */
export function replacementFor(dialect: Dialect, replacement: string): string {
  if (dialect === 'mariadb') return replacement;
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\') {
      const next = replacement[++i]!;
      out += next === '\\' ? '\\\\' : `$${next}`;
    } else {
      out += c === '$' ? '\\$' : c;
    }
  }
  return out;
}

function predicateSql(p: ViewPredicate, ctx: Ctx): string {
  return renderPredicate(p, ctx.syntax);
}
