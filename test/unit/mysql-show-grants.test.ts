import { describe, expect, it } from 'vitest';
import { parseGrantLine } from '../../src/platforms/mysql/show-grants.js';

const line = (database: string | null, privileges: string[], grantable: boolean, table: string | null = null, columns: [string, string[]][] = []) => ({
  database,
  table,
  privileges: new Set(privileges),
  columns: new Map(columns.map(([p, cols]) => [p, new Set(cols)])),
  grantable,
});

describe('parseGrantLine', () => {
  it('reads global and database grants with their grant option', () => {
    expect(parseGrantLine("GRANT SELECT, SHOW DATABASES, SHOW VIEW, CREATE USER ON *.* TO `steward`@`%` IDENTIFIED BY PASSWORD '*D82'")).toEqual(
      line(null, ['SELECT', 'SHOW DATABASES', 'SHOW VIEW', 'CREATE USER'], false),
    );
    expect(parseGrantLine('GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION')).toEqual(line(null, ['ALL'], true));
    expect(parseGrantLine('GRANT SELECT, INSERT ON `we``ird ON db`.* TO `steward`@`%` WITH GRANT OPTION')).toEqual(line('we`ird ON db', ['SELECT', 'INSERT'], true));
    // The stored pattern is kept as written: `\_` is an escaped underscore, `_` a wildcard.
    expect(parseGrantLine('GRANT SELECT ON `my\\_db`.* TO `steward`@`%`')?.database).toBe('my\\_db');
    expect(parseGrantLine('GRANT CREATE USER ON *.* TO `steward_admin`')?.privileges).toEqual(new Set(['CREATE USER']));
    expect(parseGrantLine('GRANT ROLE_ADMIN ON *.* TO `steward`@`%`')?.privileges).toEqual(new Set(['ROLE_ADMIN']));
  });

  it('reads table and column grants', () => {
    expect(parseGrantLine('GRANT SELECT ON `mysql`.`db` TO `steward`@`%`')).toEqual(line('mysql', ['SELECT'], false, 'db'));
    expect(parseGrantLine('GRANT SELECT (`is_role`, `User`), UPDATE (`a``b`) ON `mysql`.`user` TO `steward`@`%`')).toEqual(
      line('mysql', [], false, 'user', [
        ['SELECT', ['is_role', 'User']],
        ['UPDATE', ['a`b']],
      ]),
    );
    expect(parseGrantLine('GRANT INSERT, SELECT (`a`) ON `s`.`t.x` TO `r`')).toEqual(line('s', ['INSERT'], false, 't.x', [['SELECT', ['a']]]));
  });

  it('ignores routine, proxy and role-membership lines, and a grantee faking an option', () => {
    expect(parseGrantLine('GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `steward`@`%`')).toBeNull();
    expect(parseGrantLine("GRANT PROXY ON ''@'%' TO 'steward'@'%'")).toBeNull();
    expect(parseGrantLine('GRANT `steward_r` TO `steward`@`%`')).toBeNull();
    expect(parseGrantLine('SET DEFAULT ROLE `r` FOR `steward`@`%`')).toBeNull();
    expect(parseGrantLine('GRANT SELECT ON *.* TO `x WITH GRANT OPTION`@`%`')?.grantable).toBe(false);
    expect(parseGrantLine('GRANT SELECT ON `a`.`b` TO `x`@`% WITH GRANT OPTION`')?.grantable).toBe(false);
  });
});
