/**
 * The golden scripts (every mask, predicate and statement kind) run as they are on the real
 * servers: the SQL the golden tests pin is SQL the servers accept. Database `dp_gold`, roles
 * `dp_gold_*`; the spec's names are mapped onto them.
 */
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import type { SecureViewSpec } from '../../src/domain/secure-view.js';
import { mysqlSecureViews } from '../../src/platforms/mysql/secure-views.js';
import { postgresSecureViews } from '../../src/platforms/postgres/secure-views.js';
import { mariadbAvailable, MARIADB_URL, pgAvailable } from '../helpers/databases.js';
import { columns, filter, scriptStatements } from '../helpers/golden-spec.js';
import { dropRoles, pgUrl, withPg } from '../helpers/pg-admin.js';

const OWNER = 'dp_gold_views';
const READERS = ['dp_gold_read_r', 'dp_gold_x_r'];
const pgSpec: SecureViewSpec = {
  base: ['dp_gold', 'public', 'customers'],
  view: ['dp_gold', 'public_secure', 'customers'],
  system: ['dp_gold', 'dp_gold_sys'],
  columns,
  filter,
  masks: [],
  filters: [],
};

const PG_COLUMNS = 'id integer, email text, ssn text, name varchar(40), amount integer, price numeric(10,2), born date, seen timestamptz, phone text, notes text, region text, "Wé""ird`" integer';
const MY_COLUMNS = 'id int, email text, ssn text, name varchar(40), amount int, price decimal(10,2), born date, seen datetime, phone text, notes text, region text, `Wé"ird``` int';

describe.skipIf(!pgAvailable)('golden PostgreSQL script on PostgreSQL', () => {
  afterAll(async () => {
    if (!pgAvailable) return;
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query('DROP DATABASE IF EXISTS dp_gold WITH (FORCE)');
      await dropRoles(c, [OWNER, ...READERS]);
    });
  });

  it('runs every statement kind, with the full filter', async () => {
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query('DROP DATABASE IF EXISTS dp_gold WITH (FORCE)');
      await dropRoles(c, [OWNER, ...READERS]);
      await c.query('CREATE DATABASE dp_gold');
      for (const r of [OWNER, ...READERS]) await c.query(`CREATE ROLE ${r} NOLOGIN`);
    });
    await withPg(pgUrl('dp_gold'), async (c) => {
      await c.query(`CREATE TABLE public.customers (${PG_COLUMNS})`);
      await c.query(`INSERT INTO public.customers VALUES (1, 'a@x', 's', 'Ann', 150, 10.25, '2000-05-05', '2024-01-01 10:30:00+00', '555-1234', 'n', 'eu', 7)`);
      await c.query(`GRANT SELECT ON public.customers TO ${OWNER}`);
      const statements = scriptStatements(postgresSecureViews, pgSpec).map((s) => s.sql.replaceAll('steward_wh__views', OWNER).replaceAll('steward_wh__read_r', READERS[0]!).replaceAll('steward_wh__x_r', READERS[1]!));
      const params = scriptStatements(postgresSecureViews, pgSpec).map((s) => s.params);
      await c.query('BEGIN');
      // The last two statements drop the view again: run up to the build, look, then the rest.
      const dropAt = statements.findIndex((s, i) => i > 0 && s.startsWith('DROP VIEW') && statements[i - 1]!.startsWith('INSERT INTO "dp_gold_sys"."views"'));
      for (let i = 0; i < dropAt; i++) await c.query(statements[i]!, params[i] === null ? undefined : [...params[i]!]);
      expect((await c.query('SELECT count(*)::int AS n FROM public_secure.customers')).rows).toEqual([{ n: 0 }]);
      const rec = await c.query('SELECT desired, rendered FROM dp_gold_sys.views');
      expect(rec.rows[0]).toMatchObject({ desired: expect.stringMatching(/^[0-9a-f]{64}$/), rendered: expect.stringMatching(/^[0-9a-f]{64}$/) });
      for (let i = dropAt; i < statements.length; i++) await c.query(statements[i]!, params[i] === null ? undefined : [...params[i]!]);
      await c.query('COMMIT');
    });
  });
});

describe.skipIf(!mariadbAvailable)('golden MariaDB script on MariaDB', () => {
  let conn: mysql.Connection | null = null;
  afterAll(async () => {
    if (conn === null) return;
    for (const db of ['dp_gold', 'dp_gold_secure', 'dp_gold_sys']) await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    for (const r of [OWNER, ...READERS]) await conn.query(`DROP ROLE IF EXISTS ${r}`);
    await conn.end();
  });

  it('runs every statement kind, with the full filter', async () => {
    const u = new URL(MARIADB_URL);
    conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), charset: 'utf8mb4' });
    for (const db of ['dp_gold', 'dp_gold_secure', 'dp_gold_sys']) await conn.query(`DROP DATABASE IF EXISTS ${db}`);
    for (const r of [OWNER, ...READERS]) {
      await conn.query(`DROP ROLE IF EXISTS ${r}`);
      await conn.query(`CREATE ROLE ${r}`);
    }
    await conn.query('CREATE DATABASE dp_gold');
    await conn.query(`CREATE TABLE dp_gold.customers (${MY_COLUMNS}) DEFAULT CHARSET utf8mb4`);
    await conn.query(`GRANT SELECT ON dp_gold.customers TO ${OWNER}`);
    const spec: SecureViewSpec = { ...pgSpec, base: ['dp_gold', 'customers'], view: ['dp_gold_secure', 'customers'], system: ['dp_gold_sys'] };
    const statements = scriptStatements(mysqlSecureViews('mariadb'), spec);
    let built = false;
    for (const s of statements) {
      const sql = s.sql.replaceAll('steward_wh__views', OWNER).replaceAll('steward_wh__read_r', READERS[0]!).replaceAll('steward_wh__x_r', READERS[1]!);
      if (!built && sql.startsWith('DROP VIEW')) {
        const [rows] = await conn.query('SELECT COUNT(*) AS n FROM dp_gold_secure.customers');
        expect(rows).toEqual([{ n: 0 }]);
        built = true;
      }
      if (s.params === null) await conn.query(sql);
      else await conn.execute(sql, [...s.params] as string[]);
    }
    expect(built).toBe(true);
  });
});
