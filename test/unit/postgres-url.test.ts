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

describe('postgres URLs: hostile input never keeps the password', () => {
  const PW = 'Hostile-Pw-7Q';
  const hostile: string[] = [
    `postgres://u@h/db?password=${PW}`,
    `postgres://u:${PW}@h/db?password=${PW}`,
    `postgres://u@h/db?sslpassword=${PW}&sslmode=require`,
    `postgres://u@h/db?sslmode=require&password=${PW}&application_name=x`,
    `postgres://u@h/db?PASSWORD=${PW}`,
    `postgres://u@h/db?user=u&password=${encodeURIComponent(PW)}`,
    `postgres://u:${encodeURIComponent(PW)}@h/db#${PW}`,
    `postgres://u:${PW}@h:5433/db?x=${PW}`,
    `postgres://u:${PW}@@h/db`,
    `postgres://u:${PW}:${PW}@h/db`,
    `postgresql://u:${encodeURIComponent(`${PW}@/?#`)}@[::1]:5432/db`,
    `postgres://u@h/db?options=-c%20search_path%3Dx&password=${PW}`,
    `  postgres://u:${PW}@h/db  `,
  ];

  it.each(hostile)('%s: the redacted form and the parsed fields hold no password', (url) => {
    const p = parseUrl(url);
    expect(JSON.stringify(p)).not.toContain(PW);
    expect(JSON.stringify(p)).not.toMatch(/password=/i);
  });

  it('keeps known, harmless parameters and drops secrets and unknown ones', () => {
    expect(parseUrl(`postgres://u@h/db?sslmode=require&password=${PW}&application_name=steward&x=1`).redacted).toBe(
      'postgres://u:***@h/db?sslmode=require&application_name=steward',
    );
  });

  it('reads a password given as a query parameter (the driver gets it; the display does not)', async () => {
    const { parsePostgresUrl } = await import('../../src/platforms/postgres/url.js');
    const r = parsePostgresUrl(`postgres://u@h/db?password=${PW}`);
    expect(r.config.password).toBe(PW);
    expect(r.parsed.redacted).toBe('postgres://u:***@h/db');
  });

  it('gives pg explicit TLS options with libpq sslmode semantics', async () => {
    const { parsePostgresUrl } = await import('../../src/platforms/postgres/url.js');
    expect(parsePostgresUrl('postgres://u@h/db?sslmode=disable').config.ssl).toBe(false);
    expect(parsePostgresUrl('postgres://u@h/db?sslmode=prefer').config.ssl).toEqual({ rejectUnauthorized: false });
    expect(parsePostgresUrl('postgres://u@h/db?sslmode=require').config.ssl).toEqual({ rejectUnauthorized: false });
    expect(parsePostgresUrl('postgres://u@h/db?sslmode=verify-full').config.ssl).toEqual({});
    expect(parsePostgresUrl('postgres://u@h/db').config.ssl).toBeUndefined();
    expect(() => parsePostgresUrl('postgres://u@h/db?sslmode=verify-ca')).toThrow(/^url: sslmode=verify-ca needs sslrootcert/);
    expect(() => parsePostgresUrl('postgres://u@h/db?sslmode=allow')).toThrow(/^url: sslmode "allow" is not one of/);
    expect(() => parsePostgresUrl('postgres://u@h/db?uselibpqcompat=true')).toThrow(/^url: uselibpqcompat/);
  });

  it('decodes the database name fully, as libpq does', async () => {
    const { parsePostgresUrl } = await import('../../src/platforms/postgres/url.js');
    expect(parsePostgresUrl('postgres://u@h/a%2Fb%20c').config.database).toBe('a/b c');
  });
});

describe('redshift URLs', () => {
  it('redact like PostgreSQL, default port 5439, keep their scheme', async () => {
    const { redshiftPlatform } = await import('../../src/platforms/redshift/index.js');
    const p = redshiftPlatform.parseUrl('redshift://u:Hostile-Pw@c.example.com/dev?password=Hostile-Pw&sslmode=require');
    expect(p).toEqual({ host: 'c.example.com', port: 5439, user: 'u', database: 'dev', redacted: 'redshift://u:***@c.example.com/dev?sslmode=require' });
    expect(() => redshiftPlatform.parseUrl('mysql://u@h/db')).toThrow(/^url: scheme must be redshift:\/\/ or postgres:\/\/ or postgresql:\/\//);
  });
});
