import { splitPattern, type SegmentPart } from './paths.js';

/**
 * Path globs, matched segment by segment: `*` inside a segment matches any run of characters
 * in that one segment, a segment that is exactly `**` matches any number of segments (zero or
 * more), and `\` escapes `/`, `*` and `\`. Written here rather than taken from a file-glob
 * library because our segments carry their own escaping and may hold any character, `/` too.
 */
export interface Glob {
  readonly source: string;
  readonly segments: readonly GlobSegment[];
}

type GlobSegment = { readonly kind: 'any-depth' } | { readonly kind: 'segment'; readonly re: RegExp; readonly literal: string | null };

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileSegment(parts: SegmentPart[]): GlobSegment {
  // `**` arrives from the splitter as two wildcard parts.
  if (parts.length === 2 && parts[0]!.wild && parts[1]!.wild) return { kind: 'any-depth' };
  const literal = parts.every((p) => !p.wild) ? parts.map((p) => p.text).join('') : null;
  const re = new RegExp(`^${parts.map((p) => (p.wild ? '.*' : escapeRe(p.text))).join('')}$`, 's');
  return { kind: 'segment', re, literal };
}

/** Compile a glob; throws a plain Error with a reason on malformed input. */
export function compileGlob(source: string): Glob {
  const segments = splitPattern(source, { allowWildcards: true }).map(compileSegment);
  return { source, segments };
}

function segmentMatches(seg: GlobSegment & { kind: 'segment' }, name: string): boolean {
  return seg.literal !== null ? seg.literal === name : seg.re.test(name);
}

function match(glob: readonly GlobSegment[], gi: number, path: readonly string[], pi: number, prefixOk: boolean): boolean {
  if (gi === glob.length) return pi === path.length || prefixOk;
  const seg = glob[gi]!;
  if (seg.kind === 'any-depth') {
    for (let k = pi; k <= path.length; k++) if (match(glob, gi + 1, path, k, prefixOk)) return true;
    return false;
  }
  if (pi === path.length) return false;
  if (!segmentMatches(seg, path[pi]!)) return false;
  return match(glob, gi + 1, path, pi + 1, prefixOk);
}

/** The glob matches exactly this path. */
export function globMatches(glob: Glob, path: readonly string[]): boolean {
  return match(glob.segments, 0, path, 0, false);
}

/** The glob matches this path or one of its ancestors (protection covers descendants). */
export function globCovers(glob: Glob, path: readonly string[]): boolean {
  return match(glob.segments, 0, path, 0, true);
}

/**
 * The glob would match a child of `parent` whatever that child is called: used to decide that
 * future tables created in a schema are covered (default privileges).
 */
export function globCoversAnyChildOf(glob: Glob, parent: readonly string[]): boolean {
  const probe = [...parent, '\u0000steward-future-object\u0000'];
  return globCovers(glob, probe);
}
