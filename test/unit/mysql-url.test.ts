import { describe, expect, it } from 'vitest';
import { StewardError } from '../../src/domain/errors.js';
import { parseUrl } from '../../src/platforms/mysql/url.js';
import { parseUrlWithSecret } from '../../src/platforms/mysql/url.js';

function failure(url: string): StewardError {
  try {
    parseUrl(url);
  } catch (e) {
    expect(e).toBeInstanceOf(StewardError);
    return e as StewardError;
  }
  throw new Error(`expected ${url} to be rejected`);
}

describe('parseUrl', () => {
  it('parses mysql:// and mariadb:// URLs', () => {
    expect(parseUrl('mysql://steward:s3cret@db.example.com:3307/shop')).toEqual({
      host: 'db.example.com',
      port: 3307,
      user: 'steward',
      database: 'shop',
      redacted: 'mysql://steward:***@db.example.com:3307/shop',
    });
    expect(parseUrl('mariadb://root@127.0.0.1/')).toEqual({ host: '127.0.0.1', port: 3306, user: 'root', database: null, redacted: 'mariadb://root@127.0.0.1' });
  });

  it('decodes percent-encoded parts and unbrackets IPv6 hosts', () => {
    const p = parseUrlWithSecret('mysql://st%40ward:p%40ss%2Fw%3Ard@[::1]:3306/my%20db?ssl=true');
    expect(p).toMatchObject({ host: '::1', user: 'st@ward', password: 'p@ss/w:rd', database: 'my db', ssl: true });
    expect(p.redacted).not.toContain('p%40ss');
  });

  it('rejects bad URLs with invalid_input, a hint, and never the password', () => {
    const cases: [string, RegExp][] = [
      ['not a url sekret', /not a valid URL/],
      ['postgres://u:sekret@h/db', /scheme/],
      ['mysql://u:sekret@h:0/db', /port|valid URL/],
      ['mysql://:sekret@h/db', /user is missing/],
      ['mysql://u:sekret@h/db/extra', /one database/],
      ['mysql://u:sekret@h/db?charset=latin1', /unknown option "charset"/],
      ['mysql://u:sekret@h/db?ssl=maybe', /ssl must be/],
      ['mysql://u:sekret@h/db%E0%A4%A', /percent-encoding/],
    ];
    for (const [url, re] of cases) {
      const e = failure(url);
      expect(e.code).toBe('invalid_input');
      expect(e.message).toMatch(/^url: /);
      expect(e.message).toMatch(re);
      expect(e.hint).toMatch(/mysql:\/\//);
      expect(`${e.message} ${e.hint}`).not.toContain('sekret');
    }
  });
});

describe('mysql URLs: hostile input never keeps the password', () => {
  const PW = 'Hostile-Pw-7Q';
  it.each([
    `mysql://u:${PW}@h/db`,
    `mysql://u:${encodeURIComponent(`${PW}@:/?#`)}@h:3307/db?ssl=true`,
    `mariadb://u:${PW}@[::1]/db`,
    `mysql://u:${PW}@@h/db`,
    `  mysql://u:${PW}@h  `,
  ])('%s: redacted from fields', (url) => {
    const p = parseUrl(url.trim());
    expect(JSON.stringify(p)).not.toContain(PW);
    expect(p.redacted).toMatch(/^(mysql|mariadb):\/\/u:\*\*\*@/);
  });

  it('refuses a password passed as an option, naming the option but not the value', () => {
    expect(() => parseUrl(`mysql://u@h/db?password=${PW}`)).toThrow(/^url: unknown option "password"$/);
    try {
      parseUrl(`mysql://u@h/db?password=${PW}`);
    } catch (e) {
      expect(JSON.stringify(e)).not.toContain(PW);
    }
  });
});
