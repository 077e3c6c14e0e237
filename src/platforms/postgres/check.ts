import { StewardError } from '../../domain/errors.js';
import { compileGlob, type Glob } from '../../domain/glob.js';
import { cmp } from '../../domain/canonical-state.js';
import type { CheckOptions, CheckReport, PrivilegeCheck } from '../platform.js';
import { reachOf } from './acting-as.js';
import { adviseDatabase, type DatabaseAdvice } from './check-advice.js';
import { governedIn, rolesInvolved, type DatabaseFacts, type Governance, type Governed } from './check-governed.js';
import { notesFor } from './check-notes.js';
import { AdminScript } from './check-script.js';
import {
  checkSql,
  type AccountRow,
  type ColumnAccessRow,
  type DatabaseAccessRow,
  type DefaultAccessRow,
  type RelationAccessRow,
  type SchemaAccessRow,
  type SequenceAccessRow,
} from './check.sql.js';
import type { PostgresContext } from './context.js';
import { listDatabases } from './list-databases.js';
import { quoteIdent } from './quote.js';

function compileProtect(globs: readonly string[]): Glob[] {
  return globs.map((g, i) => {
    try {
      return compileGlob(g);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new StewardError('invalid_input', `protect[${i}]: ${why}`, { details: { field: `protect[${i}]` } });
    }
  });
}

/**
 * What the system account can and cannot do, and the narrowest SQL an administrator runs to
 * give it what is missing — never ownership, never a superuser's powers:
 * - sync: CONNECT on each database (the catalog is read from pg_catalog, which needs nothing more);
 * - enforcement: CREATEROLE; the privileges Steward hands out WITH GRANT OPTION, granted by
 *   each object's owner (the script says `SET ROLE <owner>`): CONNECT on databases and USAGE
 *   on schemas that hold protected objects, the write set on protected tables and partitions,
 *   SELECT on protected views, USAGE on the sequences of their nextval defaults — and, in schemas
 *   protected as a whole, the same on the owners' future tables and sequences (default
 *   privileges for the account), so that a table created later needs no administrator;
 * - earlier grants on protected objects by roles the account cannot act as (superusers,
 *   roles it is not a member of): the REVOKEs an administrator must run as their grantor;
 * - `notes`: what the grants imply, and per owner out of reach what Steward cannot do (set
 *   default privileges, revoke that owner's grants) and what membership would cost.
 * A superuser needs nothing (and is told it holds far more than it needs).
 */
export async function check(ctx: PostgresContext, opts: CheckOptions = {}): Promise<CheckReport> {
  const globs = compileProtect(ctx.options.protect);
  const main = await ctx.clientFor(null);
  const accountQ = checkSql.account();
  const account = (await main.query<AccountRow>(accountQ.text, accountQ.values)).rows[0];
  if (!account) throw new StewardError('platform_error', 'check: the current user is not in pg_roles');
  const user = quoteIdent(account.user);
  const sync: PrivilegeCheck[] = [];
  const enforcement: PrivilegeCheck[] = [];
  const script = new AdminScript();

  const canCreateRoles = account.superuser || account.createrole;
  enforcement.push({
    what: 'CREATEROLE',
    ok: canCreateRoles,
    detail: account.superuser ? 'superuser' : account.createrole ? 'CREATEROLE' : 'needed to create, grant and drop Steward roles',
  });
  if (!canCreateRoles) script.cluster(`ALTER ROLE ${user} CREATEROLE;`);

  const rows = await listDatabases(ctx);
  for (const name of ctx.options.databases ?? []) {
    if (!rows.some((r) => r.name === name)) sync.push({ what: `CONNECT on database "${name}"`, ok: false, detail: 'database does not exist' });
  }
  // With no configured list the targets are, by definition, the databases it can connect to.
  for (const r of ctx.options.databases === null ? rows.filter((d) => d.can_connect) : rows) {
    sync.push({ what: `CONNECT on database "${r.name}"`, ok: r.can_connect });
    if (!r.can_connect) script.cluster(`GRANT CONNECT ON DATABASE ${quoteIdent(r.name)} TO ${user};`);
  }
  const connectable = rows.filter((r) => r.can_connect).map((r) => r.name);

  const gov: Governance = {
    connection: ctx.connectionName,
    globs,
    rolePrefix: ctx.options.rolePrefix,
    ignored: new Set(ctx.options.ignoreGrantees),
  };
  const advice: DatabaseAdvice[] = [];
  if (globs.length > 0 && !account.superuser && connectable.length > 0) {
    const dq = checkSql.databases(connectable);
    const access = new Map((await main.query<DatabaseAccessRow>(dq.text, dq.values)).rows.map((r) => [r.name, r]));
    const facts: { db: DatabaseFacts; governed: Governed }[] = [];
    for (const name of connectable) {
      const row = access.get(name);
      if (!row) continue;
      const db = await readFacts(ctx, name, row);
      facts.push({ db, governed: governedIn(db, gov) });
    }
    const names = new Set<string>();
    for (const f of facts) for (const n of rolesInvolved(f.db, f.governed)) names.add(n);
    const reach = await reachOf(main, names);
    for (const f of facts) {
      const a = adviseDatabase(f.db, f.governed, gov, account, reach, script);
      enforcement.push(...a.enforcement);
      advice.push(a);
    }
    const governsAnything = facts.some((f) => f.governed.relations.length > 0);
    const views = adviseSecureViews(opts, facts, access, user, enforcement, script);
    return report(account, connectable, sync, enforcement, script, [...notesFor(account, reach, advice, governsAnything, gov.rolePrefix), views]);
  }
  return report(account, connectable, sync, enforcement, script, [...notesFor(account, new Map(), advice, false, gov.rolePrefix), ...(account.superuser ? [] : [SECURE_VIEW_NOTE])]);
}

