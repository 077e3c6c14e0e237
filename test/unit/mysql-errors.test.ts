import { describe, expect, it } from 'vitest';
import { StewardError } from '../../src/domain/errors.js';
import { connectError } from '../../src/platforms/mysql/connect-error.js';
import { driverErrorCode } from '../../src/platforms/mysql/driver-error-code.js';
import { statementError } from '../../src/platforms/mysql/statement-error.js';

const driverError = (message: string, code: string, errno: number): Error => Object.assign(new Error(message), { code, errno });

describe('driver error codes', () => {
  it("trusts mysql2's names in the range both servers share, rebuilds MariaDB's above it", () => {
    expect(driverErrorCode(driverError("Table 't' doesn't exist", 'ER_NO_SUCH_TABLE', 1146), 'mariadb')).toBe('ER_NO_SUCH_TABLE');
    expect(driverErrorCode(driverError('Access denied, this account is locked', 'ER_BULK_PARSER_INCOMPLETE_ESCAPE_SEQUENCE', 4151), 'mariadb')).toBe(
      'ER_ACCOUNT_HAS_BEEN_LOCKED',
    );
    expect(driverErrorCode(driverError('x', 'ER_SOMETHING', 4999), 'mariadb')).toBe('ER_4999');
    expect(driverErrorCode(driverError('x', 'ER_ACCOUNT_HAS_BEEN_LOCKED', 3118), 'mysql')).toBe('ER_ACCOUNT_HAS_BEEN_LOCKED');
    expect(driverErrorCode('nope', 'mysql')).toBeUndefined();
  });

  it('statement errors are one redacted line', () => {
    const e = driverError("You have an error\n near 'IDENTIFIED BY password=hunter2'", 'ER_PARSE_ERROR', 1064);
    expect(statementError(e, 'mariadb')).toBe("ER_PARSE_ERROR: You have an error near 'IDENTIFIED BY password=***");
  });
});

describe('connectError', () => {
  const cases: [Error, RegExp, RegExp][] = [
    [driverError("Access denied for user 'steward'@'10.0.0.1' (using password: YES)", 'ER_ACCESS_DENIED_ERROR', 1045), /^db:3306: access denied$/, /password/],
    [driverError("Unknown database 'shop'", 'ER_BAD_DB_ERROR', 1049), /^db:3306: the database in the URL does not exist$/, /database/],
    [Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:3306'), { code: 'ECONNREFUSED' }), /^db:3306: connection refused$/, /running/],
    [Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }), /^db:3306: host not found$/, /host name/],
    [driverError('Access denied, this account is locked', 'ER_BULK_PARSER_INCOMPLETE_ESCAPE_SEQUENCE', 4151), /account is locked/, /UNLOCK/],
    [new Error('weird failure for mysql://steward:hunter2@db/'), /^db:3306: weird failure for mysql:\/\/steward:\*\*\*@db\/$/, /URL/],
  ];
  it('maps driver failures to connection_failed naming host:port, with a hint and no secret', () => {
    for (const [err, message, hint] of cases) {
      const e = connectError(err, 'db', 3306, 'mariadb');
      expect(e).toBeInstanceOf(StewardError);
      expect(e.code).toBe('connection_failed');
      expect(e.message).toMatch(message);
      expect(e.hint).toMatch(hint);
      expect(e.message).not.toContain('hunter2');
    }
  });
});
