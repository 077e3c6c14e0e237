import { StewardError } from '../../domain/errors.js';
import { compileGlob, globCovers, globCoversAnyChildOf, type Glob } from '../../domain/glob.js';
import type { CheckReport, PrivilegeCheck } from '../platform.js';
import { checkSql, type AccountRow, type NameRow, type RelationAccessRow } from './check.sql.js';
import type { PostgresContext } from './context.js';
import { listDatabases } from './list-databases.js';
import { quoteIdent } from './quote.js';

const WRITE = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'] as const;
const SAMPLE = 5;
const OBJECTS_PER_GRANT = 1000;

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

/** Views and materialized views are only ever granted SELECT; tables get the write set. */
function needed(kind: RelationAccessRow['kind']): readonly string[] {
  return kind === 'v' || kind === 'm' ? ['SELECT'] : WRITE;
}

const qualified = (r: { schema: string; name: string }): string => `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`;

function sample(items: readonly string[]): string {
  return items.length <= SAMPLE ? items.join(', ') : `${items.slice(0, SAMPLE).join(', ')} and ${items.length - SAMPLE} more`;
}

/** Tables and views lacking grant options, and owners of future-covered schemas not inherited. */
interface DatabaseNeeds {
  readonly missingGrant: RelationAccessRow[];
  readonly owners: Map<string, Set<string>>;
}

function enforcementNeeds(rows: readonly RelationAccessRow[], globs: readonly Glob[], conn: string, db: string): DatabaseNeeds {
  const missingGrant: RelationAccessRow[] = [];
  const owners = new Map<string, Set<string>>();
  const future = new Map<string, boolean>();
  for (const r of rows) {
    const path = [conn, db, r.schema, r.name];
    if (!globs.some((g) => globCovers(g, path))) continue;
    if (!r.owned) {
      const have = new Set(r.grantable.split(','));
      if (needed(r.kind).some((p) => !have.has(p))) missingGrant.push(r);
    }
    // Default privileges for future tables are set FOR ROLE <owner>, which needs membership in it.
    let covered = future.get(r.schema);
    if (covered === undefined) future.set(r.schema, (covered = globs.some((g) => globCoversAnyChildOf(g, [conn, db, r.schema]))));
    if (covered && !r.owned) {
      let set = owners.get(r.owner);
      if (!set) owners.set(r.owner, (set = new Set()));
      set.add(r.schema);
    }
  }
  return { missingGrant, owners };
}

/** Least-privilege GRANT ... WITH GRANT OPTION statements, grouped by the privileges needed. */
function grantOptionSql(missing: readonly RelationAccessRow[], user: string): string[] {
  const groups = new Map<string, RelationAccessRow[]>();
  for (const r of missing) {
    const key = needed(r.kind).join(', ');
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(r);
  }
  const out: string[] = [];
  for (const [privs, list] of groups) {
    for (let i = 0; i < list.length; i += OBJECTS_PER_GRANT) {
      const objects = list.slice(i, i + OBJECTS_PER_GRANT).map(qualified).join(', ');
      out.push(`GRANT ${privs} ON TABLE ${objects} TO ${quoteIdent(user)} WITH GRANT OPTION;`);
    }
  }
  return out;
}

/**
 * What the system account can and cannot do, and the SQL an admin would run to grant exactly
 * what is missing:
 * - sync: CONNECT on each database to sync, USAGE on its schemas;
 * - enforcement: CREATEROLE (or superuser); on every relation under `options.protect`, the
 *   GRANT OPTION on the privileges Steward hands out (or ownership, inherited); membership in
 *   the owners of schemas whose future tables are protected (ALTER DEFAULT PRIVILEGES FOR ROLE).
 * PostgreSQL 16+ narrowed CREATEROLE: a non-superuser may only grant and drop roles it holds
 * ADMIN OPTION on. Roles Steward creates itself get that automatically, so the check is the
 * same; principals created by others only ever become members, which needs ADMIN on Steward's
 * role, not on them. We target 15, where CREATEROLE covers every non-superuser role.
 */
