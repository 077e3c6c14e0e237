import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountGrantee, PUBLIC_GRANTEE, roleGrantee } from '../../src/domain/access.js';
import { accountOf, accountSql, granteeOfAccount, splitCurrentUser } from '../../src/platforms/mysql/account-name.js';

describe('typed grantees ↔ accounts', () => {
  it('reads roles as roles and every other account as that account, host included', () => {
    expect(granteeOfAccount('steward_r', '', 'mariadb', 'steward_')).toEqual(roleGrantee('steward_r'));
    expect(granteeOfAccount('analyst', '', 'mariadb', 'steward_')).toEqual(roleGrantee('analyst'));
    expect(granteeOfAccount('steward_r', '%', 'mysql', 'steward_')).toEqual(roleGrantee('steward_r'));
    expect(granteeOfAccount('alice', '%', 'mariadb', 'steward_')).toEqual(accountGrantee('alice', '%'));
    expect(granteeOfAccount('bob', 'localhost', 'mariadb', 'steward_')).toEqual(accountGrantee('bob', 'localhost'));
    // A Steward-looking name at a real host is an account, not Steward's role.
    expect(granteeOfAccount('steward_x', '%', 'mariadb', 'steward_')).toEqual(accountGrantee('steward_x', '%'));
    expect(granteeOfAccount('steward_x', 'localhost', 'mysql', 'steward_')).toEqual(accountGrantee('steward_x', 'localhost'));
  });

  it('writes roles host-less and accounts as user@host; PUBLIC does not exist here', () => {
    expect(accountSql(roleGrantee('steward_r'), 'mariadb')).toBe("'steward_r'");
    expect(accountSql(accountGrantee('bob', 'localhost'), 'mariadb')).toBe("'bob'@'localhost'");
    // What looks like an account literal is only ever a name.
    expect(accountSql(accountGrantee("'root'@'localhost'", '%'), 'mariadb')).toBe("'''root''@''localhost'''@'%'");
    expect(() => accountOf(PUBLIC_GRANTEE)).toThrow(/PUBLIC/);
  });

  it('round-trips any account read from the privilege tables', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string().map((s) => `steward_${s}`)).filter((s) => !s.includes('\0')),
        fc.constantFrom('', '%', 'localhost', "10.0.'%", '\\'),
        fc.constantFrom('mariadb' as const, 'mysql' as const),
        (user, host, dialect) => {
          const back = accountOf(granteeOfAccount(user, host, dialect, 'steward_'));
          expect(back.user).toBe(user);
          // A host-less account is a role: MariaDB host '', MySQL 8 host '%'.
          expect(back.host ?? (dialect === 'mariadb' ? '' : '%')).toBe(host);
        },
      ),
    );
  });

  it('splits CURRENT_USER() at the last @, as user names may hold one', () => {
    expect(splitCurrentUser('alice@example.com@10.0.%')).toEqual({ user: 'alice@example.com', host: '10.0.%' });
    expect(splitCurrentUser('root@localhost')).toEqual({ user: 'root', host: 'localhost' });
  });
});
