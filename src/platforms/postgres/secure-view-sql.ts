import type { MaskExpr, SecureViewSpec, ViewColumn, ViewPredicate } from '../../domain/secure-view.js';
import { columnRef, renderPredicate, T, type PredicateSyntax } from '../secure-view-predicate.js';
import { quoteLiteral } from './literal.js';
import { quoteIdent } from './quote.js';


/** Base types a rounded number is cast back to; anything else stays `numeric`. */
const NUMERIC_CASTS = new Set(['smallint', 'integer', 'bigint', 'real', 'double precision']);

/**
 * The SQL of one secure view on PostgreSQL, from built-in functions and operators only, so that
 * nothing user-defined runs inside the view (or is pushed below its security barrier). The
 * profile is read through `<system>.user_profile` (the asking login's rows); every reference
 * to it is an uncorrelated subquery, which PostgreSQL runs once per query (an InitPlan or a
 * hashed SubPlan), not once per row.
 */
export function viewBody(spec: SecureViewSpec): string {
  const profile = `${quoteIdent(spec.system[1]!)}.${quoteIdent('user_profile')}`;
  const ctx: Ctx = { salt: `${quoteIdent(spec.system[1]!)}.${quoteIdent('salt')}`, syntax: { ...SYNTAX, profile } };
  const columns = spec.columns.map((c) => `  ${columnSql(c, ctx)} AS ${quoteIdent(c.name)}`).join(',\n');
  const from = `${quoteIdent(spec.base[1]!)}.${quoteIdent(spec.base[2]!)} AS ${T}`;
  return `SELECT\n${columns}\nFROM ${from}\nWHERE ${predicateSql(spec.filter, ctx)}`;
}

interface Ctx {
  readonly salt: string;
  readonly syntax: PredicateSyntax;
}

const col = (name: string): string => columnRef({ quoteIdent }, name);

/**
 * PostgreSQL's predicate syntax. User values: `text = ANY (ARRAY(…))` rather than
 * `IN (SELECT …)`, because the array is an InitPlan computed once: the row filter then holds no
 * SubPlan, and the scan may run in parallel workers.
 */
const SYNTAX: Omit<PredicateSyntax, 'profile'> = {
  quoteIdent,
  literal: quoteLiteral,
  operand: (column) => col(column),
  columnText: (column) => `${col(column)}::text`,
  amongValues: (text, values, negate) => `${text} ${negate ? '<> ALL' : '= ANY'} (ARRAY(${values}))`,
};

function columnSql(c: ViewColumn, ctx: Ctx): string {
  const x = col(c.name);
  if (c.mask === null) return x;
  const gate = c.mask.rawWhen === null ? null : predicateSql(c.mask.rawWhen, ctx);
  const m = c.mask.expr;
  // null and constant keep the column's type through CASE (the raw branch fixes it).
  if (m.kind === 'null') return `CASE WHEN ${gate ?? 'FALSE'} THEN ${x} END`;
  if (m.kind === 'constant') return `CASE WHEN ${gate ?? 'FALSE'} THEN ${x} ELSE ${quoteLiteral(m.value)} END`;
  const masked = maskSql(m, c, ctx);
  if (gate === null) return masked;
  // hash, regex and partial give text: the raw branch is text too.
  const raw = m.kind === 'hash' || m.kind === 'regex' || m.kind === 'partial' ? `${x}::text` : x;
  return `CASE WHEN ${gate} THEN ${raw} ELSE ${masked} END`;
}

function maskSql(m: Exclude<MaskExpr, { kind: 'null' | 'constant' }>, c: ViewColumn, ctx: Ctx): string {
  const x = col(c.name);
  switch (m.kind) {
    case 'hash': {
      const input = m.saltName === null
        ? `${x}::text`
        : `(SELECT s.${quoteIdent('value')} FROM ${ctx.salt} AS s WHERE s.${quoteIdent('name')} = ${quoteLiteral(m.saltName)}) || ${x}::text`;
      return `encode(sha256(convert_to(${input}, 'UTF8')), 'hex')`;
    }
    case 'regex':
      return `regexp_replace(${x}::text, ${quoteLiteral(m.pattern)}, ${quoteLiteral(m.replacement)}, 'g')`;
    case 'partial': {
      const text = `${x}::text`;
      const keep = m.keepFirst + m.keepLast;
      return (
        `CASE WHEN char_length(${text}) > ${keep} ` +
        `THEN left(${text}, ${m.keepFirst}) || repeat('*', char_length(${text}) - ${keep}) || right(${text}, ${m.keepLast}) ` +
        `ELSE repeat('*', char_length(${text})) END`
      );
    }
    case 'roundStep': {
      const rounded = `round(${x}::numeric / ${quoteLiteral(m.step)}) * ${quoteLiteral(m.step)}`;
      const base = c.type.trim().toLowerCase();
      return NUMERIC_CASTS.has(base) ? `CAST(${rounded} AS ${base})` : rounded;
    }
    case 'roundUnit': {
      const truncated = `date_trunc(${quoteLiteral(m.unit)}, ${x})`;
      // date_trunc of a date gives a timestamp with time zone: bring it back to a date.
      return c.family === 'date' ? `CAST(${truncated} AS date)` : truncated;
    }
  }
}

function predicateSql(p: ViewPredicate, ctx: Ctx): string {
  return renderPredicate(p, ctx.syntax);
}
