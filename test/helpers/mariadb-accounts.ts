/**
 * MariaDB helpers for integration tests: open Steward's session as a least-privilege system
 * account, log in as an account and try a statement, and drop what a test made (its accounts,
 * roles and databases, selected by the test's own prefixes).
 */
import mysql from 'mysql2/promise';
import type { ConnectionOptions } from '../../src/domain/connection.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { quoteAccount, quoteIdent, quoteString } from '../../src/platforms/mysql/quote.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { MARIADB_URL } from './databases.js';

const server = new URL(MARIADB_URL);

/** Run one statement as `user` over TCP (accounts at '%' match): 'ok', or the server's refusal. */
export async function runAs(user: string, password: string, sql: string, database?: string): Promise<string> {
  let c: mysql.Connection | null = null;
  try {
    c = await mysql.createConnection({ host: server.hostname, port: Number(server.port || 3306), user, password, ...(database ? { database } : {}) });
    await c.query(sql);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c?.end().catch(() => undefined);
  }
}

/** Whether `user` may run `sql`: true, false when access is denied; any other failure throws. */
export async function canRunAs(user: string, password: string, sql: string): Promise<boolean> {
  const r = await runAs(user, password, sql);
  if (r === 'ok') return true;
  if (/denied/i.test(r)) return false;
  throw new Error(`${user}: ${sql}: ${r}`);
}

/**
 * Drop the accounts and roles whose names match any of the LIKE patterns, then the databases.
 * Patterns are the test's own prefixes (`mdb\_xx\_%`, `steward\_mdbxx\_\_%`): nothing else goes.
 */
export async function dropTestObjects(admin: mysql.Connection, userLike: readonly string[], databases: readonly string[]): Promise<void> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    `SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE ${userLike.map(() => 'User LIKE ?').join(' OR ')}`,
    [...userLike],
  );
  for (const r of rows) await admin.query(r.r === 'Y' ? `DROP ROLE ${quoteString(String(r.u))}` : `DROP USER ${quoteAccount(String(r.u), String(r.h))}`);
  for (const d of databases) await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(d)}`);
}

/** The test server's URL as another account (no default database). */
export function mariadbUrlAs(user: string, password: string): string {
  const u = new URL(MARIADB_URL);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  u.pathname = '/';
  return u.href;
}

/**
 * A platform session as a least-privilege system account, the way the tests must run Steward:
 * the account is created with a password, `admin` runs exactly the SQL `connection check`
 * proposes for this connection's options, and the session is opened again with what it got.
 */
export async function leastPrivilegeSession(
  admin: mysql.Connection,
  spec: { readonly name: string; readonly account: string; readonly password: string; readonly options: ConnectionOptions },
): Promise<PlatformSession> {
  await admin.query(`CREATE USER IF NOT EXISTS ${quoteAccount(spec.account, '%')} IDENTIFIED BY ${quoteString(spec.password)}`);
  const connection = { name: spec.name, type: 'mariadb' as const, url: mariadbUrlAs(spec.account, spec.password), options: spec.options };
  const bare = await mariadbPlatform.connect(connection);
  try {
    for (const statement of (await bare.check()).grantSql) await admin.query(statement);
  } finally {
    await bare.close();
  }
  return mariadbPlatform.connect(connection);
}

/**
 * What a logged-in account may do on each table, tried with statements that change nothing:
 * adds `user|table|PRIVILEGE` to `out` for each of SELECT, INSERT, UPDATE, DELETE that works.
 */
export async function probeTablePrivileges(c: mysql.Connection, user: string, database: string, tables: readonly string[], out: Set<string>): Promise<void> {
  const db = quoteIdent(database);
  for (const t of tables) {
    const table = `${db}.${quoteIdent(t)}`;
    const probes: [string, string][] = [
      ['SELECT', `SELECT id FROM ${table} LIMIT 0`],
      ['INSERT', `INSERT INTO ${table} (id) SELECT 1 FROM DUAL WHERE 1 = 0`],
      ['UPDATE', `UPDATE ${table} SET id = id WHERE 1 = 0`],
      ['DELETE', `DELETE FROM ${table} WHERE 1 = 0`],
    ];
    for (const [privilege, sql] of probes) {
      try {
        await c.query(sql);
        out.add(`${user}|${t}|${privilege}`);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== 'ER_TABLEACCESS_DENIED_ERROR' && code !== 'ER_DBACCESS_DENIED_ERROR' && code !== 'ER_COLUMNACCESS_DENIED_ERROR') throw err;
      }
    }
  }
}
