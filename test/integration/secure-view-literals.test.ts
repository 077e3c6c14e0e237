/**
 * The value-literal function of each dialect, against the real servers: hostile and random
 * strings written as literals into a view definition come back exactly, and cannot end the
 * literal early. Database `dp_lit` on both servers.
 */
import fc from 'fast-check';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteLiteral as myLiteral } from '../../src/platforms/mysql/literal.js';
import { quoteLiteral as pgLiteral } from '../../src/platforms/postgres/literal.js';
import { mariadbAvailable, MARIADB_URL, pgAvailable } from '../helpers/databases.js';
import { pgUrl, withPg } from '../helpers/pg-admin.js';

const DB = 'dp_lit';
const HOSTILE = [
  "'",
  "''",
  '\\',
  "\\'",
  "'\\",
  '$$',
  '$x$ body $x$',
  '*/ SELECT 1; /*',
  '-- comment',
  "'); DROP TABLE t; --",
  '\n\r\t',
  '😀 non-BMP 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'E\'\\x41\'',
  '%_?$1',
  '`"[]',
  '\u001a\u0008',
];

/** Text without NUL and without lone surrogates (what either literal function accepts). */
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\u0000'));

describe.skipIf(!pgAvailable)('PostgreSQL literals round-trip through a view', () => {
  beforeAll(async () => {
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${DB}`);
    });
  });
  afterAll(async () => {
    if (pgAvailable) await withPg(pgUrl('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`));
  });

  async function roundTrip(values: readonly string[], standardStrings: 'on' | 'off'): Promise<string[]> {
    return withPg(pgUrl(DB), async (c) => {
      await c.query(`SET standard_conforming_strings = ${standardStrings}`);
      await c.query(`CREATE OR REPLACE VIEW lit AS SELECT * FROM (VALUES ${values.map((v, i) => `(${i}, ${pgLiteral(v)})`).join(', ')}) AS x(i, v)`);
      const rows = (await c.query<{ v: string }>('SELECT v FROM lit ORDER BY i')).rows.map((r) => r.v);
      await c.query('DROP VIEW lit');
      return rows;
    });
  }

  it('keeps hostile values exact whatever standard_conforming_strings says', async () => {
    expect(await roundTrip(HOSTILE, 'on')).toEqual(HOSTILE);
    expect(await roundTrip(HOSTILE, 'off')).toEqual(HOSTILE);
  });

  it('keeps random text exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(text, { minLength: 1, maxLength: 20 }), async (values) => {
        expect(await roundTrip(values, 'on')).toEqual(values);
      }),
      { numRuns: 25 },
    );
  });
});

describe.skipIf(!mariadbAvailable)('MariaDB literals round-trip through a view', () => {
  let conn: mysql.Connection;
  beforeAll(async () => {
    const u = new URL(MARIADB_URL);
    conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), charset: 'utf8mb4' });
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    await conn.query(`CREATE DATABASE ${DB} DEFAULT CHARSET utf8mb4`);
  });
  afterAll(async () => {
    if (!mariadbAvailable) return;
    await conn.query(`DROP DATABASE IF EXISTS ${DB}`);
    await conn.end();
  });

  async function roundTrip(values: readonly string[]): Promise<string[]> {
    // The server stores the view's text re-rendered by itself: this checks both the literal and
    // what MariaDB makes of it.
    await conn.query(`CREATE OR REPLACE VIEW ${DB}.lit AS ${values.map((v, i) => `SELECT ${i} AS i, CONVERT(${myLiteral(v)} USING utf8mb4) AS v`).join(' UNION ALL ')}`);
    const [rows] = await conn.query(`SELECT v FROM ${DB}.lit ORDER BY i`);
    return (rows as { v: string | Buffer }[]).map((r) => (Buffer.isBuffer(r.v) ? r.v.toString('utf8') : r.v));
  }

  it('keeps hostile values exact, NUL included', async () => {
    const values = [...HOSTILE, 'a\u0000b', '\u0000'];
    expect(await roundTrip(values)).toEqual(values);
  });

  it('keeps random text exact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { minLength: 1, maxLength: 20 }), async (values) => {
        expect(await roundTrip(values)).toEqual(values);
      }),
      { numRuns: 25 },
    );
  });
});
