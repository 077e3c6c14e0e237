/**
 * The MariaDB grammar and limits the compiler relies on, checked on the real server so that a
 * server upgrade that changes them fails here first.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { dropTestObjects, mariadbUrlAs } from '../helpers/mariadb-accounts.js';

describe.skipIf(!mariadbAvailable)('MariaDB grammar and limits', () => {
  let admin: mysql.Connection;

  const dropAll = () => dropTestObjects(admin, ['steward\\_mdbgr\\_\\_%', 'mdb\\_gr\\_%'], ['mdb_gr', 'mdb_gr_a', 'mdb_grXa']);

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropAll();
  });
  afterAll(async () => {
    if (admin) await dropAll();
    await admin?.end();
  });

  it('accepts role and user names up to 128 characters and refuses 129', async () => {
    const r128 = `steward_mdbgr__${'x'.repeat(128 - 15)}`;
    await admin.query(`CREATE ROLE ${quoteString(r128)}`);
    await expect(admin.query(`CREATE ROLE ${quoteString(`${r128}y`)}`)).rejects.toThrow(/no longer than 128/);
    await expect(admin.query(`CREATE USER ${quoteAccount(`mdb_gr_${'u'.repeat(123)}`, '%')} ACCOUNT LOCK`)).rejects.toThrow(/no longer than 128/);
    await admin.query(`DROP ROLE ${quoteString(r128)}`);
  });

  it('takes one role but several grantees per GRANT/REVOKE, roles as quoted strings', async () => {
    await admin.query("CREATE ROLE 'steward_mdbgr__1'");
    await admin.query("CREATE ROLE 'steward_mdbgr__2'");
    await admin.query("CREATE USER 'mdb_gr_u'@'%' ACCOUNT LOCK");
    await expect(admin.query("GRANT 'steward_mdbgr__1', 'steward_mdbgr__2' TO 'mdb_gr_u'@'%'")).rejects.toMatchObject({ code: 'ER_PARSE_ERROR' });
    await admin.query("GRANT 'steward_mdbgr__1' TO 'mdb_gr_u'@'%', 'steward_mdbgr__2'");
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT User AS u, Host AS h FROM mysql.roles_mapping WHERE Role = 'steward_mdbgr__1' AND Admin_option = 'N' ORDER BY User",
    );
    expect(rows.map((r): unknown[] => [r.u, r.h])).toEqual([
      ['mdb_gr_u', '%'],
      ['steward_mdbgr__2', ''],
    ]);
    await admin.query("SET DEFAULT ROLE 'steward_mdbgr__1' FOR 'mdb_gr_u'@'%'");
    await admin.query("REVOKE 'steward_mdbgr__1' FROM 'mdb_gr_u'@'%', 'steward_mdbgr__2'");
  });

  it("cannot address a role as 'role'@'' (the server reads the empty host as '%')", async () => {
    await admin.query('CREATE DATABASE IF NOT EXISTS mdb_gr');
    await admin.query('CREATE TABLE IF NOT EXISTS mdb_gr.g (a int)');
    await admin.query("GRANT SELECT ON mdb_gr.g TO 'steward_mdbgr__1'");
    await expect(admin.query("REVOKE SELECT ON mdb_gr.g FROM 'steward_mdbgr__1'@''")).rejects.toThrow(/host '%'/);
    await admin.query("REVOKE SELECT ON mdb_gr.g FROM 'steward_mdbgr__1'");
    await admin.query('DROP DATABASE mdb_gr');
  });

  it('reads a database name in ON db.* as a LIKE pattern, stored as written, within 64 characters', async () => {
    await admin.query('CREATE DATABASE IF NOT EXISTS mdb_gr_a');
    await admin.query('CREATE DATABASE IF NOT EXISTS mdb_grXa');
    await admin.query('CREATE TABLE IF NOT EXISTS mdb_grXa.t (a int)');
    await admin.query("CREATE USER IF NOT EXISTS 'mdb_gr_p'@'%' IDENTIFIED BY 'Pw-g2!'");
    // Unescaped, `mdb_gr_a` also reaches `mdb_grXa`; escaped, only itself.
    await admin.query("GRANT SELECT ON `mdb_gr_a`.* TO 'mdb_gr_p'@'%'");
    await admin.query("GRANT INSERT ON `mdb\\_gr\\_a`.* TO 'mdb_gr_p'@'%'");
    const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT Db AS db FROM mysql.db WHERE User = 'mdb_gr_p' ORDER BY Db");
    expect(rows.map((r): unknown => r.db)).toEqual(['mdb\\_gr\\_a', 'mdb_gr_a']);
    const c = await mysql.createConnection({ uri: mariadbUrlAs('mdb_gr_p', 'Pw-g2!') });
    try {
      await c.query('SELECT * FROM mdb_grXa.t');
      await expect(c.query('INSERT INTO mdb_grXa.t VALUES (1)')).rejects.toThrow(/denied/);
    } finally {
      await c.end();
    }
    // An escaped name longer than mysql.db's 64 characters is refused, not cut.
    await expect(admin.query(`GRANT SELECT ON \`${'a'.repeat(63)}\\_\`.* TO 'mdb_gr_p'@'%'`)).rejects.toThrow(/Incorrect database name/);
    await admin.query('DROP DATABASE mdb_gr_a');
    await admin.query('DROP DATABASE mdb_grXa');
  });

  it('asks UPDATE on the mysql database itself for SET DEFAULT ROLE … FOR another account', async () => {
    await admin.query("CREATE ROLE IF NOT EXISTS 'steward_mdbgr__d'");
    await admin.query("CREATE USER IF NOT EXISTS 'mdb_gr_d'@'%' ACCOUNT LOCK");
    await admin.query("CREATE USER IF NOT EXISTS 'mdb_gr_sys'@'%' IDENTIFIED BY 'Pw-g3!'");
    await admin.query("GRANT 'steward_mdbgr__d' TO 'mdb_gr_d'@'%'");
    await admin.query("GRANT 'steward_mdbgr__d' TO 'mdb_gr_sys'@'%' WITH ADMIN OPTION");
    // CREATE USER and table-level UPDATE on the account tables are not enough …
    await admin.query("GRANT CREATE USER ON *.* TO 'mdb_gr_sys'@'%'");
    await admin.query("GRANT UPDATE ON mysql.global_priv TO 'mdb_gr_sys'@'%'");
    await admin.query("GRANT UPDATE ON mysql.user TO 'mdb_gr_sys'@'%'");
    const c = await mysql.createConnection({ uri: mariadbUrlAs('mdb_gr_sys', 'Pw-g3!') });
    try {
      await expect(c.query("SET DEFAULT ROLE 'steward_mdbgr__d' FOR 'mdb_gr_d'@'%'")).rejects.toMatchObject({ errno: 1044 });
      // … UPDATE on `mysql`.* is.
      await admin.query("GRANT UPDATE ON `mysql`.* TO 'mdb_gr_sys'@'%'");
      await c.query("SET DEFAULT ROLE 'steward_mdbgr__d' FOR 'mdb_gr_d'@'%'");
    } finally {
      await c.end();
    }
  });

  it('keeps an existing account as it is on CREATE USER IF NOT EXISTS … ACCOUNT LOCK', async () => {
    await admin.query("CREATE USER 'mdb_gr_open'@'%' IDENTIFIED BY 'Pw-g1!'");
    await admin.query("CREATE USER IF NOT EXISTS 'mdb_gr_open'@'%' ACCOUNT LOCK");
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      "SELECT JSON_VALUE(Priv, '$.account_locked') AS locked FROM mysql.global_priv WHERE User = 'mdb_gr_open' AND Host = '%'",
    );
    expect(rows[0]?.locked ?? null).toBeNull();
  });
});
