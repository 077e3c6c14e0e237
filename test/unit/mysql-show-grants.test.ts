import { describe, expect, it } from 'vitest';
import { databasePatternMatches, parseGrantLine } from '../../src/platforms/mysql/show-grants.js';

describe('parseGrantLine', () => {
  it('reads global and database grants with their grant option', () => {
    expect(parseGrantLine("GRANT SELECT, SHOW DATABASES, SHOW VIEW, CREATE USER ON *.* TO `steward`@`%` IDENTIFIED BY PASSWORD '*D82'")).toEqual({
      database: null,
      privileges: new Set(['SELECT', 'SHOW DATABASES', 'SHOW VIEW', 'CREATE USER']),
      grantable: false,
    });
    expect(parseGrantLine('GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION')).toEqual({
      database: null,
      privileges: new Set(['ALL']),
      grantable: true,
    });
    expect(parseGrantLine('GRANT SELECT, INSERT ON `we``ird ON db`.* TO `steward`@`%` WITH GRANT OPTION')).toEqual({
      database: 'we`ird ON db',
      privileges: new Set(['SELECT', 'INSERT']),
      grantable: true,
    });
    expect(parseGrantLine('GRANT CREATE USER ON *.* TO `steward_admin`')?.privileges).toEqual(new Set(['CREATE USER']));
    expect(parseGrantLine('GRANT ROLE_ADMIN ON *.* TO `steward`@`%`')?.privileges).toEqual(new Set(['ROLE_ADMIN']));
  });

  it('ignores table, routine, proxy and role-membership lines, and a grantee faking an option', () => {
    expect(parseGrantLine('GRANT SELECT (`a`, `b`) ON `shop`.`t` TO `steward`@`%`')).toBeNull();
    expect(parseGrantLine('GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `steward`@`%`')).toBeNull();
    expect(parseGrantLine("GRANT PROXY ON ''@'%' TO 'steward'@'%'")).toBeNull();
    expect(parseGrantLine('GRANT `steward_r` TO `steward`@`%`')).toBeNull();
    expect(parseGrantLine('SET DEFAULT ROLE `r` FOR `steward`@`%`')).toBeNull();
    expect(parseGrantLine('GRANT SELECT ON *.* TO `x WITH GRANT OPTION`@`%`')?.grantable).toBe(false);
  });
});

describe('databasePatternMatches', () => {
  it('treats % and _ as wildcards and \\ as their escape', () => {
    expect(databasePatternMatches('shop', 'shop')).toBe(true);
    expect(databasePatternMatches('shop', 'shops')).toBe(false);
    expect(databasePatternMatches('shop%', 'shop_eu')).toBe(true);
    expect(databasePatternMatches('sh_p', 'ship')).toBe(true);
    expect(databasePatternMatches('sh\\_p', 'ship')).toBe(false);
    expect(databasePatternMatches('sh\\_p', 'sh_p')).toBe(true);
    expect(databasePatternMatches('a.b', 'axb')).toBe(false);
  });
});