const SECURE_VIEW_NOTE =
  'Data policies (masks, row filters) are enforced with secure views, which also need CREATE on each database holding a table they reach (for Steward\'s system schema and the view schemas, owned by its view role) and SELECT WITH GRANT OPTION on those tables (part of the access advice); check advises them once the configuration has a mask or row filter reaching this connection.';

/**
 * Data policies: Steward creates its system schema and the secure-view schemas in each
 * database with a view (CREATE on the database), owned by its view role (a role it creates:
 * CREATEROLE, advised above); the view role reads the base tables through SELECT the account
 * grants it (SELECT WITH GRANT OPTION, part of the access advice on protected tables).
 */
function adviseSecureViews(
  opts: CheckOptions,
  facts: readonly { db: DatabaseFacts; governed: Governed }[],
  access: ReadonlyMap<string, DatabaseAccessRow>,
  user: string,
  enforcement: PrivilegeCheck[],
  script: AdminScript,
): string {
  const needs = opts.dataPolicies;
  if (needs === undefined) return SECURE_VIEW_NOTE;
  const names =
    needs.bases === null
      ? facts.filter((f) => f.governed.relations.length > 0).map((f) => f.db.name)
      : [...new Set(needs.bases.map((b) => b[0]!))];
  for (const name of names.sort(cmp)) {
    const row = access.get(name);
    if (row === undefined) continue; // not connectable: reported under sync
    const ok = row.owned || row.creatable;
    enforcement.push({ what: `CREATE on database "${name}"`, ok, detail: "data policies: Steward creates its system schema and the secure-view schemas there, owned by its view role" });
    if (!ok) script.cluster(`GRANT CREATE ON DATABASE ${quoteIdent(name)} TO ${user};`);
    const f = facts.find((x) => x.db.name === name);
    if (f === undefined) continue;
    const bases = needs.bases === null ? null : new Set(needs.bases.filter((b) => b[0] === name).map((b) => `${b[1]}\u0000${b[2]}`));
    const read = f.governed.relations.filter((r) => bases === null || bases.has(`${r.schema}\u0000${r.name}`));
    const missing = read.filter((r) => !r.owned && !r.grantable.split(',').includes('SELECT'));
    enforcement.push({
      what: `SELECT WITH GRANT OPTION on the tables secure views read in "${name}"`,
      ok: missing.length === 0,
      detail: `${read.length} tables: Steward's view role reads them through SELECT the account grants it (proposed with the access grants above)`,
    });
  }
  return `Data policies: Steward creates a role (its view role) owning the secure views and its system schema in ${names.length === 0 ? 'no database yet' : names.map((n) => `"${n}"`).join(', ')}; the account becomes a member of it to build and drop them, and CREATE on those databases lets it create schemas there (nothing else).`;
}

function report(
  account: AccountRow,
  databases: readonly string[],
  sync: readonly PrivilegeCheck[],
  enforcement: readonly PrivilegeCheck[],
  script: AdminScript,
  notes: readonly string[],
): CheckReport {
  return { serverVersion: account.version, user: account.user, databases, sync, enforcement, grantSql: script.render(), notes };
}

async function readFacts(ctx: PostgresContext, name: string, access: DatabaseAccessRow): Promise<DatabaseFacts> {
  const client = await ctx.clientFor(name);
  const read = async <T>(q: { text: string; values: unknown[] }): Promise<T[]> => (await client.query<T>(q.text, q.values)).rows;
  return {
    name,
    access,
    schemas: await read<SchemaAccessRow>(checkSql.schemas()),
    relations: await read<RelationAccessRow>(checkSql.relations()),
    sequences: await read<SequenceAccessRow>(checkSql.sequences()),
    columns: await read<ColumnAccessRow>(checkSql.columns()),
    defaults: await read<DefaultAccessRow>(checkSql.defaults()),
  };
}
