import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import { check } from '../../src/platforms/mysql/check.js';
import type { QueryFn, Row } from '../../src/platforms/mysql/query.js';

/** A server that answers the check's queries from canned rows. */
function fakeServer(version: string, account: string, grants: string[], databases: string[], orphans: string[] = []): QueryFn {
  return async ({ sql }) => {
    if (sql.startsWith('SELECT VERSION()')) return [{ version, account }];
    if (sql === 'SHOW GRANTS') return grants.map((g): Row => ({ [`Grants for ${account}`]: g }));
    if (sql === 'SHOW DATABASES') return databases.map((d): Row => ({ Database: d }));
    if (sql.includes('mysql.roles_mapping')) return orphans.map((role): Row => ({ role }));
    throw new Error(`unexpected query ${sql}`);
  };
}

const options = { ...DEFAULT_OPTIONS, protect: ['conn/shop/*', 'conn/hr_eu/payroll'] };
const dbs = ['information_schema', 'mysql', 'shop', 'hr_eu', 'other', 'performance_schema', 'sys'];

describe('check', () => {
  it('lists exactly the missing grants for a bare MariaDB account', async () => {
    const report = await check(fakeServer('10.11.19-MariaDB', "st'eward@%", ["GRANT USAGE ON *.* TO `st'eward`@`%`"], dbs), {
      dialect: 'mariadb',
      connection: 'conn',
      options,
    });
    expect(report.user).toBe("st'eward@%");
    expect(report.databases).toEqual(['shop', 'hr_eu', 'other']);
    expect(report.sync.every((c) => !c.ok)).toBe(true);
    expect(report.grantSql).toEqual([
      "GRANT SHOW DATABASES, SELECT, SHOW VIEW ON *.* TO 'st''eward'@'%';",
      "GRANT CREATE USER ON *.* TO 'st''eward'@'%';",
      "GRANT UPDATE ON `mysql`.* TO 'st''eward'@'%';",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO 'st''eward'@'%' WITH GRANT OPTION;",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `hr_eu`.* TO 'st''eward'@'%' WITH GRANT OPTION;",
    ]);
  });

  it('credits database patterns, the global level and partial grants; asks only for what lacks', async () => {
    const grants = [
      'GRANT SELECT, SHOW DATABASES, CREATE USER ON *.* TO `steward`@`%`',
      'GRANT UPDATE ON `mysql`.* TO `steward`@`%`',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON `sh%`.* TO `steward`@`%` WITH GRANT OPTION',
      'GRANT SELECT, INSERT ON `hr\\_eu`.* TO `steward`@`%` WITH GRANT OPTION',
      'GRANT UPDATE, DELETE ON `hr\\_eu`.* TO `steward`@`%`',
    ];
    const report = await check(fakeServer('10.11.19-MariaDB', 'steward@%', grants, dbs, ['steward_legacy_r']), {
      dialect: 'mariadb',
      connection: 'conn',
      options,
    });
    expect(report.grantSql).toEqual([
      "GRANT SHOW VIEW ON *.* TO 'steward'@'%';",
      "GRANT 'steward_legacy_r' TO 'steward'@'%' WITH ADMIN OPTION;",
      // UPDATE and DELETE are held but not grantable: a grant option is per level.
      "GRANT UPDATE, DELETE ON `hr_eu`.* TO 'steward'@'%' WITH GRANT OPTION;",
    ]);
    expect(report.enforcement.find((c) => c.what.startsWith('SELECT, INSERT, UPDATE, DELETE on `shop`'))?.ok).toBe(true);
  });

  it('asks MySQL 8 for CREATE USER and ROLE_ADMIN, and flags a dialect mismatch', async () => {
    const report = await check(fakeServer('8.0.36', 'steward@%', ['GRANT SHOW DATABASES, SELECT, SHOW VIEW ON *.* TO `steward`@`%`'], ['shop']), {
      dialect: 'mysql',
      connection: 'conn',
      options: { ...options, databases: ['shop', 'gone'] },
    });
    expect(report.grantSql).toEqual([
      "GRANT CREATE USER, ROLE_ADMIN ON *.* TO 'steward'@'%';",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO 'steward'@'%' WITH GRANT OPTION;",
    ]);
    expect(report.sync.find((c) => c.what === 'database gone')?.ok).toBe(false);
    expect(report.enforcement[0]).toMatchObject({ what: 'MySQL 8.0 or later', ok: true });

    const wrong = await check(fakeServer('10.11.19-MariaDB', 'steward@%', [], []), { dialect: 'mysql', connection: 'conn', options });
    expect(wrong.enforcement[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/type mariadb/) });
    const old = await check(fakeServer('5.7.44', 'steward@%', [], []), { dialect: 'mysql', connection: 'conn', options });
    expect(old.enforcement[0]?.ok).toBe(false);
  });

  it('is satisfied by ALL PRIVILEGES WITH GRANT OPTION', async () => {
    const report = await check(fakeServer('10.11.19-MariaDB', 'root@localhost', ['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION'], dbs), {
      dialect: 'mariadb',
      connection: 'conn',
      options,
    });
    expect(report.grantSql).toEqual([]);
    expect([...report.sync, ...report.enforcement].every((c) => c.ok)).toBe(true);
  });

  it('asks for data privileges on a database named in a protect glob even when the account cannot list it', async () => {
    const report = await check(fakeServer('10.11.19-MariaDB', 'steward@%', ['GRANT USAGE ON *.* TO `steward`@`%`'], []), {
      dialect: 'mariadb',
      connection: 'conn',
      options: { ...options, protect: ['conn/shop/orders', 'other/hr/*', 'conn/hr*/x'] },
    });
    expect(report.databases).toEqual([]);
    expect(report.grantSql.filter((g) => g.includes('WITH GRANT OPTION'))).toEqual([
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO 'steward'@'%' WITH GRANT OPTION;",
    ]);
  });
});
