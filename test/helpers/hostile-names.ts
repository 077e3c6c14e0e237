/**
 * Identifiers built to break naive quoting: quotes, statement separators, comment markers,
 * path separators, case, non-ASCII, and names at PostgreSQL's 63-byte identifier limit.
 * Tests create objects with these names and check every layer round-trips them exactly.
 */
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import type { Queryable } from '../../src/platforms/postgres/queryable.js';

/** Hostile names valid on any SQL platform (no NUL, no empty string, ≤ 63 bytes). */
export const HOSTILE_NAMES: readonly string[] = [
  'with"quote',
  'with""two',
  "it's",
  'semi;colon',
  'dash--comment',
  'has space',
  ' padded ',
  'MixedCase',
  'dot.ted',
  'slash/ed',
  'star*',
  'back\\slash',
  'Ünïcödé_表',
  '$1',
  '%s?',
  'x'.repeat(63),
];

/** Exactly 63 UTF-8 bytes made of 3-byte characters: the longest such name PostgreSQL keeps whole. */
export const MULTIBYTE_63 = '表'.repeat(21);

/**
 * PostgreSQL-specific additions: the multi-byte name at the byte limit, a keyword, a name
 * differing from another only by case, and a role-ish keyword that must stay a name.
 */
export const PG_HOSTILE_NAMES: readonly string[] = [...HOSTILE_NAMES, MULTIBYTE_63, 'select', 'mixedcase', 'public '];

/** Name of the hostile schema (itself hostile). */
export const HOSTILE_SCHEMA = 'Hostile "schema"; --';

/**
 * Create `schema` in the database behind `db`: one table per hostile name, each with one
 * column per hostile name (all `text`, the first `NOT NULL`). Drops the schema first.
 */
export async function createHostileSchema(db: Queryable, schema: string = HOSTILE_SCHEMA, names: readonly string[] = PG_HOSTILE_NAMES): Promise<void> {
  const s = quoteIdent(schema);
  await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await db.query(`CREATE SCHEMA ${s}`);
  const columns = names.map((c, i) => `${quoteIdent(c)} text${i === 0 ? ' NOT NULL' : ''}`).join(', ');
  for (const t of names) {
    await db.query(`CREATE TABLE ${s}.${quoteIdent(t)} (${columns})`);
  }
}

/**
 * The hostile corpus of the fault suite (test/faults/hostile-input.test.ts): more than a hundred
 * identifiers and values, each with why it is there. Every one is tried as a schema, table,
 * column, login, user, group, tag, attribute and policy name; each must work exactly or be
 * refused with an error naming it. Contains NUL, lone surrogates and over-long names on
 * purpose: those must be refused, never stored altered.
 */
export interface HostileName {
  readonly name: string;
  readonly why: string;
}

const x = (n: number): string => 'x'.repeat(n);

