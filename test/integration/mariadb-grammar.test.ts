/**
 * The MariaDB grammar and limits the compiler relies on, checked on the real server so that a
 * server upgrade that changes them fails here first.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';

describe.skipIf(!mariadbAvailable)('MariaDB grammar and limits', () => {
  let admin: mysql.Connection;

  async function dropTestAccounts(): Promise<void> {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT User AS u, Host AS h, is_role AS r FROM mysql.user WHERE User LIKE 'steward\\_itmy\\_g%' OR User LIKE 'itmy\\_g%'",
    );
    for (const r of rows) await admin.query(r.r === 'Y' ? `DROP ROLE ${quoteString(r.u)}` : `DROP USER ${quoteAccount(r.u, r.h)}`);
  }

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropTestAccounts();
  });
  afterAll(async () => {
    await dropTestAccounts();
    await admin.end();
  });

  it('accepts role and user names up to 128 characters and refuses 129', async () => {
    const r128 = `steward_itmy_g${'x'.repeat(128 - 14)}`;
    await admin.query(`CREATE ROLE ${quoteString(r128)}`);
    await expect(admin.query(`CREATE ROLE ${quoteString(`${r128}y`)}`)).rejects.toThrow(/no longer than 128/);
    await expect(admin.query(`CREATE USER ${quoteAccount(`itmy_g${'u'.repeat(123)}`, '%')} ACCOUNT LOCK`)).rejects.toThrow(/no longer than 128/);
    await admin.query(`DROP ROLE ${quoteString(r128)}`);
  });

  it('takes one role but several grantees per GRANT/REVOKE, roles as quoted strings', async () => {
    await admin.query("CREATE ROLE 'steward_itmy_g1'");
    await admin.query("CREATE ROLE 'steward_itmy_g2'");
    await admin.query("CREATE USER 'itmy_g_u'@'%' ACCOUNT LOCK");
    await expect(admin.query("GRANT 'steward_itmy_g1', 'steward_itmy_g2' TO 'itmy_g_u'@'%'")).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' });
    await admin.query("GRANT 'steward_itmy_g1' TO 'itmy_g_u'@'%', 'steward_itmy_g2'");
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT User AS u, Host AS h FROM mysql.roles_mapping WHERE Role = 'steward_itmy_g1' AND Admin_option = 'N' ORDER BY User",
    );
    expect(rows.map((r): unknown[] => [r.u, r.h])).toEqual([
      ['itmy_g_u', '%'],
      ['steward_itmy_g2', ''],
    ]);
    await admin.query("SET DEFAULT ROLE 'steward_itmy_g1' FOR 'itmy_g_u'@'%'");
    await admin.query("REVOKE 'steward_itmy_g1' FROM 'itmy_g_u'@'%', 'steward_itmy_g2'");
  });

  it("cannot address a role as 'role'@'' (the server reads the empty host as '%')", async () => {
    await admin.query('CREATE DATABASE IF NOT EXISTS steward_it_my');
    await admin.query('CREATE TABLE IF NOT EXISTS steward_it_my.g (a int)');
    await admin.query("GRANT SELECT ON steward_it_my.g TO 'steward_itmy_g1'");
    await expect(admin.query("REVOKE SELECT ON steward_it_my.g FROM 'steward_itmy_g1'@''")).rejects.toThrow(/host '%'/);
    await admin.query("REVOKE SELECT ON steward_it_my.g FROM 'steward_itmy_g1'");
    await admin.query('DROP DATABASE steward_it_my');
  });

  it('keeps an existing account as it is on CREATE USER IF NOT EXISTS … ACCOUNT LOCK', async () => {
    await admin.query("CREATE USER 'itmy_g_open'@'%' IDENTIFIED BY 'Pw-g1!'");
    await admin.query("CREATE USER IF NOT EXISTS 'itmy_g_open'@'%' ACCOUNT LOCK");
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT JSON_VALUE(Priv, '$.account_locked') AS locked FROM mysql.global_priv WHERE User = 'itmy_g_open' AND Host = '%'",
    );
    expect(rows[0]?.locked ?? null).toBeNull();
  });
});
