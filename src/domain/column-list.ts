import type { ColumnInfo } from './catalog.js';

/** A column as stored inline on its relation; `removedAt` is set once it vanished. */
export interface StoredColumn extends ColumnInfo {
  readonly removedAt?: string;
}

/**
 * The text form of a relation's column list, as the store keeps it and as a platform may read
 * it from its server ready-made (PostgreSQL builds it in the catalog query, so a crawl of
 * 100,000 tables makes no column object at all): JSON text of one array per column,
 * `[name, type, nullable 1|0, position]`, followed by the comment when there is one or the
 * column is removed, and then its `removedAt`. Live columns are listed in order, and decoding
 * counts their positions (1, 2, …) in that order: where a platform writes the text, the fourth
 * element of a live column need only increase (PostgreSQL writes its attnum, which dropped
 * columns leave gaps in). A removed column keeps the position it had. No space anywhere;
 * strings as `JSON.stringify` writes them. Object keys repeated on every column made a row
 * three times as long, and the embedded store's bulk write costs about in proportion to the
 * bytes (100,000 tables × 10 columns: ≈90 MB of JSON before, ≈30 MB now).
 */
export function encodeColumns(columns: readonly StoredColumn[]): string {
  let out = '[';
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (i > 0) out += ',';
    out += `[${jsonString(c.name)},${jsonString(c.type)},${c.nullable ? 1 : 0},${c.position}`;
    if (c.removedAt !== undefined) out += `,${JSON.stringify(c.comment)},${JSON.stringify(c.removedAt)}`;
    else if (c.comment !== null) out += `,${jsonString(c.comment)}`;
    out += ']';
  }
  return `${out}]`;
}

/** JSON.stringify of a string, without its call for plain text (no quote, backslash, control character or surrogate). */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** One column of the text form, parsed. */
export type EncodedColumn = [string, string, 0 | 1, number, (string | null)?, string?];

/** The column list back from its text (see `encodeColumns`): live columns numbered in list order. */
export function decodeColumns(text: string): StoredColumn[] {
  return columnsFromParsed(JSON.parse(text) as EncodedColumn[]);
}

/** The same from the text already parsed (a store read that returns it inside a larger JSON value). */
export function columnsFromParsed(parsed: readonly EncodedColumn[]): StoredColumn[] {
  let live = 0;
  return parsed.map(([name, type, nullable, position, comment, removedAt]) =>
    removedAt === undefined
      ? { name, type, nullable: nullable === 1, position: ++live, comment: comment ?? null }
      : { name, type, nullable: nullable === 1, position, comment: comment ?? null, removedAt },
  );
}
