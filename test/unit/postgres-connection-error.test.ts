import { describe, expect, it } from 'vitest';
import { connectionError } from '../../src/platforms/postgres/connection-error.js';

const where = { host: 'db.example.com', port: 5432, user: 'steward', database: 'shop' };

describe('postgres connectionError', () => {
  it.each([
    [{ code: '28P01', message: 'password authentication failed for user "steward"' }, /password authentication failed for user "steward"/],
    [{ code: '3D000', message: 'database "shop" does not exist' }, /database "shop" does not exist/],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, /connection refused/],
    [Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {}), /connection refused/],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' }, /host "db.example.com" not found/],
    [new Error('Connection terminated due to connection timeout'), /timed out/],
    [new Error('weird failure password=hunter2 postgres://u:hunter2@h/db'), /weird failure/],
  ])('maps %o to connection_failed with host:port and a hint', (err, reason) => {
    const e = connectionError(err, where);
    expect(e.code).toBe('connection_failed');
    expect(e.message).toMatch(/^cannot connect to db\.example\.com:5432: /);
    expect(e.message).toMatch(reason);
    expect(e.message).not.toContain('\n');
    expect(e.message).not.toContain('hunter2');
    expect(e.hint).toBeTruthy();
  });
});
