import type { Privilege } from '../domain/access.js';
import { sortPrivileges } from '../domain/access.js';
import type { RelationKind } from '../domain/catalog.js';
import type { User } from '../domain/identity.js';
import type { AccessType } from '../domain/policy.js';
import { encodePath } from '../domain/paths.js';
import { buildCatalogIndex, type CatalogIndex, type RelationInfo } from './catalog-index.js';
import { compilePolicies, type CompiledGuardrail, type CompiledSubscription } from './compile-policies.js';
import { explainCondition } from './explain-condition.js';
import { governedUsers, type UngovernedReason } from './governed-users.js';
import type { PolicyInput } from './input.js';
import { personalRoleName, policyRoleName } from './role-names.js';
import { compileGlobs, selectorMatches } from './select.js';

/** Why a user has no access to an object. */
export type DenialReason =
  | 'unknown_user'
  | UngovernedReason
  | 'not_found'
  | 'not_protected'
  | 'no_matching_policy'
  | 'expired'
  | 'condition_not_met'
  | 'guardrail_failed';

/** One guardrail on the object, and whether the user meets it. */
export interface GuardrailVerdict {
  readonly guardrail: string;
  readonly satisfied: boolean;
  readonly because: readonly string[];
}

/** One subscription policy that selects the object, and what it does for the user. */
export interface PolicyVerdict {
  readonly policy: string;
  readonly access: AccessType;
  /** `matches`: the policy gives the user `privileges` (if they have a principal). */
  readonly outcome: 'matches' | 'expired' | 'condition_not_met' | 'guardrail_failed';
  /** What the policy gives on this object (views: read privileges only). */
  readonly privileges: readonly Privilege[];
  /** The role holding those privileges, and the user's personal role between them if any. */
  readonly role: string;
  readonly personalRole: string | null;
  /** The `to` condition's facts: matched groups, attributes, named user, or what failed. */
  readonly because: readonly string[];
  readonly failedGuardrails: readonly string[];
}

export interface AccessExplanation {
  readonly user: string;
  readonly principal: string | null;
  /** Full path of the object asked about (with the connection). */
  readonly path: string;
  /** The relation the path resolves to (a column path resolves to its table). */
  readonly relation: { readonly segments: readonly string[]; readonly kind: RelationKind; readonly column: string | null } | null;
  readonly protected: boolean;
  /** Effective privileges Steward grants the user on the relation. */
  readonly privileges: readonly Privilege[];
  /** Empty when `privileges` is not; otherwise every reason that applies. */
  readonly reasons: readonly DenialReason[];
  readonly policies: readonly PolicyVerdict[];
  readonly guardrails: readonly GuardrailVerdict[];
  /** The same, in a few human-readable lines (the CLI prints them). */
  readonly lines: readonly string[];
}

/**
 * Why `userName` can or cannot reach the object at `segments` (below the connection; a column
 * path answers for its table): which subscription policies select it, which of them match the
 * user and through which group/attribute/name, which guardrails hold, and the resulting
 * privileges. Same rules as `computeDesiredState`; a property test keeps them equal.
 */
export function explainAccess(input: PolicyInput, userName: string, segments: readonly string[]): AccessExplanation {
  return withLines(explain(input, userName, segments));
}

function explain(input: PolicyInput, userName: string, segments: readonly string[]): Omit<AccessExplanation, 'lines'> {
  const ctx = contextOf(input, segments);
  const user = input.users.find((u) => u.name === userName);
  const base = { user: userName, path: encodePath([input.connection, ...segments]), relation: ctx.relationRef, protected: ctx.rel?.protected ?? false };
  if (user === undefined) return { ...base, principal: null, privileges: [], reasons: ['unknown_user'], policies: [], guardrails: [] };
  const principal = ctx.principals.get(user.name) ?? null;
  const ungoverned = ctx.ungoverned.get(user.name);
  const early = ungoverned === undefined ? [] : [ungoverned];
  if (ctx.rel === null) return { ...base, principal, privileges: [], reasons: [...early, 'not_found'], policies: [], guardrails: [] };
  if (!ctx.rel.protected) return { ...base, principal, privileges: [], reasons: [...early, 'not_protected'], policies: [], guardrails: [] };

  const v = verdictsFor(input, ctx, user, principal);
  const reasons: DenialReason[] = [...early];
  if (ctx.subscriptions.length === 0) reasons.push('no_matching_policy');
  for (const o of ['expired', 'condition_not_met', 'guardrail_failed'] as const) if (v.policies.some((p) => p.outcome === o)) reasons.push(o);
  const privileges = ungoverned === undefined ? v.privileges : [];
  return { ...base, principal, privileges, reasons: privileges.length > 0 ? [] : reasons, policies: v.policies, guardrails: v.guardrails };
}

