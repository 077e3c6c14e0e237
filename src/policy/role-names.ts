import { createHash } from 'node:crypto';
import { StewardError } from '../domain/errors.js';
import type { AccessType } from '../domain/policy.js';

/**
 * Deterministic names for the roles Steward creates, within the platform's length limit
 * (`capabilities.maxRoleNameLength`: 63 PostgreSQL, 80 MariaDB, 32 MySQL 8).
 *
 * Policy roles: `${prefix}${body}_${r|w}`, plus `_g${hash8(guardrail names)}` for the part of a
 * policy's tables that guardrails restrict. Personal roles: `${prefix}u_${body}`. Group roles
 * (platforms that grant one role per statement): `${prefix}g_${body}`.
 *
 * A body is the name itself when that is already a safe slug (`[a-z0-9_]`), fits, and cannot
 * be mistaken for a hashed body; otherwise it is a truncated lowercase slug + `_` + the first 8
 * hex digits of a SHA-256 of the exact name. Why names of different policies/users never collide
 * (short of a 32-bit hash collision, which the desired-state computation still checks for):
 * - a verbatim body never contains `_<8 hex>` followed by `_` or the end, a hashed body ends with
 *   it, so the two kinds cannot meet; two verbatim bodies differ because the names differ;
 * - policy names end in `_r`, `_w` or `g<8 hex>`; personal names that end in hex end in
 *   `_<8 hex>`; and a policy body that is `u` or starts with `u_` is always hashed, so a policy name inside
 *   the personal namespace `${prefix}u_` always contains `_<8 hex>_`, which a verbatim personal
 *   body cannot;
 * - the same holds for the group namespace `${prefix}g_` (a policy body `g` or `g_…` is hashed),
 *   and personal and group names differ in their first letter.
 */
export function policyRoleName(opts: {
  readonly prefix: string;
  readonly policy: string;
  readonly access: AccessType;
  /** Names of the guardrails restricting this role's tables; empty or absent: none. */
  readonly guardrails?: readonly string[];
  readonly maxLength: number;
}): string {
  const guardrails = [...new Set(opts.guardrails ?? [])].sort();
  const suffix = `_${opts.access === 'read' ? 'r' : 'w'}${guardrails.length > 0 ? `_g${hash8(`guardrails\u0000${guardrails.join('\u0000')}`)}` : ''}`;
  // `u`/`u_…` or `g`/`g_…` verbatim would put the policy role inside the personal or group namespace.
  const verbatimOk = !/^[ug](_|$)/.test(opts.policy);
  const body = roleBody(opts.policy, `policy\u0000${opts.policy}`, opts.maxLength - opts.prefix.length - suffix.length, verbatimOk);
  return `${opts.prefix}${body}${suffix}`;
}

/** The personal role of a database principal (MariaDB/MySQL: its one default role). */
export function personalRoleName(opts: { readonly prefix: string; readonly principal: string; readonly maxLength: number }): string {
  const head = `${opts.prefix}u_`;
  return `${head}${roleBody(opts.principal, `principal\u0000${opts.principal}`, opts.maxLength - head.length, true)}`;
}

/** The role of a Steward group (MariaDB): member of the policy roles given to the whole group. */
export function groupRoleName(opts: { readonly prefix: string; readonly group: string; readonly maxLength: number }): string {
  const head = `${opts.prefix}g_`;
  return `${head}${roleBody(opts.group, `group\u0000${opts.group}`, opts.maxLength - head.length, true)}`;
}

/** Lowercase `[a-z0-9_]`, runs of anything else folded into one `_`, no `_` at either end. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

const SAFE = /^[a-z0-9_]+$/;
/** What a hashed body ends with; a verbatim body must not contain it anywhere. */
const HASH_TAIL = /_[0-9a-f]{8}(?=_|$)/;
const HASH_PART = 9; // `_` + 8 hex digits

function roleBody(name: string, hashInput: string, room: number, verbatimOk: boolean): string {
  if (verbatimOk && name.length > 0 && name.length <= room && SAFE.test(name) && !HASH_TAIL.test(name)) return name;
  const keep = room - HASH_PART;
  if (keep < 1) {
    throw new StewardError('invalid_input', `rolePrefix is too long: role names must fit in ${room} more characters after it`, {
      hint: 'use a shorter rolePrefix for this connection (the platform limits role names)',
      details: { field: 'rolePrefix' },
    });
  }
  const head = slugify(name).slice(0, keep).replace(/_+$/, '') || 'x';
  return `${head}_${hash8(hashInput)}`;
}

function hash8(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}

const POLICY_TAIL = /_(r|w)(_g[0-9a-f]{8})?$/;
const HASHED_INSIDE = /_[0-9a-f]{8}_/;

/**
 * What a role under the prefix was made for, by its name alone (readers of a database's roles
 * have nothing else): `u_…` personal and `g_…` group roles, unless the body is a policy's hashed
 * body put in those namespaces (`_<8 hex>_` before a policy suffix, which a personal or group
 * body never has); anything else is a policy role. `name` must start with `prefix`.
 */
export function purposeOfRoleName(name: string, prefix: string): 'personal' | 'group' | 'policy' {
  const body = name.slice(prefix.length);
  const space = body.startsWith('u_') ? 'personal' : body.startsWith('g_') ? 'group' : null;
  if (space !== null && !(HASHED_INSIDE.test(body) && POLICY_TAIL.test(body))) return space;
  return 'policy';
}
