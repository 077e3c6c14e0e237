/**
 * The governed databases of the database-fault and concurrency suites, on the shared PostgreSQL
 * and MariaDB servers: a database of `TABLES` tables, three governed logins, and a system account
 * with what `connection check` asks for and no more (not a superuser, not root). Two
 * configurations, A and B, differ in every table's policy (B creates new roles, drops A's,
 * changes memberships and privileges), so that going from one to the other is a plan of a few
 * hundred statements that takes a while to run. `effective()` is what the server grants each
 * user right now, felt by the server (`has_table_privilege`) or by logging in as the user.
 */
import mysql from 'mysql2/promise';
import { quoteAccount, quoteString } from '../../../src/platforms/mysql/quote.js';
import { quoteIdent } from '../../../src/platforms/postgres/quote.js';
import { MARIADB_URL, PG_URL, mariadbAvailable, pgAvailable } from '../../helpers/databases.js';
import { dropRoles, dropRolesWithPrefix, freshDatabase, pgUrl, withPg } from '../../helpers/pg-admin.js';
import { probeTablePrivileges } from '../../helpers/mariadb-accounts.js';

/** The system account's password: it must never appear in anything Steward prints or records. */
export const SYSTEM_PASSWORD = 'flt2-Sys-7Qx9-secret';
const USER_PASSWORD = 'pw';

export type Variant = 'A' | 'B';

export interface FaultTarget {
  readonly name: 'PostgreSQL' | 'MariaDB';
  readonly protocol: 'postgres' | 'mysql';
  /** Steward's connection name (its roles: `steward_<conn>__*`). */
  readonly conn: string;
  readonly database: string;
  readonly users: readonly string[];
  readonly tables: readonly string[];
  readonly available: boolean;
  /** The real server, for a proxy to relay to. */
  readonly server: { host: string; port: number };
  /** The system account's URL through `host:port` (a proxy, or the server). */
  url(port: number): string;
  setup(): Promise<void>;
  cleanup(): Promise<void>;
  yaml(variant: Variant, extra?: string): string;
  /** `user|table|privilege` the server grants right now. */
  effective(): Promise<Set<string>>;
  /** An administrator takes away what Steward's roles hold on the first two tables (drift to revert). */
  makeDrift(): Promise<void>;
}

function tableNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
}

/** Every table gets its own policy: A reads it through one group, B through another (and writes every other table). */
function policies(variant: Variant, path: (t: string) => string, tables: readonly string[]): string {
  return tables
    .map((t, i) =>
      variant === 'A'
        ? `  - { name: a-${t}, type: subscription, access: read, to: { groups: [g${(i % 3) + 1}] }, on: { paths: [${path(t)}] } }`
        : `  - { name: b-${t}, type: subscription, access: ${i % 2 === 0 ? 'write' : 'read'}, to: { groups: [g${((i + 1) % 3) + 1}] }, on: { paths: [${path(t)}] } }`,
    )
    .join('\n');
}

function configYaml(o: { conn: string; type: string; database: string; protect: string; path: (t: string) => string; users: readonly string[]; tables: readonly string[]; variant: Variant; extra?: string }): string {
  return `connections:
  ${o.conn}:
    type: ${o.type}
    url: \${FLT2_URL}
    databases: [${o.database}]
    protect: [${o.protect}]${o.extra ?? ''}
users:
${o.users.map((u, i) => `  u${i + 1}: { groups: [g${i + 1}], principals: { ${o.conn}: ${u} } }`).join('\n')}
policies:
${policies(o.variant, o.path, o.tables)}
`;
}

export function postgresTarget(tag: string, tableCount: number): FaultTarget {
  const database = `flt2_${tag}_pg`;
  const sys = `flt2_${tag}_sys`;
  const owner = `flt2_${tag}_etl`;
  const users = [1, 2, 3].map((i) => `flt2_${tag}_u${i}`);
  const tables = tableNames(tableCount);
  const conn = `flt2${tag}pg`;
  const server = new URL(PG_URL);
  return {
    name: 'PostgreSQL',
    protocol: 'postgres',
    conn,
    database,
    users,
    tables,
    available: pgAvailable,
    server: { host: server.hostname, port: Number(server.port || 5432) },
    url: (port) => `postgres://${sys}:${SYSTEM_PASSWORD}@127.0.0.1:${port}/${database}`,
    async setup() {
      await freshDatabase(database, users, [owner]);
      await withPg(PG_URL, async (c) => {
        await dropRoles(c, [sys]);
        await c.query(`CREATE ROLE ${quoteIdent(sys)} LOGIN CREATEROLE PASSWORD '${SYSTEM_PASSWORD}'`);
      });
      await withPg(pgUrl(database), async (c) => {
        // What `connection check` advises for a schema owned by another (non-superuser) role:
        // CONNECT and USAGE to hand out, the table privileges WITH GRANT OPTION from the owner.
        await c.query(`GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${quoteIdent(sys)} WITH GRANT OPTION`);
        await c.query(`CREATE SCHEMA shop AUTHORIZATION ${quoteIdent(owner)}`);
        await c.query(`SET ROLE ${quoteIdent(owner)}`);
        for (const t of tables) await c.query(`CREATE TABLE shop.${t} (id int)`);
        await c.query(`GRANT USAGE ON SCHEMA shop TO ${quoteIdent(sys)} WITH GRANT OPTION`);
        await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA shop TO ${quoteIdent(sys)} WITH GRANT OPTION`);
        await c.query('RESET ROLE');
      });
    },
    async cleanup() {
      // The database first: the grants in it go with it, and the roles can then be dropped.
      await withPg(PG_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`));
      await dropRolesWithPrefix(`steward_${conn}__`);
      await withPg(PG_URL, (c) => dropRoles(c, [sys, ...users, owner]));
    },
    yaml: (variant, extra) =>
      configYaml({ conn, type: 'postgres', database, protect: `${conn}/${database}/shop/*`, path: (t) => `${conn}/${database}/shop/${t}`, users, tables, variant, ...(extra ? { extra } : {}) }),
    async effective() {
      return withPg(pgUrl(database), async (c) => {
        const { rows } = await c.query<{ e: string }>(
          `SELECT u || '|' || t || '|' || p AS e FROM unnest($1::text[]) u, unnest($2::text[]) t, unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE']) p
           WHERE has_table_privilege(u, 'shop.' || t, p)`,
          [users, tables],
        );
        return new Set(rows.map((r) => r.e));
      });
    },
    async makeDrift() {
      await withPg(pgUrl(database), async (c) => {
        const { rows } = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [`steward_${conn}__`]);
        if (rows.length === 0) return;
        // As the system account, which made the grants (a superuser's REVOKE acts as the owner and would not touch them).
        await c.query(`SET ROLE ${quoteIdent(sys)}`);
        await c.query(`REVOKE ALL ON shop.${tables[0]}, shop.${tables[1]} FROM ${rows.map((r) => quoteIdent(r.rolname)).join(', ')}`);
        await c.query('RESET ROLE');
      });
    },
  };
}

