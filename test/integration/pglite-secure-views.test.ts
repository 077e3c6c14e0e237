/**
 * Secure views on PGlite (in-process PostgreSQL, one database, one connection): the same
 * engine and dialect as on the server. PGlite has no logins over a socket, so each user is
 * taken on with SET SESSION AUTHORIZATION, which sets `session_user` exactly as a login does.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../src/policy/input.js';
import { postgresCapabilities } from '../../src/platforms/postgres/capabilities.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { postgresSecureViews } from '../../src/platforms/postgres/secure-views.js';
import { readSecureViewActual } from '../../src/platforms/postgres/secure-view-state.js';
import { fixtureInput, sha256hex, TABLES, users as fixtureUsers } from '../helpers/secure-view-fixture.js';
import { planAndRun } from '../helpers/secure-view-runner.js';

const DB = 'postgres';
const CONN = 'lite';
const OWNER = 'lite_views';
const READERS = 'lite_readers';
const SALT = 'pepper';
const principal = (name: string): string => `lite_${name}`;
const q = quoteIdent;

let db: PGlite;
const query = async <T>(sql: string, params?: unknown[]): Promise<{ rows: T[] }> => ({ rows: (await db.query<T>(sql, params)).rows });

function input(over: Partial<Parameters<typeof fixtureInput>[0]> = {}): PolicyInput {
  return fixtureInput({
    connection: CONN,
    capabilities: postgresCapabilities,
    platform: 'pg',
    tableSegments: (t) => [DB, 'public', t],
    containers: [
      { segments: [DB], kind: 'database', owner: 'postgres', tags: [], columns: [] },
      { segments: [DB, 'public'], kind: 'schema', owner: 'postgres', tags: [], columns: [] },
    ],
    principal,
    salt: SALT,
    ...over,
  });
}

const plan = (i: PolicyInput, dryRun = false) =>
  planAndRun({
    input: i,
    dialect: postgresSecureViews,
    readActual: (desired) => readSecureViewActual(async () => ({ query }), { systems: [[DB, `steward_${CONN}`]], containers: desired.containers }),
    readers: [READERS],
    run: async (statements) => {
      await db.transaction(async (tx) => {
        for (const s of statements) await tx.query(s.sql, s.params === null ? undefined : [...s.params]);
      });
    },
    dryRun,
  });

async function as<T>(name: string, sql: string): Promise<T[] | string> {
  await db.query(`SET SESSION AUTHORIZATION ${q(principal(name))}`);
  try {
    return (await db.query<T>(sql)).rows;
  } catch (err) {
    return (err as Error).message;
  } finally {
    // PGlite's RESET keeps the last user: name the superuser back explicitly.
    await db.query('SET SESSION AUTHORIZATION postgres');
  }
}

describe('secure views on PGlite', () => {
  beforeAll(async () => {
    db = new PGlite();
    for (const n of ['alice', 'bob', 'hana', 'carl', 'eve']) await db.query(`CREATE ROLE ${q(principal(n))}`);
    await db.query(`CREATE ROLE ${OWNER}`);
    await db.query(`CREATE ROLE ${READERS}`);
    await db.query(`GRANT ${READERS} TO ${['alice', 'bob', 'hana', 'carl', 'eve'].map((n) => q(principal(n))).join(', ')}`);
    await db.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
    await db.query(`GRANT USAGE ON SCHEMA public TO ${OWNER}`);
    for (const t of TABLES) {
      await db.query(`CREATE TABLE public.${q(t.name)} (${t.columns.map((c) => `${q(c.name)} ${c.pg}`).join(', ')})`);
      for (const row of t.rows) await db.query(`INSERT INTO public.${q(t.name)} VALUES (${row.map((_v, i) => `$${i + 1}`).join(', ')})`, [...row]);
      await db.query(`GRANT SELECT ON public.${q(t.name)} TO ${OWNER}`);
    }
    await plan(input());
    await db.query(`GRANT USAGE ON SCHEMA public_secure TO ${READERS}`);
  });
  afterAll(async () => {
    await db.close();
  });

  it('masks and filters per session user', async () => {
    const sql = 'SELECT id, name, email, phone, amount::text AS amount FROM public_secure.customers ORDER BY id';
    expect(await as('alice', sql)).toEqual([
      { id: 1, name: 'A. L.', email: sha256hex(`${SALT}ann@x.eu`), phone: '********4567', amount: '1200' },
      { id: 4, name: 'D. E.', email: sha256hex(`${SALT}di@x.eu`), phone: null, amount: '0' },
    ]);
    expect(((await as<{ id: number; email: string }>('hana', sql)) as { id: number; email: string }[]).map((r) => [r.id, r.email])).toEqual([
      [1, 'ann@x.eu'],
      [2, 'bob@x.us'],
      [3, 'cy@x.apac'],
      [4, 'di@x.eu'],
      [5, 'ed@x.latam'],
    ]);
    expect(await as('carl', sql)).toEqual([]);
    expect(await as('alice', 'SELECT * FROM public.customers')).toMatch(/permission denied/);
  });

  it('plans nothing the second time, and only profile rows for an attribute change', async () => {
    expect((await plan(input(), true)).ops).toEqual([]);
    const users = fixtureUsers(principal, CONN).map((u) => (u.name === 'carl' ? { ...u, attributes: { region: ['us'] } } : u));
    expect((await plan(input({ users }))).ops.map((o) => o.kind)).toEqual(['insertProfileRows']);
    expect(((await as<{ id: number }>('carl', 'SELECT id FROM public_secure.customers ORDER BY id')) as { id: number }[]).map((r) => r.id)).toEqual([2]);
  });
});