const REASON_TEXT: Record<DenialReason, string> = {
  unknown_user: 'no such user',
  no_principal: 'the user has no database login on this connection',
  invalid_principal: 'the user\'s database login is a name this platform would refuse or alter',
  system_account: "the user maps to Steward's system account, which is never touched",
  ignored_grantee: 'the user maps to an ignored grantee',
  not_found: 'no such table or view in the catalog',
  not_protected: 'the object is not protected: Steward does not manage access to it',
  no_matching_policy: 'no subscription policy selects it',
  expired: 'a policy that selects it has expired',
  condition_not_met: "the user does not match a policy's condition",
  guardrail_failed: 'the user fails a guardrail on it',
};

function withLines(e: Omit<AccessExplanation, 'lines'>): AccessExplanation {
  const lines = [`${e.user} -> ${e.path}: ${e.privileges.length > 0 ? e.privileges.join(', ') : 'no access'}`];
  for (const r of e.reasons) lines.push(`  because ${REASON_TEXT[r]}`);
  for (const p of e.policies) {
    const head = `  policy ${p.policy} (${p.access})`;
    if (p.outcome === 'matches') lines.push(`${head} grants ${p.privileges.join(', ')} through role ${p.role}${p.personalRole ? ` (via ${p.personalRole})` : ''}: ${p.because.join('; ')}`);
    else if (p.outcome === 'expired') lines.push(`${head} has expired`);
    else if (p.outcome === 'guardrail_failed') lines.push(`${head} matches (${p.because.join('; ')}) but guardrails fail: ${p.failedGuardrails.join(', ')}`);
    else lines.push(`${head} does not match: ${p.because.join('; ')}`);
  }
  for (const g of e.guardrails) lines.push(`  guardrail ${g.guardrail} ${g.satisfied ? 'holds' : 'fails'}: ${g.because.join('; ')}`);
  return { ...e, lines };
}

/** One user who can reach an object, with what and through which policies. */
export interface WhoCanEntry {
  readonly user: string;
  readonly principal: string;
  readonly privileges: readonly Privilege[];
  readonly via: readonly { readonly policy: string; readonly access: AccessType; readonly role: string; readonly privileges: readonly Privilege[]; readonly because: readonly string[] }[];
}

export interface WhoCanResult {
  readonly path: string;
  readonly relation: AccessExplanation['relation'];
  readonly protected: boolean;
  /** Sorted by user name; only users with some privilege. */
  readonly users: readonly WhoCanEntry[];
  /** The same, in a few human-readable lines (the CLI prints them). */
  readonly lines: readonly string[];
}

/**
 * Every governed user who can reach the object at `segments` through Steward's policies, with
 * their privileges and the policies (and condition facts) that give them. Access Steward does
 * not manage (unprotected objects, owners, the system account) is not listed.
 */
export function whoCan(input: PolicyInput, segments: readonly string[]): WhoCanResult {
  const ctx = contextOf(input, segments);
  const out = { path: encodePath([input.connection, ...segments]), relation: ctx.relationRef, protected: ctx.rel?.protected ?? false };
  if (ctx.rel === null || !ctx.rel.protected || ctx.subscriptions.length === 0) {
    const why = ctx.rel === null ? REASON_TEXT.not_found : !ctx.rel.protected ? REASON_TEXT.not_protected : REASON_TEXT.no_matching_policy;
    return { ...out, users: [], lines: [`${out.path}: nobody through Steward (${why})`] };
  }
  const users: WhoCanEntry[] = [];
  for (const user of input.users) {
    const principal = ctx.principals.get(user.name);
    if (principal === undefined) continue;
    const v = verdictsFor(input, ctx, user, principal);
    if (v.privileges.length === 0) continue;
    users.push({
      user: user.name,
      principal,
      privileges: v.privileges,
      via: v.policies
        .filter((p) => p.outcome === 'matches')
        .map((p) => ({ policy: p.policy, access: p.access, role: p.role, privileges: p.privileges, because: p.because })),
    });
  }
  users.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  const lines = [`${out.path}: ${users.length === 0 ? 'nobody through Steward' : `${users.length} user(s)`}`];
  for (const u of users) {
    lines.push(`  ${u.user} (login ${u.principal}): ${u.privileges.join(', ')}`);
    for (const v of u.via) lines.push(`    via ${v.policy} (${v.access}, role ${v.role}): ${v.because.join('; ')}`);
  }
  return { ...out, users, lines };
}