export function mariadbTarget(tag: string, tableCount: number): FaultTarget {
  const database = `flt2_${tag}_my`;
  const sys = `flt2_${tag}_sys`;
  const users = [1, 2, 3].map((i) => `flt2_${tag}_u${i}`);
  const tables = tableNames(tableCount);
  const conn = `flt2${tag}my`;
  const server = new URL(MARIADB_URL);
  const host = server.hostname;
  const serverPort = Number(server.port || 3306);
  const admin = (): Promise<mysql.Connection> => mysql.createConnection({ uri: MARIADB_URL });
  const drop = async (c: mysql.Connection): Promise<void> => {
    await c.query(`DROP DATABASE IF EXISTS ${database}`);
    const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE ? OR User LIKE ?', [
      `steward\\_${conn}\\_\\_%`,
      `flt2\\_${tag}\\_%`,
    ]);
    for (const r of rows) await c.query(r.r === 'Y' ? `DROP ROLE ${quoteString(String(r.u))}` : `DROP USER ${quoteAccount(String(r.u), String(r.h))}`);
  };
  return {
    name: 'MariaDB',
    protocol: 'mysql',
    conn,
    database,
    users,
    tables,
    available: mariadbAvailable,
    server: { host, port: serverPort },
    url: (port) => `mysql://${sys}:${SYSTEM_PASSWORD}@127.0.0.1:${port}/${database}`,
    async setup() {
      const c = await admin();
      try {
        await drop(c);
        await c.query(`CREATE DATABASE ${database}`);
        for (const t of tables) await c.query(`CREATE TABLE ${database}.${t} (id int)`);
        for (const u of users) await c.query(`CREATE USER ${quoteAccount(u, '%')} IDENTIFIED BY ${quoteString(USER_PASSWORD)}`);
        // What the system account needs, and no more than its check asks for.
        const account = quoteAccount(sys, '%');
        await c.query(`CREATE USER ${account} IDENTIFIED BY ${quoteString(SYSTEM_PASSWORD)}`);
        await c.query(`GRANT CREATE USER ON *.* TO ${account}`);
        await c.query(`GRANT SELECT, UPDATE ON mysql.* TO ${account}`);
        await c.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${database}.* TO ${account} WITH GRANT OPTION`);
      } finally {
        await c.end();
      }
    },
    async cleanup() {
      const c = await admin();
      try {
        await drop(c);
      } finally {
        await c.end();
      }
    },
    yaml: (variant, extra) =>
      configYaml({ conn, type: 'mariadb', database, protect: `${conn}/${database}`, path: (t) => `${conn}/${database}/${t}`, users, tables, variant, ...(extra ? { extra } : {}) }),
    async effective() {
      const out = new Set<string>();
      for (const u of users) {
        // A fresh login: the default role the server activates is what the user has.
        const c = await mysql.createConnection({ host, port: serverPort, user: u, password: USER_PASSWORD });
        try {
          await probeTablePrivileges(c, u, database, tables, out);
        } finally {
          await c.end();
        }
      }
      return out;
    },
    async makeDrift() {
      const c = await admin();
      try {
        const [rows] = await c.query<mysql.RowDataPacket[]>('SELECT User AS u, Host AS h, Table_name AS t FROM mysql.tables_priv WHERE Db = ? AND User LIKE ? AND Table_name IN (?, ?)', [
          database,
          `steward\\_${conn}\\_\\_%`,
          tables[0],
          tables[1],
        ]);
        for (const r of rows) await c.query(`REVOKE ALL PRIVILEGES ON ${database}.${String(r.t)} FROM ${r.h === '' ? quoteString(String(r.u)) : quoteAccount(String(r.u), String(r.h))}`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The statements Steward runs to change access (not its reads, locks or session settings). */
export const isChange = (sql: string): boolean => /^\s*(GRANT|REVOKE|CREATE\s+(ROLE|USER)|DROP\s+(ROLE|USER)|ALTER\s+(ROLE|USER|DEFAULT)|SET\s+DEFAULT\s+ROLE)\b/i.test(sql);
