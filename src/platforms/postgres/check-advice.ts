/**
 * The pure half of `connection check` on PostgreSQL: from what the account holds (read by
 * `check.ts`) and what it governs (`check-governed.ts`), what is missing and the narrowest SQL
 * that supplies it, as whom each statement must run. Earlier grants by others are in
 * `check-foreign-grants.ts`, the sentences for the auditor in `check-notes.ts`.
 */
import { cmp } from '../../domain/canonical-state.js';
import type { PrivilegeCheck } from '../platform.js';
import { canActAs, type RoleReach } from './acting-as.js';
import { adviseForeignGrants } from './check-foreign-grants.js';
import type { DatabaseFacts, Governance, Governed } from './check-governed.js';
import type { AdminScript } from './check-script.js';
import { OBJECTS_PER_STATEMENT, plural, qualified, sample } from './check-text.js';
import type { AccountRow, RelationAccessRow } from './check.sql.js';
import { quoteIdent } from './quote.js';

const WRITE = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const;

/** Views and materialized views are only ever granted SELECT; tables and partitions the write set. */
function needed(kind: RelationAccessRow['kind']): readonly string[] {
  return kind === 'v' || kind === 'm' ? ['SELECT'] : WRITE;
}

export interface DatabaseAdvice {
  readonly enforcement: PrivilegeCheck[];
  /** The account holds (or is told to take) grant options on future tables through an owner's default privileges. */
  readonly futureDefaults: boolean;
  /** Owners of governed objects the account cannot act as (for the notes), with where. */
  readonly outOfReach: Map<string, Set<string>>;
  /** Grants to Steward's own roles recorded as made by a role out of reach (an earlier, broader account). */
  readonly stewardGrantsOutOfReach: Map<string, number>;
}

/**
 * Advise on one database: append the enforcement checks and write the missing statements into
 * `script`. The account is not a superuser (a superuser needs nothing).
 */
