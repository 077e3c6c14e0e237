/**
 * The pure half of `connection check` on PostgreSQL: from what the account holds (read by
 * `check.ts`), decide what is governed, what is missing, the narrowest SQL that supplies it —
 * as whom each statement must run — and what an auditor must be told about the rest.
 */
import { PRIVILEGE_ORDER, type Privilege } from '../../domain/access.js';
import { globCovers, globCoversAnyChildOf, type Glob } from '../../domain/glob.js';
import type { PrivilegeCheck } from '../platform.js';
import { canActAs, type RoleReach } from './acting-as.js';
import type { AdminScript } from './check-script.js';
import type { AclEntry, AccountRow, ColumnAccessRow, DatabaseAccessRow, DefaultAccessRow, RelationAccessRow, SchemaAccessRow, SequenceAccessRow } from './check.sql.js';
import { quoteIdent } from './quote.js';

const WRITE = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const;
/** Privileges Steward models per object type: the ones it would revoke (see `parse-aclitem.ts`). */
const MODELLED = {
  relation: new Set<string>(WRITE),
  sequence: new Set(['USAGE', 'SELECT', 'UPDATE']),
  column: new Set(['SELECT', 'INSERT', 'UPDATE']),
};
const SAMPLE = 5;
const OBJECTS_PER_GRANT = 1000;

/** Everything `check.ts` read in one database the account can connect to. */
export interface DatabaseFacts {
  readonly name: string;
  readonly access: DatabaseAccessRow;
  readonly schemas: readonly SchemaAccessRow[];
  readonly relations: readonly RelationAccessRow[];
  readonly sequences: readonly SequenceAccessRow[];
  readonly columns: readonly ColumnAccessRow[];
  readonly defaults: readonly DefaultAccessRow[];
}

export interface Governance {
  readonly connection: string;
  readonly globs: readonly Glob[];
  readonly rolePrefix: string;
  /** `ignoreGrantees`: never revoked, so never reported. */
  readonly ignored: ReadonlySet<string>;
}

/** What Steward governs in one database, as the policy engine would see it. */
export interface Governed {
  /** Protected relations; a partition is protected with the root of its tree. */
  readonly relations: readonly RelationAccessRow[];
  /** Sequences whose nextval is a default of a protected table (writers get USAGE). */
  readonly sequences: readonly SequenceAccessRow[];
  readonly columns: readonly ColumnAccessRow[];
  /** Schemas Steward's roles get USAGE on: of protected relations and sequences, and whole protected schemas. */
  readonly schemas: ReadonlySet<string>;
  /** Schemas whose future tables are protected → owners of their protected relations (default privileges are set FOR ROLE each). */
  readonly future: ReadonlyMap<string, ReadonlySet<string>>;
}

const key2 = (a: string, b: string): string => `${a}\u0000${b}`;
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const bySchemaName = (a: { schema: string; name: string }, b: { schema: string; name: string }): number => cmp(a.schema, b.schema) || cmp(a.name, b.name);
const qualified = (schema: string, name: string): string => `${quoteIdent(schema)}.${quoteIdent(name)}`;
const sample = (items: readonly string[]): string =>
  items.length <= SAMPLE ? items.join(', ') : `${items.slice(0, SAMPLE).join(', ')} and ${items.length - SAMPLE} more`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Views and materialized views are only ever granted SELECT; tables and partitions the write set. */
function needed(kind: RelationAccessRow['kind']): readonly string[] {
  return kind === 'v' || kind === 'm' ? ['SELECT'] : WRITE;
}

