/**
 * A film-rental database (see test/helpers/pg-film-rental.ts) governed by Steward running as
 * the least-privilege system account that `connection check` advises: a fresh login, then
 * exactly the check's SQL run by the superuser (the administrator; nothing else runs as it).
 * The check's advice is what an auditor signs: it is asserted line by line where it matters,
 * and then held to — the account holds no more than proposed — and one apply leaves exactly
 * the access the policies say, felt by every user logging in with their own password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { CheckReport } from '../../src/platforms/platform.js';
import { freshLocalClient } from '../helpers/local-client.js';
import { pgAvailable, PG_URL } from '../helpers/databases.js';
import { asUser, pgUrl, withPg } from '../helpers/pg-admin.js';
import { createFilmRental, dropFilmRental, FILM_DB, FILM_OTHERS, FILM_OWNER, FILM_USERS, PUBLIC_ROLE } from '../helpers/pg-film-rental.js';
import { ACCOUNT_PASSWORD, dropEverything, freshAccount, runAdminScript } from '../helpers/pg-least-privilege.js';

const CONN = 'pgt_film';
const PREFIX = `steward_${CONN}__`;
const ACCOUNT = 'pgt_film_steward';
const { alice, bob, carol } = FILM_USERS;

const yaml = `
connections:
  ${CONN}:
    type: postgres
    url: \${FILM_URL}
    databases: [${FILM_DB}]
    protect: [${CONN}/${FILM_DB}/public/*]
groups: [analysts, clerks, managers]
users:
  alice: { groups: [analysts], principals: { ${CONN}: ${alice} } }
  bob: { groups: [clerks], principals: { ${CONN}: ${bob} } }
  carol: { groups: [managers], principals: { ${CONN}: ${carol} } }
tags:
  ${CONN}/${FILM_DB}/public/film: [catalog]
  ${CONN}/${FILM_DB}/public/actor: [catalog]
  ${CONN}/${FILM_DB}/public/film_actor: [catalog]
  ${CONN}/${FILM_DB}/public/film_list: [catalog]
  ${CONN}/${FILM_DB}/public/sales_by_film: [catalog]
  ${CONN}/${FILM_DB}/public/customer: [sales]
  ${CONN}/${FILM_DB}/public/rental: [sales]
  ${CONN}/${FILM_DB}/public/payment: [sales]
policies:
  - { name: analysts-read-catalog, type: subscription, access: read, to: { groups: [analysts] }, on: { tags: [catalog] } }
  - { name: clerks-write-sales, type: subscription, access: write, to: { groups: [clerks] }, on: { tags: [sales] } }
  - { name: managers-read-all, type: subscription, access: read, to: { groups: [managers] }, on: { paths: ["${CONN}/${FILM_DB}/public/*"] } }
`;

/** Every relation of the schema, and the statements that probe each user's access. */
const READS: Record<string, string> = {
  film: 'SELECT * FROM film',
  actor: 'SELECT * FROM actor',
  film_actor: 'SELECT * FROM film_actor',
  film_list: 'SELECT * FROM film_list',
  sales_by_film: 'SELECT * FROM sales_by_film',
  customer: 'SELECT * FROM customer',
  'customer.email': 'SELECT email FROM customer',
  customer_list: 'SELECT * FROM customer_list',
  rental: 'SELECT * FROM rental',
  payment: 'SELECT * FROM payment',
  payment_p2022_02: 'SELECT * FROM payment_p2022_02',
  staff: 'SELECT * FROM staff',
  store: 'SELECT * FROM store',
};

async function readable(user: string): Promise<string[]> {
  const out: string[] = [];
  for (const [name, sql] of Object.entries(READS)) if ((await asUser(FILM_DB, user, sql)) === 'ok') out.push(name);
  return out;
}

