export { columnsFromParsed, decodeColumns, encodeColumns, type EncodedColumn, type StoredColumn } from '../domain/column-list.js';

/**
 * Migration 7: column lists stored as objects (`{"name":…,"type":…,"nullable":…,"position":…,
 * "comment":…,"removedAt"?:…}`) rewritten in the form of `encodeColumns`. The fingerprints stored
 * then were computed from the columns' values, not from this text, so they stay valid.
 */
export const COMPACT_COLUMNS_SQL = `
UPDATE objects o SET columns = (
  SELECT coalesce(json_agg(
    CASE
      WHEN e ? 'removedAt' THEN json_build_array(e->>'name', e->>'type', CASE WHEN (e->'nullable')::boolean THEN 1 ELSE 0 END, (e->>'position')::int, e->'comment', e->>'removedAt')
      WHEN jsonb_typeof(e->'comment') = 'string' THEN json_build_array(e->>'name', e->>'type', CASE WHEN (e->'nullable')::boolean THEN 1 ELSE 0 END, (e->>'position')::int, e->>'comment')
      ELSE json_build_array(e->>'name', e->>'type', CASE WHEN (e->'nullable')::boolean THEN 1 ELSE 0 END, (e->>'position')::int)
    END ORDER BY x.ord), '[]')::text
  FROM jsonb_array_elements(o.columns::jsonb) WITH ORDINALITY AS x(e, ord))
WHERE o.columns IS NOT NULL AND left(o.columns, 2) = '[{';`;