/** Mirror of the policy engine's protection (catalog-index.ts): globs over `[connection, db, schema, relation]`, partitions follow their root. */
export function governedIn(db: DatabaseFacts, gov: Governance): Governed {
  const covered = (schema: string, name: string): boolean => gov.globs.some((g) => globCovers(g, [gov.connection, db.name, schema, name]));
  const relations = db.relations.filter((r) => (r.root !== null ? covered(r.root[0], r.root[1]) : covered(r.schema, r.name))).sort(bySchemaName);
  const protectedKeys = new Set(relations.map((r) => key2(r.schema, r.name)));
  const sequences = db.sequences.filter((s) => s.tables.some(([schema, table]) => protectedKeys.has(key2(schema, table)))).sort(bySchemaName);
  const columns = db.columns
    .filter((c) => protectedKeys.has(key2(c.schema, c.relation)))
    .sort((a, b) => bySchemaName({ schema: a.schema, name: a.relation }, { schema: b.schema, name: b.relation }) || cmp(a.column, b.column));
  const schemas = new Set<string>();
  for (const r of relations) schemas.add(r.schema);
  for (const s of sequences) schemas.add(s.schema);
  const future = new Map<string, Set<string>>();
  for (const s of db.schemas) {
    if (!gov.globs.some((g) => globCoversAnyChildOf(g, [gov.connection, db.name, s.name]))) continue;
    schemas.add(s.name);
    future.set(s.name, new Set());
  }
  for (const r of relations) future.get(r.schema)?.add(r.owner);
  return { relations, sequences, columns, schemas, future };
}

/** Roles the account may have to act as in this database: owners of what it governs, grantors of grants there. */
export function rolesInvolved(db: DatabaseFacts, g: Governed): Set<string> {
  const out = new Set<string>([db.access.owner]);
  for (const s of db.schemas) if (g.schemas.has(s.name)) out.add(s.owner);
  for (const r of [...g.relations, ...g.sequences]) {
    out.add(r.owner);
    for (const [grantor] of r.acl ?? []) out.add(grantor);
  }
  for (const c of g.columns) for (const [grantor] of c.acl) out.add(grantor);
  return out;
}

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
    const missing = db.schemas.filter((s) => g.schemas.has(s.name) && !s.owned && !s.grantable).sort((a, b) => (a.name < b.name ? -1 : 1));
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
        for (let i = 0; i < rels.length; i += OBJECTS_PER_GRANT) {
          const objects = rels.slice(i, i + OBJECTS_PER_GRANT).map((r) => qualified(r.schema, r.name)).join(', ');
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
  const foreign = foreignGrants(g, gov, me);
  const stewardGrantsOutOfReach = new Map<string, number>();
  if (foreign.length > 0) {
    const blocked = new Map<string, number>();
    const handled = new Set<string>();
    const revokes: ForeignGrant[] = [];
    for (const f of foreign) {
      if (f.grantee !== null && f.grantee.startsWith(gov.rolePrefix)) {
        if (!actable(f.grantor)) stewardGrantsOutOfReach.set(f.grantor, (stewardGrantsOutOfReach.get(f.grantor) ?? 0) + 1);
        continue;
      }
      if (actable(f.grantor)) {
        handled.add(f.grantor);
        continue;
      }
      blocked.set(f.grantor, (blocked.get(f.grantor) ?? 0) + 1);
      revokes.push(f);
    }
    for (const sql of revokeStatements(revokes).sort((a, b) => cmp(a.text, b.text))) {
      const r = reach.get(sql.grantor);
      const why = `as role ${quoteIdent(sql.grantor)}, which granted what follows (${r?.superuser === true ? 'a superuser' : 'Steward\'s account is not a member of it'}): only it can revoke its grants`;
      script.as(db.name, 'revoke', sql.grantor, why, sql.text);
    }
    const users = foreign.filter((f) => f.grantee === null || !f.grantee.startsWith(gov.rolePrefix));
    if (users.length > 0) {
      const counts = [...blocked].sort(([a], [b]) => (a < b ? -1 : 1)).map(([who, n]) => `${isSuper(who) ? 'superuser ' : ''}"${who}" (${plural(n, 'grant')})`);
      enforcement.push({
        what: `revoke earlier grants on protected objects in "${db.name}"`,
        ok: blocked.size === 0,
        detail:
          (blocked.size > 0 ? `made by ${counts.join(', ')}, which Steward's account cannot act as: an administrator must revoke them (the SQL below), else every plan reports them as blocked` : '') +
          (handled.size > 0 ? `${blocked.size > 0 ? '; ' : ''}Steward revokes those made by ${[...handled].sort().map((h) => `"${h}"`).join(', ')} as their grantor` : ''),
      });
    }
  }
  return { enforcement, futureDefaults, outOfReach, stewardGrantsOutOfReach };
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
    for (let i = 0; i < g.objects.length; i += OBJECTS_PER_GRANT) out.push({ grantor: g.grantor, text: `${g.head} ${g.objects.slice(i, i + OBJECTS_PER_GRANT).join(', ')}${g.tail}` });
  }
  return out;
}

