/**
 * Object paths: `connection/database/schema/table[/column]` (PostgreSQL, Redshift) or
 * `connection/database/table[/column]` (MySQL, MariaDB). A segment containing `/`, `*` or `\`
 * has a backslash written before each such character, so every name round-trips exactly.
 */

const SPECIAL = /[\\/*]/g;

/** Escape one name so it can stand as a path segment. */
export function escapeSegment(name: string): string {
  return name.replace(SPECIAL, (c) => `\\${c}`);
}

/** Join raw names into a path. */
export function encodePath(segments: readonly string[]): string {
  return segments.map(escapeSegment).join('/');
}

/**
 * Split a path into raw names. Throws on a trailing lone backslash or an empty segment,
 * which can never come from `encodePath`.
 */
export function decodePath(path: string): string[] {
  return splitPattern(path).map((seg) => seg.map((p) => (p.wild ? '*' : p.text)).join(''));
}

/** A piece of a segment in a glob: literal text, or an unescaped `*` wildcard. */
export interface SegmentPart {
  readonly text: string;
  readonly wild: boolean;
}

/**
 * Split a path or glob into segments of parts, honouring escapes. Used by `decodePath` (where a
 * `*` must have been escaped) and by the glob compiler (where an unescaped `*` is a wildcard).
 */
export function splitPattern(path: string, opts: { allowWildcards?: boolean } = {}): SegmentPart[][] {
  if (path.length === 0) throw new Error('empty path');
  const segments: SegmentPart[][] = [];
  let parts: SegmentPart[] = [];
  let text = '';
  const flushText = (): void => {
    if (text.length > 0) parts.push({ text, wild: false });
    text = '';
  };
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\') {
      const next = path[i + 1];
      if (next === undefined) throw new Error(`path ends with a lone backslash: ${path}`);
      text += next;
      i++;
    } else if (c === '/') {
      flushText();
      if (parts.length === 0) throw new Error(`path has an empty segment: ${path}`);
      segments.push(parts);
      parts = [];
    } else if (c === '*') {
      if (!opts.allowWildcards) throw new Error(`unescaped "*" in path (write \\* for a literal star): ${path}`);
      flushText();
      parts.push({ text: '*', wild: true });
    } else {
      text += c;
    }
  }
  flushText();
  if (parts.length === 0) throw new Error(`path has an empty segment: ${path}`);
  segments.push(parts);
  return segments;
}


