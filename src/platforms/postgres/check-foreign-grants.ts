/**
 * Grants made earlier by other roles on governed objects: the plan revokes them, as their
 * grantor — so `connection check` says which grantors the account can act as (Steward revokes
 * those) and writes, for the others, the REVOKEs an administrator runs as the grantor.
 */
import { PRIVILEGE_ORDER, type Privilege } from '../../domain/access.js';
import { cmp } from '../../domain/canonical-state.js';
import type { PrivilegeCheck } from '../platform.js';
import type { RoleReach } from './acting-as.js';
import type { Governance, Governed } from './check-governed.js';
import type { AdminScript } from './check-script.js';
import { OBJECTS_PER_STATEMENT, plural, qualified } from './check-text.js';
import type { AclEntry } from './check.sql.js';
import { quoteIdent } from './quote.js';

/** Privileges Steward models per object type: the ones it would revoke (see `parse-aclitem.ts`). */
const MODELLED = {
  relation: new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']),
  sequence: new Set(['USAGE', 'SELECT', 'UPDATE']),
  column: new Set(['SELECT', 'INSERT', 'UPDATE']),
};

/** One grant made earlier by someone else on a governed object, that the plan will revoke. */
interface ForeignGrant {
  readonly grantor: string;
  readonly grantee: string | null;
  /** What follows `ON` (`TABLE "s"."t"`, `SEQUENCE "s"."q"`), and the column of a column grant. */
  readonly object: { readonly kind: 'relation' | 'sequence' | 'column'; readonly on: string; readonly column?: string };
  readonly privileges: Privilege[];
  /** The grantee may have passed it on: the REVOKE needs CASCADE. */
  grantOption: boolean;
}

export interface ForeignGrantAdvice {
  /** Absent when nobody but Steward's roles holds an earlier grant. */
  readonly check?: PrivilegeCheck;
  /** Grants to Steward's own roles recorded as made by a role out of reach (an earlier, broader account). */
  readonly stewardGrantsOutOfReach: Map<string, number>;
}

/**
 * The earlier grants of one database: the check item, and the administrator's REVOKEs (as
 * each grantor the account cannot act as) written into `script`.
 */
export function adviseForeignGrants(
  database: string,
  g: Governed,
  gov: Governance,
  me: string,
  actable: (role: string) => boolean,
  reach: ReadonlyMap<string, RoleReach>,
  script: AdminScript,
): ForeignGrantAdvice {
  const foreign = foreignGrants(g, gov, me);
  const stewardGrantsOutOfReach = new Map<string, number>();
  const blocked = new Map<string, number>();
  const handled = new Set<string>();
  const revokes: ForeignGrant[] = [];
  let others = 0;
  for (const f of foreign) {
    if (f.grantee !== null && f.grantee.startsWith(gov.rolePrefix)) {
      if (!actable(f.grantor)) stewardGrantsOutOfReach.set(f.grantor, (stewardGrantsOutOfReach.get(f.grantor) ?? 0) + 1);
      continue;
    }
    others++;
    if (actable(f.grantor)) {
      handled.add(f.grantor);
      continue;
    }
    blocked.set(f.grantor, (blocked.get(f.grantor) ?? 0) + 1);
    revokes.push(f);
  }
  const isSuper = (role: string): boolean => reach.get(role)?.superuser === true;
  for (const sql of revokeStatements(revokes).sort((a, b) => cmp(a.text, b.text))) {
    const why = `as role ${quoteIdent(sql.grantor)}, which granted what follows (${isSuper(sql.grantor) ? 'a superuser' : "Steward's account is not a member of it"}): only it can revoke its grants`;
    script.as(database, 'revoke', sql.grantor, why, sql.text);
  }
  if (others === 0) return { stewardGrantsOutOfReach };
  const counts = [...blocked].sort(([a], [b]) => cmp(a, b)).map(([who, n]) => `${isSuper(who) ? 'superuser ' : ''}"${who}" (${plural(n, 'grant')})`);
  const detail = [
    ...(blocked.size > 0 ? [`made by ${counts.join(', ')}, which Steward's account cannot act as: an administrator must revoke them (the SQL below), else every plan reports them as blocked`] : []),
    ...(handled.size > 0 ? [`Steward revokes those made by ${[...handled].sort(cmp).map((h) => `"${h}"`).join(', ')} as their grantor`] : []),
  ].join('; ');
  return { check: { what: `revoke earlier grants on protected objects in "${database}"`, ok: blocked.size === 0, detail }, stewardGrantsOutOfReach };
}

/**
 * Grants on governed objects the plan would revoke (the owner's, the account's own grant
 * options, ignored grantees' and unmodelled privileges aside), one per (grantor, grantee, object).
 */
function foreignGrants(g: Governed, gov: Governance, me: string): ForeignGrant[] {
  const out: ForeignGrant[] = [];
  const collect = (acl: readonly AclEntry[] | null, owner: string, object: ForeignGrant['object']): void => {
    const kind = object.kind;
    const merged = new Map<string, ForeignGrant>();
    for (const [grantor, grantee, privilege, grantOption] of acl ?? []) {
      if (grantee === owner || grantee === me || (grantee !== null && gov.ignored.has(grantee))) continue;
      if (grantor === me || !MODELLED[kind].has(privilege)) continue;
      const k = `${grantor}\u0000${grantee ?? '\u0000'}`;
      let f = merged.get(k);
      if (!f) merged.set(k, (f = { grantor, grantee, object, privileges: [], grantOption: false }));
      f.privileges.push(privilege as Privilege);
      if (grantOption) f.grantOption = true;
    }
    out.push(...merged.values());
  };
  for (const r of g.relations) collect(r.acl, r.owner, { kind: 'relation', on: `TABLE ${qualified(r.schema, r.name)}` });
  for (const s of g.sequences) collect(s.acl, s.owner, { kind: 'sequence', on: `SEQUENCE ${qualified(s.schema, s.name)}` });
  for (const c of g.columns) collect(c.acl, c.owner, { kind: 'column', on: `TABLE ${qualified(c.schema, c.relation)}`, column: c.column });
  return out;
}

/**
 * REVOKE statements for grants made by others, one per (grantor, grantee, privileges, object
 * type, CASCADE) with every object it applies to; column grants one per column.
 */
function revokeStatements(grants: readonly ForeignGrant[]): { grantor: string; text: string }[] {
  const groups = new Map<string, { grantor: string; head: string; tail: string; objects: string[] }>();
  for (const f of grants) {
    const privileges = PRIVILEGE_ORDER.filter((p) => f.privileges.includes(p));
    const column = f.object.column;
    const privs = column === undefined ? privileges.join(', ') : privileges.map((p) => `${p} (${quoteIdent(column)})`).join(', ');
    const [keyword, ...rest] = f.object.on.split(' ');
    const head = `REVOKE ${privs} ON ${keyword}`;
    const tail = ` FROM ${f.grantee === null ? 'PUBLIC' : quoteIdent(f.grantee)}${f.grantOption ? ' CASCADE' : ''};`;
    const key = column === undefined ? `${f.grantor}\u0000${head}\u0000${tail}` : `${f.grantor}\u0000${head}\u0000${tail}\u0000${f.object.on}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { grantor: f.grantor, head, tail, objects: [] }));
    g.objects.push(rest.join(' '));
  }
  const out: { grantor: string; text: string }[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.objects.length; i += OBJECTS_PER_STATEMENT) out.push({ grantor: g.grantor, text: `${g.head} ${g.objects.slice(i, i + OBJECTS_PER_STATEMENT).join(', ')}${g.tail}` });
  }
  return out;
}

