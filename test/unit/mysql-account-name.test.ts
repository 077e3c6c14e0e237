import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountOfName, nameOfAccount, splitCurrentUser, type AccountNaming } from '../../src/platforms/mysql/account-name.js';

const maria: AccountNaming = { dialect: 'mariadb', rolePrefix: 'steward_', hostPattern: '%' };
const mysql8: AccountNaming = { dialect: 'mysql', rolePrefix: 'steward_', hostPattern: '%' };

describe('neutral names ↔ accounts', () => {
  it('names Steward roles and governed users bare', () => {
    expect(nameOfAccount('steward_r', '', maria)).toBe('steward_r');
    expect(nameOfAccount('steward_r', '%', mysql8)).toBe('steward_r');
    expect(nameOfAccount('alice', '%', maria)).toBe('alice');
    expect(accountOfName('steward_r', maria)).toEqual({ user: 'steward_r', host: null });
    expect(accountOfName('alice', { ...maria, hostPattern: '10.%' })).toEqual({ user: 'alice', host: '10.%' });
  });

  it('names other accounts by their literal so a REVOKE can reach them', () => {
    expect(nameOfAccount('bob', 'localhost', maria)).toBe("'bob'@'localhost'");
    expect(nameOfAccount('analyst', '', maria)).toBe("'analyst'");
    expect(nameOfAccount('steward_x', '%', maria)).toBe("'steward_x'@'%'");
    expect(nameOfAccount('steward_x', 'localhost', mysql8)).toBe("'steward_x'@'localhost'");
    expect(accountOfName("'bob'@'localhost'", maria)).toEqual({ user: 'bob', host: 'localhost' });
    expect(accountOfName("'analyst'", maria)).toEqual({ user: 'analyst', host: null });
  });

  it('round-trips any account read from the privilege tables', () => {
    for (const naming of [maria, mysql8, { ...maria, hostPattern: 'localhost' }]) {
      fc.assert(
        fc.property(
          fc.oneof(fc.string(), fc.string().map((s) => `steward_${s}`)).filter((s) => !s.includes('\0')),
          fc.constantFrom('', '%', 'localhost', "10.0.'%", '\\'),
          (user, host) => {
            const name = nameOfAccount(user, host, naming);
            const back = accountOfName(name, naming);
            expect(back.user).toBe(user);
            // A host-less account is a role: MariaDB host '', MySQL 8 host '%'.
            expect(back.host ?? (naming.dialect === 'mariadb' ? '' : '%')).toBe(host);
          },
        ),
      );
    }
  });

  it('splits CURRENT_USER() at the last @, as user names may hold one', () => {
    expect(splitCurrentUser('alice@example.com@10.0.%')).toEqual({ user: 'alice@example.com', host: '10.0.%' });
    expect(splitCurrentUser('root@localhost')).toEqual({ user: 'root', host: 'localhost' });
  });
});
