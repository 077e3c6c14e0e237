/**
 * Database login names as each platform stores them. A name the server would refuse, truncate,
 * trim or fold is a name Steward could never converge on (it creates "alice " and reads back
 * "alice"), so such names are refused where identities come in and skipped where a template
 * resolves them at plan time. The facts per platform are data (`Capabilities.principalName`);
 * this one function reads them.
 */

/** What a platform does to a login name: what it refuses, and what it silently changes. */
export interface PrincipalNameRule {
  /** Platform name for messages. */
  readonly label: string;
  readonly maxLength: number;
  readonly lengthUnit: 'bytes' | 'characters';
  /** Characters outside the Basic Multilingual Plane cannot be stored (utf8mb3 privilege tables). */
  readonly bmpOnly: boolean;
  /** Trailing spaces are dropped when the name is stored (CHAR columns that pad with spaces). */
  readonly trimsTrailingSpaces: boolean;
  /** Names are folded to lowercase, even when quoted. */
  readonly foldsToLowercase: boolean;
  /** Names the platform refuses, or that Steward would read as something other than a login. */
  readonly reserved: readonly { readonly pattern: RegExp; readonly why: string }[];
}

export interface PrincipalNameProblem {
  readonly problem: string;
  readonly hint: string;
}

/**
 * A name as it appears in messages: quoted, control and invisible characters escaped, and a
 * very long one cut (with its length) so that an error stays one readable line.
 */
export function showName(name: string): string {
  const chars = [...name];
  if (chars.length > 120) return `${showName(chars.slice(0, 100).join(''))}… (${chars.length} characters)`;
  return JSON.stringify(name).replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A UTF-16 string that is not valid Unicode: it cannot be stored or sent as UTF-8 unchanged. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

const HINT = 'map the user to another login on this connection (users.<name>.principals.<connection>)';

/** Why `name` cannot be a login under `rule`, or null when it is stored exactly as written. */
export function principalNameProblem(name: string, rule: PrincipalNameRule): PrincipalNameProblem | null {
  const shown = showName(name);
  const fail = (problem: string, hint = HINT): PrincipalNameProblem => ({ problem: `${shown} ${problem}`, hint });
  if (name.length === 0) return fail('is empty', 'a login name has at least one character');
  if (name.includes('\u0000')) return fail('contains a NUL character, which no database accepts in a name');
  if (hasLoneSurrogate(name)) return fail('is not valid Unicode (a lone surrogate)');
  const length = rule.lengthUnit === 'bytes' ? Buffer.byteLength(name, 'utf8') : [...name].length;
  if (length > rule.maxLength) {
    return fail(`is ${length} ${rule.lengthUnit} long; ${rule.label} login names are at most ${rule.maxLength} ${rule.lengthUnit} (longer ones are cut or refused)`);
  }
  if (rule.bmpOnly && /[\u{10000}-\u{10ffff}]/u.test(name)) {
    return fail(`holds a character outside the Basic Multilingual Plane (emoji and the like), which ${rule.label} cannot store in a user name`);
  }
  if (rule.trimsTrailingSpaces && name.endsWith(' ')) return fail(`ends with a space, which ${rule.label} drops from user names`);
  if (rule.foldsToLowercase && name !== name.toLowerCase()) return fail(`has uppercase letters, which ${rule.label} folds to lowercase`);
  for (const r of rule.reserved) if (r.pattern.test(name)) return fail(r.why);
  return null;
}
