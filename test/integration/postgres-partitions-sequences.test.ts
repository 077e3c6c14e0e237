/**
 * Partitions and sequences (issue 7.3, 7.4) on the real PostgreSQL, proved by logging in as
 * each user. Steward runs as the account `connection check` advises, with the one optional
 * step the check offers taken: membership in the (non-superuser) owner, which default
 * privileges need — so that a partition created after apply is covered at once, and never
 * beyond what the policies allow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import { freshLocalClient } from '../helpers/local-client.js';
import { pgAvailable, PG_URL } from '../helpers/databases.js';
import { asUser, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { ACCOUNT_PASSWORD, adviseAndGrant, checkAs, dropEverything, freshAccount } from '../helpers/pg-least-privilege.js';

const DB = 'pgt_parts';
const CONN = 'pgt_parts';
const PREFIX = `steward_${CONN}__`;
const ACCOUNT = 'pgt_pa_steward';
const OWNER = 'pgt_pa_owner';
const [BOB, DAVE, RITA, EVE] = ['pgt_pa_bob', 'pgt_pa_dave', 'pgt_pa_rita', 'pgt_pa_eve'];
const OPTIONS = { databases: [DB], protect: [`${CONN}/${DB}/sales/*`] };

const yaml = `
connections:
  ${CONN}:
    type: postgres
    url: \${PA_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}/sales/*]
users:
  bob: { groups: [writers], attributes: { region: [eu] }, principals: { ${CONN}: ${BOB} } }
  dave: { groups: [writers], attributes: { region: [us] }, principals: { ${CONN}: ${DAVE} } }
  rita: { groups: [readers], attributes: { region: [eu] }, principals: { ${CONN}: ${RITA} } }
policies:
  - { name: writers-write-sales, type: subscription, access: write, to: { groups: [writers] }, on: { paths: ["${CONN}/${DB}/sales/*"] } }
  - { name: readers-read-sales, type: subscription, access: read, to: { groups: [readers] }, on: { paths: ["${CONN}/${DB}/sales/*"] } }
  - { name: eu-only-payments, type: guardrail, to: { attributes: { region: [eu] } }, on: { paths: ["${CONN}/${DB}/sales/payment"] } }
`;

describe.skipIf(!pgAvailable)('partitions and sequences, felt by logging in', () => {
  let client: StewardClient;
  const config = () => parseConfig(yaml, 'steward.yaml', { PA_URL: pgUrl(DB, ACCOUNT, ACCOUNT_PASSWORD) });
  const as = (user: string, sql: string) => asUser(DB, user, sql);

  beforeAll(async () => {
    await dropEverything([DB], PREFIX, []);
    await freshDatabase(DB, [BOB, DAVE, RITA, EVE], [OWNER]);
    await freshAccount(ACCOUNT);
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`CREATE SCHEMA sales AUTHORIZATION ${OWNER}`);
      await c.query(`CREATE SCHEMA counters AUTHORIZATION ${OWNER}`);
      // Everyone may look into the schemas (container grants: not Steward's to revoke).
      await c.query(`GRANT USAGE ON SCHEMA sales TO PUBLIC`);
      await c.query(`SET ROLE ${OWNER}`);
      await c.query(`CREATE TABLE sales.payment (id serial, region text NOT NULL, amount numeric NOT NULL, paid_on date NOT NULL) PARTITION BY RANGE (paid_on)`);
      await c.query(`CREATE TABLE sales.payment_2024_01 PARTITION OF sales.payment FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')`);
      await c.query(`CREATE TABLE sales.payment_2024_02 PARTITION OF sales.payment FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')`);
      await c.query(`INSERT INTO sales.payment (region, amount, paid_on) VALUES ('eu', 1, '2024-01-10'), ('eu', 2, '2024-02-10')`);
      // A serial key, a DEFAULT nextval of a sequence in another (unprotected) schema, and an identity column.
      await c.query('CREATE SEQUENCE counters.ticket_no');
      await c.query(`CREATE TABLE sales.tickets (id serial PRIMARY KEY, ticket_no bigint DEFAULT nextval('counters.ticket_no'), ident int GENERATED ALWAYS AS IDENTITY, note text)`);
      await c.query('CREATE TABLE sales.notes (id int GENERATED ALWAYS AS IDENTITY, body text)');
    });
    const reports = await adviseAndGrant(CONN, ACCOUNT, DB, OPTIONS);
    // The check's optional step, taken: default privileges are set FOR ROLE the owner.
    expect(reports[reports.length - 1]!.notes?.find((n) => n.startsWith(`"${OWNER}" owns protected tables`))).toContain(`Optional: \`GRANT "${OWNER}" TO "${ACCOUNT}";\``);
    await withPg(PG_URL, (c) => c.query(`GRANT ${OWNER} TO ${ACCOUNT}`));
    // A hand-made grant on a partition, before Steward.
    await withPg(pgUrl(DB), (c) => c.query(`GRANT SELECT ON sales.payment_2024_01 TO ${EVE}`));
    client = await freshLocalClient();
    await client.storeConfig(config());
  });

  afterAll(async () => {
    await client?.close();
    await dropEverything([DB], PREFIX, [BOB, DAVE, RITA, EVE, OWNER, ACCOUNT]);
  });

  it('with the optional membership, check says future tables are granted when created', async () => {
    const report = await checkAs(CONN, ACCOUNT, DB, OPTIONS);
    expect([...report.sync, ...report.enforcement].filter((c) => !c.ok)).toEqual([]);
    expect(report.enforcement).toContainEqual({ what: `future tables of "${OWNER}" in "${DB}"."sales"`, ok: true, detail: 'granted when created (default privileges)' });
  });

  it('apply: a write policy on the partitioned table reaches its partitions exactly as the parent allows', async () => {
    expect(await as(EVE, 'SELECT * FROM sales.payment_2024_01')).toBe('ok');
    const r = await client.applyConnection(CONN, {});
    expect(r.status).toBe('applied');
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(r.plan.blocked).toEqual([]);
    // bob (eu) writes through the parent and reads a partition directly.
    expect(await as(BOB, `INSERT INTO sales.payment (region, amount, paid_on) VALUES ('eu', 3, '2024-02-11')`)).toBe('ok');
    expect(await as(BOB, 'SELECT * FROM sales.payment_2024_02')).toBe('ok');
    expect(await as(BOB, `INSERT INTO sales.payment_2024_01 (region, amount, paid_on) VALUES ('eu', 4, '2024-01-11')`)).toBe('ok');
    // dave (us) fails the guardrail on the parent: nor through a partition.
    expect(await as(DAVE, 'SELECT * FROM sales.payment')).toMatch(/permission denied/);
    expect(await as(DAVE, 'SELECT * FROM sales.payment_2024_01')).toMatch(/permission denied/);
    expect(await as(DAVE, `INSERT INTO sales.payment_2024_01 (region, amount, paid_on) VALUES ('us', 5, '2024-01-12')`)).toMatch(/permission denied/);
    // rita reads, parent and partitions, and writes nothing.
    expect(await as(RITA, 'SELECT * FROM sales.payment')).toBe('ok');
    expect(await as(RITA, 'SELECT * FROM sales.payment_2024_01')).toBe('ok');
    expect(await as(RITA, `INSERT INTO sales.payment (region, amount, paid_on) VALUES ('eu', 6, '2024-01-13')`)).toMatch(/permission denied/);
    // The hand-made grant on the partition is revoked (as the owner, which the account may act as).
    expect(await as(EVE, 'SELECT * FROM sales.payment_2024_01')).toMatch(/permission denied/);
  });

  it('sequences: a writer can insert through serial and DEFAULT nextval from another schema; a reader gets no sequence privilege; an identity column needs none', async () => {
    expect(await as(BOB, `INSERT INTO sales.tickets (note) VALUES ('from bob')`)).toBe('ok');
    expect(await as(DAVE, `INSERT INTO sales.tickets (note) VALUES ('from dave')`)).toBe('ok');
    expect(await as(BOB, `INSERT INTO sales.notes (body) VALUES ('identity only')`)).toBe('ok');
    expect(await as(RITA, 'SELECT * FROM sales.tickets')).toBe('ok');
    expect(await as(RITA, `INSERT INTO sales.tickets (note) VALUES ('from rita')`)).toMatch(/permission denied for table tickets/);
    expect(await as(RITA, `SELECT nextval('counters.ticket_no')`)).toMatch(/permission denied for (schema counters|sequence ticket_no)/);
    expect(await as(RITA, `SELECT nextval('sales.tickets_id_seq')`)).toMatch(/permission denied for sequence tickets_id_seq/);
    // The ACLs say the same: only writers' roles on the nextval sequences, nobody on the identity ones.
    const acls = await withPg(pgUrl(DB), (c) =>
      c.query<{ name: string; acl: string | null }>(
        `SELECT n.nspname || '.' || c.relname AS name, c.relacl::text AS acl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'S' AND n.nspname IN ('sales', 'counters') ORDER BY 1`,
      ),
    );
    const holders = (acl: string | null): string[] =>
      (acl ?? '').replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((i) => i.split('=')[0]!.replaceAll('"', '')).filter((g) => g.startsWith(PREFIX)).sort();
    const byName = new Map(acls.rows.map((r) => [r.name, holders(r.acl)]));
    for (const seq of ['counters.ticket_no', 'sales.tickets_id_seq', 'sales.payment_id_seq']) {
      expect(byName.get(seq)!.length, seq).toBeGreaterThan(0);
      expect(byName.get(seq)!.every((g) => g.endsWith('_w') || /_w_g[0-9a-f]{8}$/.test(g)), `${seq}: ${byName.get(seq)!.join(' ')}`).toBe(true);
    }
    expect(byName.get('sales.tickets_ident_seq')).toEqual([]);
    expect(byName.get('sales.notes_id_seq')).toEqual([]);
  });

  it('a partition created after apply gets access at once through default privileges, never beyond the guardrail on its parent', async () => {
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`SET ROLE ${OWNER}`);
      await c.query(`CREATE TABLE sales.payment_2024_03 PARTITION OF sales.payment FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')`);
    });
    // Before any sync: bob (eu) and rita (eu) reach it directly, dave (us) does not.
    expect(await as(BOB, `INSERT INTO sales.payment_2024_03 (region, amount, paid_on) VALUES ('eu', 7, '2024-03-02')`)).toBe('ok');
    expect(await as(RITA, 'SELECT * FROM sales.payment_2024_03')).toBe('ok');
    expect(await as(DAVE, 'SELECT * FROM sales.payment_2024_03')).toMatch(/permission denied/);
    // After sync and apply it is governed with its parent, and the plan converges.
    const r = await client.applyConnection(CONN, {});
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(await as(DAVE, 'SELECT * FROM sales.payment_2024_03')).toMatch(/permission denied/);
    expect(await as(BOB, 'SELECT * FROM sales.payment_2024_03')).toBe('ok');
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.blocked).toEqual([]);
  });

  it('a hand-made grant on a partition after apply is drift, and reverted', async () => {
    await withPg(pgUrl(DB), (c) => c.query(`GRANT SELECT ON sales.payment_2024_02 TO ${DAVE}`));
    expect(await as(DAVE, 'SELECT * FROM sales.payment_2024_02')).toBe('ok');
    const [plan] = await client.plan(config());
    expect(plan!.driftCount).toBe(1);
    await client.applyConnection(CONN, {});
    expect(await as(DAVE, 'SELECT * FROM sales.payment_2024_02')).toMatch(/permission denied/);
  });
});