export function adviseDatabase(
  db: DatabaseFacts,
  g: Governed,
  gov: Governance,
  account: AccountRow,
  reach: ReadonlyMap<string, RoleReach>,
  script: AdminScript,
): DatabaseAdvice {
  const enforcement: PrivilegeCheck[] = [];
  const me = account.user;
  const acct = quoteIdent(me);
  const actable = (role: string): boolean => role === me || canActAs(reach.get(role) ?? { name: role, exists: false, superuser: false, member: false }, false);
  const isSuper = (role: string): boolean => reach.get(role)?.superuser === true;
  const asOwner = (owner: string, sql: string): void => {
    const why = isSuper(owner)
      ? `as role ${quoteIdent(owner)}, owner of what follows (a superuser: Steward's account never acts as one)`
      : `as role ${quoteIdent(owner)}, owner of what follows (a superuser or a member of ${quoteIdent(owner)} may run it; PostgreSQL records ${quoteIdent(owner)} as the grantor either way)`;
    script.as(db.name, 'grant', owner, why, sql);
  };

  // CONNECT and USAGE, to give Steward's roles the way to protected objects.
  if (g.schemas.size > 0) {
    const ok = db.access.owned || db.access.grantable;
    enforcement.push({ what: `CONNECT WITH GRANT OPTION on database "${db.name}"`, ok, detail: 'Steward gives its roles CONNECT' });
    if (!ok) asOwner(db.access.owner, `GRANT CONNECT ON DATABASE ${quoteIdent(db.name)} TO ${acct} WITH GRANT OPTION;`);
    const missing = db.schemas.filter((s) => g.schemas.has(s.name) && !s.owned && !s.grantable).sort((a, b) => cmp(a.name, b.name));
    enforcement.push({
      what: `USAGE WITH GRANT OPTION on the governed schemas of "${db.name}"`,
      ok: missing.length === 0,
      detail: missing.length > 0 ? `missing on ${sample(missing.map((s) => s.name))}` : `${plural(g.schemas.size, 'schema')}: Steward gives its roles USAGE`,
    });
    for (const [owner, list] of groupBy(missing, (s) => s.owner)) {
      asOwner(owner, `GRANT USAGE ON SCHEMA ${list.map((s) => quoteIdent(s.name)).join(', ')} TO ${acct} WITH GRANT OPTION;`);
    }
  }

  // The privileges Steward hands out, WITH GRANT OPTION, from each object's owner.
  if (g.relations.length > 0) {
    const missing = g.relations.filter((r) => {
      if (r.owned) return false;
      const have = new Set(r.grantable.split(','));
      return needed(r.kind).some((p) => !have.has(p));
    });
    enforcement.push({
      what: `GRANT OPTION on protected relations in "${db.name}"`,
      ok: missing.length === 0,
      detail: missing.length > 0 ? `missing on ${sample(missing.map((r) => `${r.schema}.${r.name}`))}` : `${plural(g.relations.length, 'relation')}, partitions included`,
    });
    for (const [owner, list] of groupBy(missing, (r) => r.owner)) {
      for (const [privs, rels] of groupBy(list, (r) => needed(r.kind).join(', '))) {
        for (let i = 0; i < rels.length; i += OBJECTS_PER_STATEMENT) {
          const objects = rels.slice(i, i + OBJECTS_PER_STATEMENT).map((r) => qualified(r.schema, r.name)).join(', ');
          asOwner(owner, `GRANT ${privs} ON TABLE ${objects} TO ${acct} WITH GRANT OPTION;`);
        }
      }
    }
  }
  if (g.sequences.length > 0) {
    const missing = g.sequences.filter((s) => !s.owned && !s.grantable);
    enforcement.push({
      what: `USAGE WITH GRANT OPTION on the sequences of protected tables in "${db.name}"`,
      ok: missing.length === 0,
      detail: missing.length > 0 ? `missing on ${sample(missing.map((s) => `${s.schema}.${s.name}`))}` : `${plural(g.sequences.length, 'sequence')}: writers need USAGE for nextval defaults`,
    });
    for (const [owner, list] of groupBy(missing, (s) => s.owner)) {
      asOwner(owner, `GRANT USAGE ON SEQUENCE ${list.map((s) => qualified(s.schema, s.name)).join(', ')} TO ${acct} WITH GRANT OPTION;`);
    }
  }

  // Future tables: default privileges are set FOR ROLE <owner>, which needs acting as it.
  const outOfReach = new Map<string, Set<string>>();
  for (const r of g.relations) {
    if (!actable(r.owner)) {
      let where = outOfReach.get(r.owner);
      if (!where) outOfReach.set(r.owner, (where = new Set()));
      where.add(`"${db.name}"."${r.schema}"`);
    }
  }
  // The account needs the grant option on those tables too: from the owner's default
  // privileges, so that no administrator is needed when one is created.
  const ownedBy = new Map<string, boolean>();
  for (const r of [...db.relations, ...db.sequences]) ownedBy.set(r.owner, r.owned);
  let futureDefaults = false;
  for (const [schema, owners] of [...g.future].sort(([a], [b]) => cmp(a, b))) {
    for (const owner of [...owners].sort()) {
      const held = (objtype: 'r' | 'S'): Set<string> =>
        new Set(db.defaults.filter((d) => d.owner === owner && d.objtype === objtype && (d.schema === null || d.schema === schema)).flatMap((d) => d.grantable.split(',')));
      const owned = ownedBy.get(owner) === true;
      const tables = owned ? [] : WRITE.filter((p) => !held('r').has(p));
      const sequences = owned || held('S').has('USAGE') ? [] : ['USAGE'];
      const head = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(owner)} IN SCHEMA ${quoteIdent(schema)} GRANT`;
      if (tables.length > 0) asOwner(owner, `${head} ${WRITE.join(', ')} ON TABLES TO ${acct} WITH GRANT OPTION;`);
      if (sequences.length > 0) asOwner(owner, `${head} USAGE ON SEQUENCES TO ${acct} WITH GRANT OPTION;`);
      if (!owned) futureDefaults = true;
      const missing = tables.length > 0 || sequences.length > 0;
      enforcement.push({
        what: `future tables of "${owner}" in "${db.name}"."${schema}"`,
        ok: !missing,
        detail: missing
          ? `"${owner}" gives the account no grant option on the tables and sequences it creates there (default privileges): Steward could not grant them`
          : actable(owner)
            ? 'granted when created (default privileges)'
            : `granted at the next sync, not when created: Steward's account cannot act as ${isSuper(owner) ? 'a superuser' : `"${owner}"`} (see the notes)`,
      });
    }
  }

  // Grants made earlier by others, which the plan revokes: as their grantor, or by an administrator.
  const foreign = adviseForeignGrants(db.name, g, gov, me, actable, reach, script);
  if (foreign.check) enforcement.push(foreign.check);
  return { enforcement, futureDefaults, outOfReach, stewardGrantsOutOfReach: foreign.stewardGrantsOutOfReach };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return [...out].sort(([a], [b]) => cmp(a, b));
}
