import { describe, expect, it } from 'vitest';
import { mariadbPlatform, mysqlPlatform } from '../../src/platforms/mysql/index.js';
import type { Platform } from '../../src/platforms/platform.js';

describe('MySQL-family platforms', () => {
  it('declare their capabilities', () => {
    const common = {
      hierarchy: ['database', 'table'],
      transactionalDdl: false,
      defaultRoles: true,
      readPrivileges: ['SELECT'],
      writePrivileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
      containerPrivileges: { database: [], schema: [] },
      defaultPrivileges: false,
      principalsAreAccounts: true,
      sequencePrivileges: false,
      // `ON db.*` names a LIKE pattern: `_`, `%` and `\` escaped, within mysql.db's 64 characters.
      databaseGrants: { escaped: '\\_%', maxPatternLength: 64 },
    };
    expect(mariadbPlatform.type).toBe('mariadb');
    expect(mariadbPlatform.capabilities).toEqual({ ...common, singleActiveRole: true, groupRoles: true, maxRoleNameLength: 128, principalName: expect.objectContaining({ maxLength: 128, lengthUnit: 'characters', bmpOnly: true, trimsTrailingSpaces: true }) });
    expect(mysqlPlatform.type).toBe('mysql');
    expect(mysqlPlatform.capabilities).toEqual({ ...common, singleActiveRole: false, groupRoles: false, maxRoleNameLength: 32, principalName: expect.objectContaining({ maxLength: 32, lengthUnit: 'characters', bmpOnly: true, trimsTrailingSpaces: true }) });
  });

  it('never offer TRUNCATE, which MySQL only allows through DROP', () => {
    for (const p of [mariadbPlatform, mysqlPlatform] as Platform[]) expect(p.capabilities.writePrivileges).not.toContain('TRUNCATE');
  });

  it('expose the one quoting function and the URL parser', () => {
    expect(mariadbPlatform.quoteIdent('a`b')).toBe('`a``b`');
    expect(mysqlPlatform.parseUrl('mysql://u:p@h/db').redacted).toBe('mysql://u:***@h/db');
  });
});
