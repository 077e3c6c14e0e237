/** MariaDB admin helpers for the benchmarks (root, empty password). */
import { spawn } from 'node:child_process';
import mysql from 'mysql2/promise';
import { quoteIdent, quoteString } from '../../src/platforms/mysql/quote.js';

export const MY_BASE = process.env.STEWARD_BENCH_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/';

export async function withMy<T>(fn: (c: mysql.Connection) => Promise<T>, multipleStatements = false): Promise<T> {
  const c = await mysql.createConnection({ uri: MY_BASE, multipleStatements, charset: 'utf8mb4' });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Remove the roles whose names start with `prefix` (Steward's) and unset the default role of
 * the accounts whose default role is one of them; nothing else. `DROP ROLE` is the proper way
 * and what the final clean-up uses; with 260 roles holding 60,000 table privileges it takes
 * ~30 s on MariaDB 10.11, so between runs (`fast`) the same rows are deleted from the privilege
 * tables directly, restricted to the prefix, followed by FLUSH PRIVILEGES.
 */
export async function resetStewardRoles(c: mysql.Connection, prefix: string, opts: { fast?: boolean } = {}): Promise<number> {
  if (!/^steward_[a-z0-9_]+__$/.test(prefix)) throw new Error(`refusing to drop roles with prefix "${prefix}"`);
  const mine = 'LEFT(User, CHAR_LENGTH(?)) = ?';
  const [users] = await c.query<mysql.RowDataPacket[]>(
    "SELECT User AS u, Host AS h FROM mysql.user WHERE is_role = 'N' AND LEFT(default_role, CHAR_LENGTH(?)) = ?",
    [prefix, prefix],
  );
  for (const u of users) await c.query(`SET DEFAULT ROLE NONE FOR ${quoteString(String(u.u))}@${quoteString(String(u.h))}`);
  const [roles] = await c.query<mysql.RowDataPacket[]>(`SELECT User AS u FROM mysql.user WHERE is_role = 'Y' AND ${mine}`, [prefix, prefix]);
  const names = roles.map((r) => String(r.u));
  if (names.length === 0) return 0;
  if (opts.fast) {
    // Roles have Host '' in every privilege table.
    for (const table of ['tables_priv', 'columns_priv', 'db']) await c.query(`DELETE FROM mysql.${table} WHERE Host = '' AND ${mine}`, [prefix, prefix]);
    await c.query(`DELETE FROM mysql.roles_mapping WHERE LEFT(Role, CHAR_LENGTH(?)) = ? OR (Host = '' AND ${mine})`, [prefix, prefix, prefix, prefix]);
    await c.query(`DELETE FROM mysql.global_priv WHERE Host = '' AND ${mine}`, [prefix, prefix]);
    await c.query('FLUSH PRIVILEGES');
  } else {
    for (let i = 0; i < names.length; i += 100) await c.query(`DROP ROLE ${names.slice(i, i + 100).map(quoteString).join(', ')}`);
  }
  return names.length;
}

export const qi = quoteIdent;

/** Run an SQL script with the `mariadb` client; resolves to the wall time of the process in ms. */
export function mariadbFile(file: string): Promise<number> {
  const u = new URL(MY_BASE);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username || 'root'), '--batch', '--silent', '-e', `source ${file}`];
    if (u.password) args.push(`-p${decodeURIComponent(u.password)}`);
    const p = spawn('mariadb', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`mariadb exited ${code}: ${err.slice(0, 500)}`));
    });
  });
}
