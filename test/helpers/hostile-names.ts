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