export const HOSTILE_CORPUS: readonly HostileName[] = [
  // quotes of every kind
  { name: 'with"quote', why: 'double quote: PostgreSQL identifier quote' },
  { name: '"', why: 'a lone double quote' },
  { name: '""', why: 'two double quotes' },
  { name: '"quoted"', why: 'wrapped in double quotes' },
  { name: "it's", why: 'single quote: string literal quote' },
  { name: "'", why: 'a lone single quote' },
  { name: "''", why: 'two single quotes' },
  { name: "O'Brien", why: 'an apostrophe inside a name' },
  { name: 'back`tick', why: 'backtick: MySQL identifier quote' },
  { name: '`', why: 'a lone backtick' },
  { name: '``', why: 'two backticks' },
  { name: '"\'`', why: 'every quote at once' },
  { name: '\u2018curly\u2019', why: 'typographic single quotes' },
  { name: '\u201ccurly\u201d', why: 'typographic double quotes' },
  { name: '\u00abguillemets\u00bb', why: 'guillemets' },
  { name: "x' OR '1'='1", why: 'classic string-literal injection' },
  { name: 'x"; DROP ROLE postgres; --', why: 'identifier injection with a statement' },
  { name: "x'); DROP TABLE users; --", why: 'literal injection with a statement' },
  { name: 'x`; DROP DATABASE mysql; --', why: 'backtick injection with a statement' },
  // separators and comments
  { name: 'semi;colon', why: 'statement separator' },
  { name: ';', why: 'a lone statement separator' },
  { name: 'dash--comment', why: 'SQL line comment' },
  { name: '--', why: 'a lone line comment' },
  { name: '/* block */', why: 'SQL block comment' },
  { name: '/*', why: 'an unclosed block comment' },
  { name: '*/', why: 'a block comment end' },
  { name: '# hash', why: 'MySQL line comment' },
  { name: '#', why: 'a lone MySQL comment, and a YAML comment' },
  { name: 'a -- b', why: 'comment marker between words' },
  // whitespace and control characters
  { name: 'has space', why: 'a space inside' },
  { name: ' leading', why: 'a leading space' },
  { name: 'trailing ', why: 'a trailing space (MariaDB trims it in user names)' },
  { name: ' padded ', why: 'spaces at both ends' },
  { name: 'two  spaces', why: 'two spaces inside' },
  { name: 'tab\there', why: 'a tab' },
  { name: 'new\nline', why: 'a newline' },
  { name: 'carriage\rreturn', why: 'a carriage return' },
  { name: 'bell\u0007', why: 'a control character (BEL)' },
  { name: 'escape\u001b[31m', why: 'a terminal escape sequence' },
  { name: 'del\u007f', why: 'DEL' },
  { name: 'nbsp\u00a0here', why: 'a no-break space' },
  { name: 'zero\u200bwidth', why: 'a zero-width space' },
  { name: 'nul\u0000byte', why: 'NUL: no database keeps it' },
  // right-to-left, combining, normalization, non-BMP
  { name: 'rtl\u202eevil', why: 'right-to-left override' },
  { name: '\u05e9\u05dc\u05d5\u05dd', why: 'Hebrew (right-to-left)' },
  { name: '\u0645\u0631\u062d\u0628\u0627', why: 'Arabic (right-to-left)' },
  { name: 'caf\u00e9', why: 'é precomposed (NFC)' },
  { name: 'cafe\u0301', why: 'é as e + combining accent (NFD): a different name' },
  { name: '\u00dcn\u00efc\u00f6d\u00e9_\u8868', why: 'Latin accents and CJK' },
  { name: '\u8868', why: 'one CJK character' },
  { name: '\u0130stanbul', why: 'Turkish dotted capital I (case folding)' },
  { name: 'stra\u00dfe', why: 'German sharp s (case folding)' },
  { name: '\u03a3\u03c3\u03c2', why: 'Greek sigmas (case folding)' },
  { name: '\uff46\uff55\uff4c\uff4c', why: 'fullwidth letters' },
  { name: 'emoji\u{1f600}', why: 'outside the BMP (MariaDB cannot store it in user names)' },
  { name: '\u{1d400}\u{1d401}', why: 'mathematical letters outside the BMP' },
  { name: 'lone\ud800', why: 'a lone surrogate: not Unicode' },
  // lengths
  { name: x(63), why: '63 bytes: the longest PostgreSQL name' },
  { name: x(64), why: '64 bytes: truncated by PostgreSQL' },
  { name: '\u8868'.repeat(21), why: '63 bytes of 3-byte characters' },
  { name: '\u00e9'.repeat(32), why: '64 bytes of 2-byte characters (32 characters)' },
  { name: x(62) + '\u00e9', why: '64 bytes ending in a 2-byte character' },
  { name: x(128), why: '128 characters: the longest Steward name' },
  { name: x(129), why: '129 characters: too long for Steward names' },
  { name: 'a', why: 'one character' },
  // reserved words and names with a meaning
  { name: 'select', why: 'SQL keyword' },
  { name: 'SELECT', why: 'SQL keyword, upper case' },
  { name: 'table', why: 'SQL keyword' },
  { name: 'user', why: 'SQL keyword' },
  { name: 'role', why: 'SQL keyword' },
  { name: 'grant', why: 'SQL keyword' },
  { name: 'null', why: 'SQL and YAML null' },
  { name: 'default', why: 'SQL keyword' },
  { name: 'all', why: 'SQL keyword' },
  { name: 'public', why: 'the PUBLIC pseudo-role (reserved role name in PostgreSQL)' },
  { name: 'PUBLIC', why: 'PUBLIC in upper case: a real role PostgreSQL allows' },
  { name: 'none', why: 'reserved role name in PostgreSQL' },
  { name: 'current_user', why: 'a role keyword' },
  { name: 'session_user', why: 'a role keyword' },
  { name: 'pg_monitor', why: 'pg_ prefix: reserved in PostgreSQL' },
  { name: 'mysql', why: 'a system database name' },
  { name: 'information_schema', why: 'a system schema name' },
  { name: 'steward_x', why: "looks like one of Steward's roles" },
  { name: 'u_x', why: "looks like a Steward personal role body" },
  { name: 'yes', why: 'YAML 1.1 boolean' },
  { name: 'true', why: 'YAML boolean' },
  { name: '~', why: 'YAML null' },
  { name: '123', why: 'digits only (a number in YAML)' },
  { name: '1e3', why: 'a float in YAML' },
  { name: '0x1F', why: 'a hex number' },
  { name: '-1', why: 'a negative number' },
  { name: '.', why: 'a dot' },
  { name: '..', why: 'a parent directory' },
  { name: 'dot.ted', why: 'a dot inside (schema.table syntax)' },
  { name: 'MixedCase', why: 'mixed case (PostgreSQL folds unquoted names)' },
  { name: 'mixedcase', why: 'differs from MixedCase only by case' },
  // path, pattern and template syntax
  { name: 'slash/ed', why: 'path separator' },
  { name: '/', why: 'a lone path separator' },
  { name: 'star*', why: 'glob wildcard' },
  { name: '*', why: 'a lone wildcard' },
  { name: '**', why: 'the any-depth wildcard' },
  { name: 'back\\slash', why: 'path escape character' },
  { name: '\\', why: 'a lone backslash' },
  { name: '\\*', why: 'an escaped star, literally' },
  { name: 'a\\/b', why: 'an escaped slash, literally' },
  { name: '%', why: 'LIKE and MySQL host wildcard' },
  { name: '_', why: 'LIKE single-character wildcard' },
  { name: '%_%', why: 'LIKE wildcards (MySQL database grants treat them as patterns)' },
  { name: '?', why: 'a placeholder' },
  { name: '$1', why: 'a PostgreSQL bind placeholder' },
  { name: '%s', why: 'a format placeholder' },
  { name: '${HOME}', why: 'an environment reference' },
  { name: '{user}', why: 'a principal template placeholder' },
  { name: '{email.local}', why: 'a principal template placeholder' },
  { name: 'at@sign', why: 'MySQL account separator' },
  { name: "'root'@'localhost'", why: 'a MySQL account literal' },
  { name: 'x@%', why: 'a MySQL account with a wildcard host' },
  { name: ':colon', why: 'a YAML indicator' },
  { name: '- dash', why: 'a YAML list marker' },
  { name: '&anchor', why: 'a YAML anchor' },
  { name: '*alias', why: 'a YAML alias' },
  { name: '!tag', why: 'a YAML tag' },
  { name: '{}', why: 'a YAML flow mapping' },
  { name: '[]', why: 'a YAML flow sequence' },
  { name: 'key: value', why: 'a YAML mapping inside a name' },
  { name: '<script>', why: 'HTML in a name' },
  { name: '../../etc/passwd', why: 'a path traversal' },
];
