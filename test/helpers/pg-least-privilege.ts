/**
 * Steward's system account on the real PostgreSQL as `connection check` advises it: a fresh
 * login role with nothing, then exactly the SQL the check proposes, run by an administrator
 * (the superuser `postgres`, only for that) the way psql would run the script.
 */
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import type { CheckReport } from '../../src/platforms/platform.js';
import { postgresPlatform } from '../../src/platforms/postgres/index.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { dropRoles, dropRolesWithPrefix, pgUrl, withPg } from './pg-admin.js';
import { PG_URL } from './databases.js';

export const ACCOUNT_PASSWORD = 'pw';

/** Drop and create a login role with no attribute and no privilege of its own. */
export async function freshAccount(name: string): Promise<void> {
  await withPg(PG_URL, async (c) => {
    await dropRoles(c, [name]);
    await c.query(`CREATE ROLE ${quoteIdent(name)} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD '${ACCOUNT_PASSWORD}'`);
  });
}

/** The unquoted name of a `-- in database "x":` line, or null. */
function databaseOf(line: string): string | null {
  const m = /^-- in database "((?:[^"]|"")*)":$/.exec(line);
  return m ? m[1]!.replaceAll('""', '"') : null;
}

/**
 * Run a check's script as the superuser: statements before any `-- in database` line run in
 * `postgres`, the others in the database named; comments are skipped. One session per
 * database, as psql's `\connect` would give.
 */
export async function runAdminScript(lines: readonly string[]): Promise<void> {
  let database = 'postgres';
  const batches: { database: string; sql: string[] }[] = [{ database, sql: [] }];
  for (const line of lines) {
    const next = databaseOf(line);
    if (next !== null) {
      database = next;
      batches.push({ database, sql: [] });
    } else if (!line.startsWith('--')) {
      batches[batches.length - 1]!.sql.push(line);
    }
  }
  for (const b of batches) {
    if (b.sql.length === 0) continue;
    await withPg(pgUrl(b.database), async (c) => {
      for (const sql of b.sql) await c.query(sql);
    });
  }
}

/** `connection check` as `account` would run it on `database` (its URL's database), through the platform. */
export async function checkAs(name: string, account: string, database: string, options: Partial<ConnectionOptions>): Promise<CheckReport> {
  const session = await postgresPlatform.connect({
    name,
    type: 'postgres',
    url: pgUrl(database, account, ACCOUNT_PASSWORD),
    options: { ...DEFAULT_OPTIONS, rolePrefix: `steward_${name}__`, ...options },
  });
  try {
    return await session.check();
  } finally {
    await session.close();
  }
}

/**
 * Make `account` what the check advises: run the proposed SQL until the check has nothing more
 * to propose (a database it could not connect to is only read once it can). Returns the
 * reports, first to last; the last one proposes nothing.
 */
export async function adviseAndGrant(name: string, account: string, database: string, options: Partial<ConnectionOptions>): Promise<CheckReport[]> {
  const reports: CheckReport[] = [];
  for (let pass = 0; pass < 4; pass++) {
    const report = await checkAs(name, account, database, options);
    reports.push(report);
    if (report.grantSql.length === 0) return reports;
    await runAdminScript(report.grantSql);
  }
  throw new Error(`check still proposes SQL after 4 passes: ${JSON.stringify(reports[reports.length - 1]!.grantSql)}`);
}

/**
 * Remove what a test made: the databases first — privileges that Steward's account granted
 * (to its roles) are not revoked by a superuser's `DROP OWNED`, which revokes as the owner —
 * then Steward's roles (by prefix), then the other roles.
 */
export async function dropEverything(databases: readonly string[], rolePrefix: string, roles: readonly string[]): Promise<void> {
  await withPg(PG_URL, async (c) => {
    for (const db of databases) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`);
  });
  await dropRolesWithPrefix(rolePrefix);
  await withPg(PG_URL, (c) => dropRoles(c, roles));
}