/**
 * Plain sentences an auditor reads with the SQL: what the grants imply, what happens to
 * tables created later and to grants Steward cannot revoke, per owner out of reach.
 */
export function notesFor(
  account: AccountRow,
  reach: ReadonlyMap<string, RoleReach>,
  advice: readonly DatabaseAdvice[],
  governsAnything: boolean,
  rolePrefix: string,
): string[] {
  const acct = quoteIdent(account.user);
  if (account.superuser) {
    return [
      `${acct} is a superuser: it can do anything in the cluster, far more than Steward needs. Register a dedicated account without SUPERUSER; this check then lists the few grants it needs.`,
    ];
  }
  const notes: string[] = [];
  if (account.version_num < 160000) {
    notes.push(
      `CREATEROLE on PostgreSQL ${account.version.split(' ')[0]} lets the account create roles and grant membership in any role that is not a superuser — a table owner, pg_read_all_data, pg_write_all_data — to anyone, itself included. Steward only ever grants its own roles (${rolePrefix}…) to governed users, but the account is trusted not to do more; from PostgreSQL 16, CREATEROLE covers only the roles the account created.`,
    );
  }
  if (governsAnything) {
    notes.push(
      'WITH GRANT OPTION: PostgreSQL has no right to hand out a privilege without holding it, so the account can itself read and write the protected tables (and use the sequences) it hands out. It owns none of them: it cannot DROP or ALTER them.',
    );
  }
  if (advice.some((a) => a.futureDefaults)) {
    notes.push(
      'Default privileges for the account (ALTER DEFAULT PRIVILEGES … TO the account WITH GRANT OPTION) give it the same on tables and sequences the owners create later in schemas protected as a whole, so Steward can grant them at the next sync without an administrator. PostgreSQL cannot tell views from tables there: on a view created later in such a schema the account holds the write privileges as well.',
    );
  }
  const owners = new Map<string, Set<string>>();
  for (const a of advice) for (const [owner, where] of a.outOfReach) for (const w of where) (owners.get(owner) ?? owners.set(owner, new Set()).get(owner)!).add(w);
  for (const [owner, where] of [...owners].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const o = quoteIdent(owner);
    const places = sample([...where].sort());
    const consequences = `tables ${o} creates later in a schema protected as a whole get their grants at the next sync, not when created; and grants made later on its protected tables — by ${o}, or by any superuser, which PostgreSQL records as made by the owner — can only be revoked as ${o}: Steward reports them as blocked, for an administrator to revoke.`;
    notes.push(
      reach.get(owner)?.superuser === true
        ? `${o} is a superuser and owns protected tables (${places}). Steward's account never acts as a superuser, so ${consequences}`
        : `${o} owns protected tables (${places}) and Steward's account is not a member of it, so ${consequences} Optional: \`GRANT ${o} TO ${acct};\` lets Steward set default privileges and revoke such grants itself — but a member of ${o} can also DROP, ALTER and use everything ${o} owns.`,
    );
  }
  const early = new Map<string, number>();
  for (const a of advice) for (const [who, n] of a.stewardGrantsOutOfReach) early.set(who, (early.get(who) ?? 0) + n);
  for (const [who, n] of [...early].sort(([a], [b]) => (a < b ? -1 : 1))) {
    notes.push(
      `${plural(n, 'grant')} to Steward's own roles ${n === 1 ? 'is' : 'are'} recorded as made by ${quoteIdent(who)} (by an earlier system account with more privileges): ${n === 1 ? 'it stays' : 'they stay'} valid, but if a policy stops granting ${n === 1 ? 'it' : 'them'}, Steward will report the revocation as blocked.`,
    );
  }
  return notes;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
