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

/** What a bare MariaDB account is told to get, in order. */
const MARIADB_MYSQL_READS = (acct: string) => [
  `GRANT SELECT (\`User\`, \`Host\`, \`is_role\`, \`default_role\`) ON \`mysql\`.\`user\` TO ${acct};`,
  `GRANT SELECT ON \`mysql\`.\`roles_mapping\` TO ${acct};`,
  `GRANT SELECT ON \`mysql\`.\`db\` TO ${acct};`,
  `GRANT SELECT ON \`mysql\`.\`tables_priv\` TO ${acct};`,
  `GRANT SELECT ON \`mysql\`.\`columns_priv\` TO ${acct};`,
];

describe('check', () => {
  it('lists exactly the missing grants for a bare MariaDB account: no SELECT on *.*, names escaped', async () => {
    const report = await check(fakeServer('10.11.19-MariaDB', "st'eward@%", ["GRANT USAGE ON *.* TO `st'eward`@`%`"], dbs), {
      dialect: 'mariadb',
      connection: 'conn',
      options,
    });
    expect(report.user).toBe("st'eward@%");
    expect(report.databases).toEqual(['shop', 'hr_eu', 'other']);
    expect(report.sync.every((c) => !c.ok)).toBe(true);
    const acct = "'st''eward'@'%'";
    expect(report.grantSql).toEqual([
      `GRANT SHOW DATABASES ON *.* TO ${acct};`,
      `GRANT REFERENCES ON *.* TO ${acct};`,
      `GRANT CREATE USER ON *.* TO ${acct};`,
      ...MARIADB_MYSQL_READS(acct),
      `GRANT UPDATE ON \`mysql\`.* TO ${acct};`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON \`shop\`.* TO ${acct} WITH GRANT OPTION;`,
      // `hr_eu` unescaped would also reach `hrXeu`.
      `GRANT SELECT, INSERT, UPDATE, DELETE ON \`hr\\_eu\`.* TO ${acct} WITH GRANT OPTION;`,
    ]);
    expect(report.grantSql.join('\n')).not.toMatch(/SELECT ON \*\.\*|SHOW VIEW/);
    // Every need says what it is for.
    for (const c of [...report.sync, ...report.enforcement]) expect(c.detail).toBeTruthy();
    expect(report.excess).toEqual([]);
    expect(report.notes!.join(' ')).toMatch(/shop, hr_eu.*read and change all of their data/);
    expect(report.notes!.join(' ')).toMatch(/UPDATE on `mysql`\.\* .* rewrite the grant tables/);
  });

  it('credits database patterns, the global level and partial grants; asks only for what lacks', async () => {
    const grants = [
      'GRANT SHOW DATABASES, REFERENCES, CREATE USER ON *.* TO `steward`@`%`',
      'GRANT UPDATE ON `mysql`.* TO `steward`@`%`',
      'GRANT SELECT (`User`, `Host`, `is_role`, `default_role`) ON `mysql`.`user` TO `steward`@`%`',
      'GRANT SELECT ON `mysql`.`roles_mapping` TO `steward`@`%`',
      'GRANT SELECT ON `mysql`.`db` TO `steward`@`%`',
      'GRANT SELECT ON `mysql`.`tables_priv` TO `steward`@`%`',
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
      "GRANT SELECT ON `mysql`.`columns_priv` TO 'steward'@'%';",
      "GRANT 'steward_legacy_r' TO 'steward'@'%' WITH ADMIN OPTION;",
      // UPDATE and DELETE are held but not grantable: a grant option is per level.
      "GRANT UPDATE, DELETE ON `hr\\_eu`.* TO 'steward'@'%' WITH GRANT OPTION;",
    ]);
    expect(report.enforcement.find((c) => c.what.startsWith('SELECT, INSERT, UPDATE, DELETE on `shop`'))?.ok).toBe(true);
    // The pattern works, and is flagged: it reaches databases Steward does not govern.
    expect(report.excess).toEqual([{ what: 'SELECT, INSERT, UPDATE, DELETE on `sh%`.*', ok: false, detail: expect.stringMatching(/pattern.*not only governed/) }]);
  });

  it('says what an over-privileged account can do beyond what Steward needs', async () => {
    const grants = [
      'GRANT SELECT, SHOW DATABASES, SHOW VIEW, REFERENCES, CREATE USER ON *.* TO `steward`@`%`',
      'GRANT SELECT, UPDATE ON `mysql`.* TO `steward`@`%`',
      'GRANT SELECT ON `mysql`.`user` TO `steward`@`%`',
      'GRANT SELECT, INSERT, UPDATE, DELETE, DROP ON `shop`.* TO `steward`@`%` WITH GRANT OPTION',
      'GRANT SELECT ON `other`.* TO `steward`@`%`',
    ];
    const report = await check(fakeServer('10.11.19-MariaDB', 'steward@%', grants, dbs), { dialect: 'mariadb', connection: 'conn', options });
    expect(report.excess!.map((e) => e.what)).toEqual(['SELECT on *.*', 'SHOW VIEW on *.*', 'SELECT on `mysql`.*', 'SELECT on mysql.user', 'DROP on `shop`.*', 'SELECT on `other`.*']);
    expect(report.excess![0]!.detail).toMatch(/every table of every database/);
    const root = await check(fakeServer('10.11.19-MariaDB', 'root@localhost', ['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION'], dbs), {
      dialect: 'mariadb',
      connection: 'conn',
      options,
    });
    expect(root.grantSql).toEqual([]);
    expect([...root.sync, ...root.enforcement].every((c) => c.ok)).toBe(true);
    expect(root.excess).toEqual([
      { what: 'ALL PRIVILEGES on *.*', ok: false, detail: expect.stringMatching(/administrator/) },
      { what: 'GRANT OPTION on *.*', ok: false, detail: expect.any(String) },
    ]);
  });

  it('asks MySQL 8 for CREATE USER and ROLE_ADMIN, the MySQL 8 privilege tables, and flags a dialect mismatch', async () => {
    const report = await check(fakeServer('8.0.36', 'steward@%', ['GRANT SHOW DATABASES ON *.* TO `steward`@`%`'], ['shop']), {
      dialect: 'mysql',
      connection: 'conn',
      options: { ...options, databases: ['shop', 'gone'] },
    });
    expect(report.grantSql).toEqual([
      // Every configured database is governed: no metadata grant needed elsewhere.
      "GRANT CREATE USER, ROLE_ADMIN ON *.* TO 'steward'@'%';",
      "GRANT SELECT (`User`, `Host`, `account_locked`, `authentication_string`) ON `mysql`.`user` TO 'steward'@'%';",
      "GRANT SELECT ON `mysql`.`role_edges` TO 'steward'@'%';",
      "GRANT SELECT ON `mysql`.`default_roles` TO 'steward'@'%';",
      "GRANT SELECT ON `mysql`.`db` TO 'steward'@'%';",
      "GRANT SELECT ON `mysql`.`tables_priv` TO 'steward'@'%';",
      "GRANT SELECT ON `mysql`.`columns_priv` TO 'steward'@'%';",
      "GRANT SELECT, INSERT, UPDATE, DELETE ON `shop`.* TO 'steward'@'%' WITH GRANT OPTION;",
    ]);
    expect(report.sync.find((c) => c.what === 'database gone')?.ok).toBe(false);
    expect(report.enforcement[0]).toMatchObject({ what: 'MySQL 8.0 or later', ok: true });

    const wrong = await check(fakeServer('10.11.19-MariaDB', 'steward@%', [], []), { dialect: 'mysql', connection: 'conn', options });
    expect(wrong.enforcement[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/type mariadb/) });
    const old = await check(fakeServer('5.7.44', 'steward@%', [], []), { dialect: 'mysql', connection: 'conn', options });
    expect(old.enforcement[0]?.ok).toBe(false);
  });

  it('asks for metadata only on configured databases it does not govern', async () => {
    const report = await check(fakeServer('10.11.19-MariaDB', 'steward@%', ['GRANT SHOW DATABASES ON *.* TO `steward`@`%`'], dbs), {
      dialect: 'mariadb',
      connection: 'conn',
      options: { ...options, databases: ['shop', 'other_x'] },
    });
    expect(report.grantSql.filter((g) => g.includes('REFERENCES'))).toEqual([]);
    const withOther = await check(fakeServer('10.11.19-MariaDB', 'steward@%', ['GRANT SHOW DATABASES ON *.* TO `steward`@`%`'], [...dbs, 'other_x']), {
      dialect: 'mariadb',
      connection: 'conn',
      options: { ...options, databases: ['shop', 'other_x'] },
    });
    expect(withOther.grantSql.filter((g) => g.includes('REFERENCES'))).toEqual(["GRANT REFERENCES ON `other\\_x`.* TO 'steward'@'%';"]);
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
  it('advises secure views only with data policies: escaped view and system databases, SET USER, counted as needed afterwards', async () => {
    const acct = "'st'@'%'";
    const bare = await check(fakeServer('10.11.19-MariaDB', 'st@%', ['GRANT USAGE ON *.* TO `st`@`%`'], dbs), { dialect: 'mariadb', connection: 'conn', options });
    expect(bare.grantSql.join('\n')).not.toMatch(/SET USER|_secure|steward/);
    expect(bare.notes!.join(' ')).toMatch(/Data policies .* once the configuration has a mask or row filter/);
    const views = await check(fakeServer('10.11.19-MariaDB', 'st@%', ['GRANT USAGE ON *.* TO `st`@`%`'], dbs), {
      dialect: 'mariadb',
      connection: 'conn',
      options,
      dataPolicies: { bases: [['hr_eu', 'payroll']] },
    });
    expect(views.grantSql.slice(-3)).toEqual([
      `GRANT SET USER ON *.* TO ${acct};`,
      `GRANT CREATE, CREATE VIEW, SHOW VIEW, DROP, SELECT ON \`hr\\_eu\\_secure\`.* TO ${acct} WITH GRANT OPTION;`,
      `GRANT CREATE, CREATE VIEW, SHOW VIEW, DROP, SELECT, INSERT, UPDATE, DELETE ON \`steward\\_conn\`.* TO ${acct} WITH GRANT OPTION;`,
    ]);
    // Held, they are what secure views need, not excess.
    const held = [
      'GRANT SET USER ON *.* TO `st`@`%`',
      'GRANT CREATE, CREATE VIEW, SHOW VIEW, DROP, SELECT ON `hr\\_eu\\_secure`.* TO `st`@`%` WITH GRANT OPTION',
      'GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, CREATE VIEW, SHOW VIEW ON `steward\\_conn`.* TO `st`@`%` WITH GRANT OPTION',
    ];
    const after = await check(fakeServer('10.11.19-MariaDB', 'st@%', held, dbs), { dialect: 'mariadb', connection: 'conn', options, dataPolicies: { bases: [['hr_eu', 'payroll']] } });
    expect(after.enforcement.filter((c) => c.what.includes('secure') || c.what.includes('steward') || c.what.startsWith('SET USER')).every((c) => c.ok)).toBe(true);
    expect(after.excess).toEqual([]);
  });
});