interface Context {
  readonly index: CatalogIndex;
  readonly rel: RelationInfo | null;
  readonly relationRef: AccessExplanation['relation'];
  /** Subscription policies that select the relation (active or not). */
  readonly subscriptions: readonly CompiledSubscription[];
  /** Guardrails on the relation. */
  readonly guardrails: readonly CompiledGuardrail[];
  readonly principals: ReadonlyMap<string, string>;
  readonly ungoverned: ReadonlyMap<string, UngovernedReason>;
}

function contextOf(input: PolicyInput, segments: readonly string[]): Context {
  const index = buildCatalogIndex(input.connection, input.catalog, input.capabilities.hierarchy, compileGlobs(input.options.protect));
  const { governed, ungoverned } = governedUsers(input);
  const principals = new Map(governed.map((g) => [g.user.name, g.principal]));
  let rel = findRelation(index, segments);
  let column: string | null = null;
  if (rel === null && segments.length > 1) {
    const table = findRelation(index, segments.slice(0, -1));
    const name = segments[segments.length - 1]!;
    if (table !== null && table.entry.columns.some((c) => c.name === name)) {
      rel = table;
      column = name;
    }
  }
  if (rel === null) return { index, rel, relationRef: null, subscriptions: [], guardrails: [], principals, ungoverned };
  const { subscriptions, guardrails } = compilePolicies(input.policies, input.now);
  const r = rel;
  return {
    index,
    rel,
    relationRef: { segments: r.entry.segments, kind: r.kind, column },
    subscriptions: subscriptions.filter((s) => selectorMatches(s.on, r)),
    guardrails: guardrails.filter((g) => selectorMatches(g.on, r)),
    principals,
    ungoverned,
  };
}

function findRelation(index: CatalogIndex, segments: readonly string[]): RelationInfo | null {
  const range = index.rangeOf(segments);
  if (range === null || segments.length === 0) return null;
  for (let i = range[0]; i < range[1]; i++) {
    const rel = index.relations[i]!;
    if (rel.entry.segments.length === segments.length) return rel;
  }
  return null;
}

function verdictsFor(
  input: PolicyInput,
  ctx: Context,
  user: User,
  principal: string | null,
): { privileges: Privilege[]; policies: PolicyVerdict[]; guardrails: GuardrailVerdict[] } {
  const caps = input.capabilities;
  const prefix = input.options.rolePrefix;
  const rel = ctx.rel!;
  const guardrails = ctx.guardrails.map((g): GuardrailVerdict => {
    const t = explainCondition(g.policy.to, user);
    return { guardrail: g.policy.name, satisfied: t.matched, because: t.because };
  });
  const failed = guardrails.filter((g) => !g.satisfied).map((g) => g.guardrail);
  const guardNames = ctx.guardrails.map((g) => g.policy.name);
  const personal =
    (caps.singleActiveRole || caps.defaultRoles) && principal !== null
      ? personalRoleName({ prefix, principal, maxLength: caps.maxRoleNameLength })
      : null;
  const all = new Set<Privilege>();
  const policies = ctx.subscriptions.map((s): PolicyVerdict => {
    const p = s.policy;
    const privileges = sortPrivileges(p.access === 'write' && !rel.readOnly ? caps.writePrivileges : caps.readPrivileges);
    const role = policyRoleName({ prefix, policy: p.name, access: p.access, guardrails: guardNames, maxLength: caps.maxRoleNameLength });
    const t = explainCondition(p.to, user);
    const outcome = !s.active ? 'expired' : !t.matched ? 'condition_not_met' : failed.length > 0 ? 'guardrail_failed' : 'matches';
    if (outcome === 'matches' && principal !== null) for (const x of privileges) all.add(x);
    return { policy: p.name, access: p.access, outcome, privileges, role, personalRole: outcome === 'matches' ? personal : null, because: t.because, failedGuardrails: outcome === 'guardrail_failed' ? failed : [] };
  });
  return { privileges: sortPrivileges(all), policies, guardrails };
}