export async function check(ctx: PostgresContext): Promise<CheckReport> {
  const globs = compileProtect(ctx.options.protect);
  const main = await ctx.clientFor(null);
  const accountQ = checkSql.account();
  const account = (await main.query<AccountRow>(accountQ.text, accountQ.values)).rows[0];
  if (!account) throw new StewardError('platform_error', 'check: the current user is not in pg_roles');
  const user = quoteIdent(account.user);
  const sync: PrivilegeCheck[] = [];
  const enforcement: PrivilegeCheck[] = [];
  const grantSql: string[] = [];

  enforcement.push(
    account.superuser || account.createrole
      ? { what: 'CREATEROLE', ok: true, detail: account.superuser ? 'superuser' : 'CREATEROLE' }
      : { what: 'CREATEROLE', ok: false, detail: 'needed to create, grant and drop Steward roles' },
  );
  if (!account.superuser && !account.createrole) grantSql.push(`ALTER ROLE ${user} CREATEROLE;`);

  const rows = await listDatabases(ctx);
  for (const name of ctx.options.databases ?? []) {
    if (!rows.some((r) => r.name === name)) sync.push({ what: `CONNECT on database "${name}"`, ok: false, detail: 'database does not exist' });
  }
  // With no configured list the targets are, by definition, the databases it can connect to.
  for (const r of ctx.options.databases === null ? rows.filter((d) => d.can_connect) : rows) {
    sync.push({ what: `CONNECT on database "${r.name}"`, ok: r.can_connect });
    if (!r.can_connect) grantSql.push(`GRANT CONNECT ON DATABASE ${quoteIdent(r.name)} TO ${user};`);
  }
  const connectable = rows.filter((r) => r.can_connect).map((r) => r.name);

  for (const db of connectable) {
    const client = await ctx.clientFor(db);
    const perDb: string[] = [];
    const usageQ = checkSql.schemasWithoutUsage();
    const noUsage = (await client.query<NameRow>(usageQ.text, usageQ.values)).rows.map((r) => r.name);
    sync.push({ what: `USAGE on the schemas of "${db}"`, ok: noUsage.length === 0, ...(noUsage.length > 0 ? { detail: `missing on ${sample(noUsage)}` } : {}) });
    if (noUsage.length > 0) perDb.push(`GRANT USAGE ON SCHEMA ${noUsage.map(quoteIdent).join(', ')} TO ${user};`);

    if (globs.length > 0 && !account.superuser) {
      const accessQ = checkSql.relationAccess();
      const access = (await client.query<RelationAccessRow>(accessQ.text, accessQ.values)).rows;
      const needs = enforcementNeeds(access, globs, ctx.connectionName, db);
      enforcement.push({
        what: `GRANT OPTION on protected relations in "${db}"`,
        ok: needs.missingGrant.length === 0,
        ...(needs.missingGrant.length > 0 ? { detail: `missing on ${sample(needs.missingGrant.map((r) => `${r.schema}.${r.name}`))}` } : {}),
      });
      perDb.push(...grantOptionSql(needs.missingGrant, account.user));
      for (const [owner, schemas] of needs.owners) {
        enforcement.push({ what: `member of role "${owner}"`, ok: false, detail: `owner of future protected tables in "${db}": ${sample([...schemas])}` });
        const sql = `GRANT ${quoteIdent(owner)} TO ${user};`;
        if (!grantSql.includes(sql)) grantSql.push(sql);
      }
    }
    // GRANTs on schemas and tables must run in their database.
    if (perDb.length > 0) grantSql.push(`-- in database ${quoteIdent(db)}:`, ...perDb);
  }

  return { serverVersion: account.version, user: account.user, databases: connectable, sync, enforcement, grantSql };
}
