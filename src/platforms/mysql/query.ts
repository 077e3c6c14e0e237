/** A bind value: the readers only ever bind names and numbers. */
export type SqlValue = string | number | null;

/** A SQL text with its bind values (`?` placeholders). */
export interface SqlQuery {
  readonly sql: string;
  readonly values: readonly SqlValue[];
}

/** Rows of a query as plain objects keyed by column alias. */
export type Row = Record<string, unknown>;

/**
 * The one way the readers reach the server, injected so they can be tested and reused by a
 * session that owns the pool: run a query with bind values, resolve to its rows.
 */
export type QueryFn = (query: SqlQuery) => Promise<Row[]>;

/** `?, ?, ?` for a list of bind values (callers never pass an empty list). */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** A column value as a string ('' for NULL), whatever the driver returned (string or Buffer). */
export function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
