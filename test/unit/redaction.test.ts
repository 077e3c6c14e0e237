import { describe, expect, it } from 'vitest';
import { loggableError, loggableUrl } from '../../src/api/logging.js';
import { redactSecrets } from '../../src/domain/errors.js';
import { redactDeep } from '../../src/domain/redact-deep.js';

describe('redactSecrets: URLs', () => {
  it('hides a password written without percent-encoding, whatever it holds', () => {
    expect(redactSecrets('bad mysql://u:Ho#st/le@x@127.0.0.1:3306/db here')).toBe('bad mysql://u:***@127.0.0.1:3306/db here');
    expect(redactSecrets('a postgres://u:p@h/d and b mysql://v:q@h2/e')).toBe('a postgres://u:***@h/d and b mysql://v:***@h2/e');
    expect(redactSecrets('"postgres://u:p@h/d"')).toBe('"postgres://u:***@h/d"');
  });
});

describe('redactSecrets: tokens', () => {
  it("hides Steward's bearer tokens and bearer credentials, and token= pairs", () => {
    expect(redactSecrets('got stw_AbCdEf0123456789_-xyz here')).toBe('got stw_*** here');
    expect(redactSecrets('Authorization: Bearer abcdefgh12345678')).toBe('Authorization: Bearer ***');
    expect(redactSecrets('/x?token=abc&y=1')).toBe('/x?token=***&y=1');
  });

  it('leaves audit actors and plain words alone', () => {
    expect(redactSecrets('actor token:admin did it')).toBe('actor token:admin did it');
    expect(redactSecrets('missing bearer token')).toBe('missing bearer token');
    expect(redactSecrets('send "Authorization: Bearer <token>"')).toBe('send "Authorization: Bearer <token>"');
  });
});

describe('redactDeep', () => {
  it('redacts every string and every value under a secret key, in a copy', () => {
    const input = { url: 'postgres://u:pw1@h/d', nested: [{ password: 'pw2', note: 'password=pw3' }], token: 'abc', n: 1, none: null };
    const out = redactDeep(input);
    expect(out).toEqual({ url: 'postgres://u:***@h/d', nested: [{ password: '***', note: 'password=***' }], token: '***', n: 1, none: null });
    expect(input.nested[0]!.password).toBe('pw2');
  });

  it('does not walk into class instances (errors, requests): their serializers handle them', () => {
    const err = new Error('postgres://u:pw@h/d');
    expect(redactDeep({ err }) as { err: Error }).toEqual({ err });
  });
});

describe('what the server log may hold', () => {
  it('logs errors as type, code, redacted message and stack only', () => {
    const e = Object.assign(new Error('cannot reach postgres://u:pw@h/d'), { code: 'ECONNREFUSED', config: { password: 'pw' } });
    const l = loggableError(e);
    expect(Object.keys(l).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(l.message).toBe('cannot reach postgres://u:***@h/d');
    expect(l.stack).not.toContain(':pw@');
    expect(loggableError('text thrown')).toMatchObject({ type: 'Error', message: 'text thrown' });
  });

  it('decodes URLs before redacting them, so an encoded password is caught', () => {
    expect(loggableUrl('/s?q=postgres%3A%2F%2Fu%3Apw%40h%2Fd')).toBe('/s?q=postgres://u:***@h/d');
    expect(loggableUrl('/bad%zz?token=t')).toBe('/bad%zz?token=***');
  });
});
