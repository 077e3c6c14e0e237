/** Admin helpers for tests on the real PostgreSQL: fresh databases, login roles, acting as a user. */
import pg from 'pg';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { PG_URL } from './databases.js';

export function pgUrl(database: string, user = 'postgres', password?: string): string {
  const u = new URL(PG_URL);
  u.pathname = `/${database}`;
  u.username = user;
  if (password !== undefined) u.password = password;
  return u.toString();
}

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Drop and create a database, and drop then create the given login roles (with passwords). */
export async function freshDatabase(name: string, logins: readonly string[], extraRoles: readonly string[] = []): Promise<void> {
  await withPg(PG_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await dropRoles(c, [...logins, ...extraRoles]);
    await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
    for (const r of logins) await c.query(`CREATE ROLE ${quoteIdent(r)} LOGIN PASSWORD 'pw'`);
    for (const r of extraRoles) await c.query(`CREATE ROLE ${quoteIdent(r)} NOLOGIN`);
  });
}

/**
 * Drop roles (after removing what they own or were granted anywhere in the cluster). DROP OWNED
 * runs for all of them in one statement: a superuser's DROP OWNED revokes as the object owner,
 * so privileges one of these roles granted to another (a system account granting to Steward's
 * roles) only go when the grantor's own grant option is revoked with CASCADE alongside.
 */
export async function dropRoles(c: pg.Client, roles: readonly string[]): Promise<void> {
  const existing = (await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1::text[])', [roles])).rows.map((r) => r.rolname);
  if (existing.length === 0) return;
  const list = existing.map(quoteIdent).join(', ');
  const dbs = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn');
  for (const { datname } of dbs.rows) {
    await withPg(pgUrl(datname), async (d) => {
      await d.query(`DROP OWNED BY ${list} CASCADE`);
    }).catch(() => undefined);
  }
  for (const r of existing) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(r)}`);
}

/** Drop every role whose name starts with `prefix`. */
export async function dropRolesWithPrefix(prefix: string): Promise<void> {
  await withPg(PG_URL, async (c) => {
    const rows = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [prefix]);
    await dropRoles(c, rows.rows.map((r) => r.rolname));
  });
}

/** Run `sql` as a login role over TCP, the way the user would: resolves to 'ok' or the error message. */
export async function asUser(database: string, user: string, sql: string): Promise<string> {
  try {
    await withPg(pgUrl(database, user, 'pw'), (c) => c.query(sql));
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}
