import { describe, expect, it } from 'vitest';
import { StewardError } from '../../src/domain/errors.js';
import { parseUrl } from '../../src/platforms/postgres/url.js';

const SECRET = 'pa:ss@w0rd-secret';

function failure(url: string): StewardError {
  try {
    parseUrl(url);
  } catch (err) {
    expect(err).toBeInstanceOf(StewardError);
    return err as StewardError;
  }
  throw new Error(`expected ${url} to be rejected`);
}

describe('postgres parseUrl', () => {
  it('parses a full URL and redacts the password', () => {
    const p = parseUrl(`postgres://steward:${encodeURIComponent(SECRET)}@db.example.com:6543/shop?sslmode=require`);
    expect(p).toEqual({
      host: 'db.example.com',
      port: 6543,
      user: 'steward',
      database: 'shop',
      redacted: 'postgres://steward:***@db.example.com:6543/shop?sslmode=require',
    });
  });

  it('defaults the port, accepts postgresql:// and a missing database', () => {
    const p = parseUrl('postgresql://steward@localhost');
    expect(p).toMatchObject({ host: 'localhost', port: 5432, user: 'steward', database: null, redacted: 'postgresql://steward@localhost' });
  });

  it('decodes percent-escapes in user and database, and unbrackets IPv6 hosts', () => {
    const p = parseUrl('postgres://st%40ward:x@[::1]:5433/my%2Fdb');
    expect(p).toMatchObject({ host: '::1', port: 5433, user: 'st@ward', database: 'my/db', redacted: 'postgres://st%40ward:***@[::1]:5433/my%2Fdb' });
  });

  it('takes an unencoded @ in the password as part of it', () => {
    const p = parseUrl('postgres://u:p@ss@host/db');
    expect(p).toMatchObject({ host: 'host', user: 'u', redacted: 'postgres://u:***@host/db' });
  });

  it.each([
    ['mysql://u:SECRET@h/db', /^url: scheme must be postgres:\/\/ or postgresql:\/\/, not mysql:\/\//],
    ['postgres://u:SECRET@/db', /^url: host is missing/],
    ['postgres://u:SECRET@h:99999/db', /^url: port must be a number between 1 and 65535/],
    ['postgres://u:SECRET@h:0/db', /^url: port/],
    ['postgres://u:SECRET@h:abc/db', /^url: port/],
    ['postgres://:SECRET@h/db', /^url: user is missing/],
    ['postgres://u:SECRET@h/a/b', /^url: database must be a single path segment/],
    ['not a url SECRET', /^url: is not a URL/],
    ['postgres://u:SECRET@h/%zz', /^url: database has an invalid percent-escape/],
  ])('rejects %s naming the field, without the password', (url, message) => {
    const err = failure(url.replace('SECRET', SECRET));
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/postgres:\/\//);
    expect(JSON.stringify({ m: err.message, h: err.hint, d: err.details })).not.toContain('secret');
  });
});