describe.skipIf(!pgAvailable)('film rental on PostgreSQL, governed by the least-privilege account', () => {
  let client: StewardClient;
  let first: CheckReport;
  const config = () => parseConfig(yaml, 'steward.yaml', { FILM_URL: pgUrl(FILM_DB, ACCOUNT, ACCOUNT_PASSWORD) });

  beforeAll(async () => {
    await dropEverything([FILM_DB], PREFIX, []);
    await createFilmRental();
    await freshAccount(ACCOUNT);
    // An unprotected schema the account is never given anything in.
    await withPg(pgUrl(FILM_DB), async (c) => {
      await c.query(`CREATE SCHEMA internal AUTHORIZATION ${FILM_OWNER}`);
      await c.query(`SET ROLE ${FILM_OWNER}`);
      await c.query(`CREATE TABLE internal.secrets (id int); INSERT INTO internal.secrets VALUES (1)`);
    });
    client = await freshLocalClient();
    await client.storeConfig(config());
  });

  afterAll(async () => {
    await client?.close();
    await dropEverything([FILM_DB], PREFIX, [ACCOUNT]);
    await dropFilmRental();
  });

  it('before the check: every earlier grant is in place, as the fixture says', async () => {
    // Everyone reads customer through the pseudo-role PUBLIC; the role "PUBLIC" also reads film_list.
    expect(await readable(FILM_OTHERS.analyst)).toEqual(['film', 'actor', 'customer', 'customer.email', 'payment_p2022_02']);
    expect(await readable(FILM_OTHERS.clerk)).toEqual(['customer', 'customer.email', 'rental', 'staff']);
    expect(await readable(PUBLIC_ROLE)).toEqual(['film_list', 'customer', 'customer.email']);
    expect(await readable(FILM_OTHERS.nobody)).toEqual(['customer', 'customer.email']);
  });

  it('connection check: the narrowest grants, as whom each runs, what an administrator must revoke, and what it all implies', async () => {
    first = await client.checkConnection(CONN);
    expect(first.user).toBe(ACCOUNT);
    expect(first.sync).toEqual([{ what: `CONNECT on database "${FILM_DB}"`, ok: true }]);
    const sql = first.grantSql;
    expect(sql[0]).toBe(`ALTER ROLE "${ACCOUNT}" CREATEROLE;`);
    expect(sql[1]).toBe(`-- in database "${FILM_DB}":`);
    const block = (role: string, kind: 'owner of' | 'which granted'): string[] => {
      const comment = sql.findIndex((l) => l.startsWith(`-- as role "${role}", ${kind} what follows`));
      expect(comment, `a block as ${role} (${kind})`).toBeGreaterThan(1);
      expect(sql[comment + 1]).toBe(`SET ROLE "${role}";`);
      return sql.slice(comment + 2, sql.indexOf('RESET ROLE;', comment));
    };
    const acct = `"${ACCOUNT}"`;
    expect(block('pg_database_owner', 'owner of')).toEqual([`GRANT USAGE ON SCHEMA "public" TO ${acct} WITH GRANT OPTION;`]);
    expect(block(FILM_OWNER, 'owner of')).toEqual([
      `GRANT SELECT ON TABLE "public"."customer_list", "public"."film_list", "public"."sales_by_film" TO ${acct} WITH GRANT OPTION;`,
      `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "public"."actor", "public"."customer", "public"."film", "public"."film_actor", "public"."payment", "public"."payment_p2022_01", "public"."payment_p2022_02", "public"."payment_p2022_03", "public"."rental" TO ${acct} WITH GRANT OPTION;`,
      `GRANT USAGE ON SEQUENCE "public"."actor_actor_id_seq", "public"."customer_customer_id_seq", "public"."film_film_id_seq", "public"."payment_payment_id_seq", "public"."rental_rental_id_seq" TO ${acct} WITH GRANT OPTION;`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE "${FILM_OWNER}" IN SCHEMA "public" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO ${acct} WITH GRANT OPTION;`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE "${FILM_OWNER}" IN SCHEMA "public" GRANT USAGE ON SEQUENCES TO ${acct} WITH GRANT OPTION;`,
    ]);
    expect(block('postgres', 'owner of')).toEqual([
      `GRANT CONNECT ON DATABASE "${FILM_DB}" TO ${acct} WITH GRANT OPTION;`,
      `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "public"."staff", "public"."store" TO ${acct} WITH GRANT OPTION;`,
      `GRANT USAGE ON SEQUENCE "public"."staff_staff_id_seq", "public"."store_store_id_seq" TO ${acct} WITH GRANT OPTION;`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO ${acct} WITH GRANT OPTION;`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" GRANT USAGE ON SEQUENCES TO ${acct} WITH GRANT OPTION;`,
    ]);
    // Earlier grants the account cannot revoke: PUBLIC the keyword, "PUBLIC" the role, a column, a partition.
    expect(block(FILM_OWNER, 'which granted')).toEqual([
      `REVOKE SELECT ("email") ON TABLE "public"."customer" FROM "${FILM_OTHERS.clerk}";`,
      `REVOKE SELECT ON TABLE "public"."actor", "public"."film", "public"."payment_p2022_02" FROM "${FILM_OTHERS.analyst}";`,
      'REVOKE SELECT ON TABLE "public"."customer" FROM PUBLIC;',
      'REVOKE SELECT ON TABLE "public"."film_list" FROM "PUBLIC";',
      `REVOKE SELECT, INSERT, UPDATE ON TABLE "public"."rental" FROM "${FILM_OTHERS.clerk}";`,
    ]);
    expect(block('postgres', 'which granted')).toEqual([`REVOKE SELECT ON TABLE "public"."staff" FROM "${FILM_OTHERS.clerk}";`]);
    // Never a membership: not in an owner, let alone a superuser.
    expect(sql.filter((l) => /^GRANT "[^"]+" TO /.test(l))).toEqual([]);
    expect(first.enforcement.find((c) => c.what.startsWith('revoke earlier grants'))).toEqual({
      what: `revoke earlier grants on protected objects in "${FILM_DB}"`,
      ok: false,
      detail: `made by "${FILM_OWNER}" (7 grants), superuser "postgres" (1 grant), which Steward's account cannot act as: an administrator must revoke them (the SQL below), else every plan reports them as blocked`,
    });
    const notes = first.notes ?? [];
    expect(notes.find((n) => n.startsWith('CREATEROLE on PostgreSQL 15'))).toBeDefined();
    expect(notes.find((n) => n.startsWith('WITH GRANT OPTION:'))).toBeDefined();
    expect(notes.find((n) => n.startsWith(`"${FILM_OWNER}" owns protected tables`))).toContain(`Optional: \`GRANT "${FILM_OWNER}" TO ${acct};\``);
    expect(notes.find((n) => n.startsWith('"postgres" is a superuser and owns protected tables'))).toContain('Steward\'s account never acts as a superuser');
  });

  it('run as the administrator, the SQL leaves nothing missing', async () => {
    await runAdminScript(first.grantSql);
    const second = await client.checkConnection(CONN);
    expect([...second.sync, ...second.enforcement].filter((c) => !c.ok)).toEqual([]);
    expect(second.grantSql).toEqual([]);
  });

  it('the account holds no more than proposed: no ownership, no superuser, nothing outside what it governs', async () => {
    expect(await asUser(FILM_DB, ACCOUNT, 'DROP TABLE film')).toMatch(/must be owner of table film/);
    expect(await asUser(FILM_DB, ACCOUNT, 'ALTER TABLE film ADD COLUMN x int')).toMatch(/must be owner of table film/);
    expect(await asUser(FILM_DB, ACCOUNT, 'DROP TABLE staff')).toMatch(/must be owner of table staff/);
    expect(await asUser(FILM_DB, ACCOUNT, 'ALTER TABLE payment_p2022_01 RENAME TO p')).toMatch(/must be owner of table payment_p2022_01/);
    expect(await asUser(FILM_DB, ACCOUNT, 'SELECT * FROM internal.secrets')).toMatch(/permission denied for schema internal/);
    expect(await asUser(FILM_DB, ACCOUNT, 'CREATE TABLE public.mine (id int)')).toMatch(/permission denied for schema public/);
    expect(await asUser(FILM_DB, ACCOUNT, `ALTER DEFAULT PRIVILEGES FOR ROLE ${FILM_OWNER} GRANT SELECT ON TABLES TO ${ACCOUNT}`)).toMatch(/must be member of role/);
    const me = await withPg(PG_URL, (c) =>
      c.query<{ rolsuper: boolean; rolcreatedb: boolean; member_of: string[] }>(
        `SELECT rolsuper, rolcreatedb,
           array(SELECT r.rolname::text FROM pg_roles r WHERE r.rolname <> $1 AND pg_has_role($1, r.oid, 'MEMBER') ORDER BY 1) AS member_of
         FROM pg_roles WHERE rolname = $1`,
        [ACCOUNT],
      ),
    );
    expect(me.rows[0]).toEqual({ rolsuper: false, rolcreatedb: false, member_of: [] });
    // What WITH GRANT OPTION implies, as the notes say: it can use what it hands out.
    expect(await asUser(FILM_DB, ACCOUNT, 'SELECT * FROM staff')).toBe('ok');
  });

  it('one apply as the account leaves exactly the access the policies say, felt by every user', async () => {
    const r = await client.applyConnection(CONN, {});
    expect(r.status).toBe('applied');
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(r.plan.blocked).toEqual([]);
    // Default privileges need membership in the owners, which the account does not have: none are planned.
    expect(r.plan.operations.filter((o) => o.kind === 'grantDefault')).toEqual([]);

    expect(await readable(alice)).toEqual(['film', 'actor', 'film_actor', 'film_list', 'sales_by_film']);
    // Partitions as their parent allows: bob reads payment and each of its partitions directly.
    expect(await readable(bob)).toEqual(['customer', 'customer.email', 'rental', 'payment', 'payment_p2022_02']);
    expect(await readable(carol)).toEqual(Object.keys(READS));
    // Earlier grants are gone, PUBLIC's and the role "PUBLIC"'s alike.
    for (const other of [...Object.values(FILM_OTHERS), PUBLIC_ROLE]) expect(await readable(other), other).toEqual([]);

    // Writers write, through the partitioned parent too, with the serial keys' sequences.
    expect(await asUser(FILM_DB, bob, `INSERT INTO rental (customer_id, film_id) VALUES (1, 2)`)).toBe('ok');
    expect(await asUser(FILM_DB, bob, `INSERT INTO payment (customer_id, rental_id, amount, payment_date) VALUES (1, 2, 0.99, '2022-03-02')`)).toBe('ok');
    expect(await asUser(FILM_DB, bob, `INSERT INTO customer (first_name, last_name) VALUES ('Linda', 'Williams')`)).toBe('ok');
    expect(await asUser(FILM_DB, bob, `INSERT INTO film (title) VALUES ('x')`)).toMatch(/permission denied for table film/);
    expect(await asUser(FILM_DB, alice, `INSERT INTO film (title) VALUES ('x')`)).toMatch(/permission denied for table film/);
    expect(await asUser(FILM_DB, alice, `SELECT nextval('film_film_id_seq')`)).toMatch(/permission denied for sequence/);
    expect(await asUser(FILM_DB, carol, `DELETE FROM staff`)).toMatch(/permission denied for table staff/);
  });

  it('the next plan is empty, nothing blocked', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.blocked).toEqual([]);
    const after = await client.checkConnection(CONN);
    expect([...after.sync, ...after.enforcement].filter((c) => !c.ok)).toEqual([]);
  });

  it('a grant made later by the owner is reported as blocked with the reason, never as done, until an administrator revokes it', async () => {
    await withPg(pgUrl(FILM_DB), async (c) => {
      await c.query(`SET ROLE ${FILM_OWNER}`);
      await c.query(`GRANT SELECT ON customer TO ${FILM_OTHERS.analyst}`);
    });
    const r = await client.applyConnection(CONN, {});
    expect(r.plan.operations).toEqual([]);
    expect(r.plan.blocked.map((b) => [b.operation, b.reason])).toEqual([
      [
        { kind: 'revoke', privileges: ['SELECT'], securables: [{ kind: 'table', segments: [FILM_DB, 'public', 'customer'] }], grantees: [{ kind: 'role', name: FILM_OTHERS.analyst }], grantor: FILM_OWNER, drift: true },
        `Steward's account is not a member of "${FILM_OWNER}"; an administrator must run this as "${FILM_OWNER}" (making the account a member would also give it every power of "${FILM_OWNER}")`,
      ],
    ]);
    expect(await readable(FILM_OTHERS.analyst)).toEqual(['customer', 'customer.email']);
    const check = await client.checkConnection(CONN);
    expect(check.grantSql).toEqual([
      `-- in database "${FILM_DB}":`,
      `-- as role "${FILM_OWNER}", which granted what follows (Steward's account is not a member of it): only it can revoke its grants`,
      `SET ROLE "${FILM_OWNER}";`,
      `REVOKE SELECT ON TABLE "public"."customer" FROM "${FILM_OTHERS.analyst}";`,
      'RESET ROLE;',
    ]);
    await runAdminScript(check.grantSql);
    expect(await readable(FILM_OTHERS.analyst)).toEqual([]);
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.blocked).toEqual([]);
  });

  it('a table the superuser creates later is granted at the next sync, without an administrator', async () => {
    await withPg(pgUrl(FILM_DB), (c) => c.query(`CREATE TABLE public.inventory (inventory_id serial PRIMARY KEY, film_id int)`));
    expect(await asUser(FILM_DB, carol, 'SELECT * FROM inventory')).toMatch(/permission denied/);
    const r = await client.applyConnection(CONN, {});
    expect(r.status).toBe('applied');
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(await asUser(FILM_DB, carol, 'SELECT * FROM inventory')).toBe('ok');
    expect(await asUser(FILM_DB, alice, 'SELECT * FROM inventory')).toMatch(/permission denied/);
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
  });
});
