/**
 * Revokes that do what they say (issue 7.1), on the real PostgreSQL, with Steward running as
 * the least-privilege account. A REVOKE removes only the ACL items its issuer granted, so a
 * grant made by the owner, by a superuser, or by a third role holding the grant option is
 * revoked as that grantor when the account may act as it (here: the third role, of which an
 * administrator made the account a member) and reported as blocked, with the reason,
 * otherwise — never run as a statement that succeeds and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import { freshLocalClient } from '../helpers/local-client.js';
import { pgAvailable, PG_URL } from '../helpers/databases.js';
import { asUser, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { ACCOUNT_PASSWORD, adviseAndGrant, dropEverything, freshAccount, runAdminScript } from '../helpers/pg-least-privilege.js';

const DB = 'pgt_grantors';
const CONN = 'pgt_grantors';
const PREFIX = `steward_${CONN}__`;
const ACCOUNT = 'pgt_gr_steward';
const OWNER = 'pgt_gr_owner';
/** A third role holding the grant option, which the account is a member of. */
const LEAD = 'pgt_gr_lead';
const [ALICE, X, Y, Z] = ['pgt_gr_alice', 'pgt_gr_x', 'pgt_gr_y', 'pgt_gr_z'];

const yaml = `
connections:
  ${CONN}:
    type: postgres
    url: \${GR_URL}
    databases: [${DB}]
    protect: [${CONN}/${DB}/shop/*]
users:
  alice: { groups: [readers], principals: { ${CONN}: ${ALICE} } }
policies:
  - { name: readers, type: subscription, access: read, to: { groups: [readers] }, on: { paths: ["${CONN}/${DB}/shop/orders"] } }
`;

describe.skipIf(!pgAvailable)('grants by other grantors, revoked as the grantor or reported as blocked', () => {
  let client: StewardClient;
  const config = () => parseConfig(yaml, 'steward.yaml', { GR_URL: pgUrl(DB, ACCOUNT, ACCOUNT_PASSWORD) });
  const reads = async (user: string, table = 'shop.orders') => asUser(DB, user, `SELECT * FROM ${table}`);

  beforeAll(async () => {
    await dropEverything([DB], PREFIX, []);
    await freshDatabase(DB, [ALICE, X, Y, Z], [OWNER, LEAD]);
    await freshAccount(ACCOUNT);
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`CREATE SCHEMA shop AUTHORIZATION ${OWNER}`);
      await c.query(`SET ROLE ${OWNER}`);
      await c.query('CREATE TABLE shop.orders (id int)');
      // Everyone may look into the schema (a container grant: not Steward's to revoke).
      await c.query('GRANT USAGE ON SCHEMA shop TO PUBLIC');
      await c.query('RESET ROLE');
      await c.query('CREATE TABLE shop.audit (id int)');
    });
    // The account as `connection check` advises it…
    await adviseAndGrant(CONN, ACCOUNT, DB, { databases: [DB], protect: [`${CONN}/${DB}/shop/*`] });
    // …and a member of the third role, so that it may revoke what that role granted.
    await withPg(PG_URL, (c) => c.query(`GRANT ${LEAD} TO ${ACCOUNT}`));
    // Grants made before Steward's first apply, by every kind of grantor.
    await withPg(pgUrl(DB), async (c) => {
      await c.query(`SET ROLE ${OWNER}`);
      await c.query(`GRANT SELECT ON shop.orders TO ${X}`);
      await c.query(`GRANT SELECT ON shop.orders TO ${LEAD} WITH GRANT OPTION`);
      await c.query(`SET ROLE ${LEAD}`);
      await c.query(`GRANT SELECT ON shop.orders TO ${Z}`);
      await c.query('RESET ROLE');
      // A superuser's GRANT on the owner's table is recorded as the owner's…
      await c.query(`GRANT UPDATE ON shop.orders TO ${Y}`);
      // …and on its own table as its own.
      await c.query(`GRANT SELECT ON shop.audit TO ${Y}`);
    });
    client = await freshLocalClient();
    await client.storeConfig(config());
  });

  afterAll(async () => {
    await client?.close();
    await dropEverything([DB], PREFIX, [ALICE, X, Y, Z, OWNER, LEAD, ACCOUNT]);
  });

  it('the grants are all there, as the fixture made them', async () => {
    const acl = await withPg(pgUrl(DB), (c) => c.query<{ relacl: string }>(`SELECT relacl::text FROM pg_class WHERE oid = 'shop.orders'::regclass`));
    expect(acl.rows[0]!.relacl).toContain(`${X}=r/${OWNER}`);
    expect(acl.rows[0]!.relacl).toContain(`${Y}=w/${OWNER}`);
    expect(acl.rows[0]!.relacl).toContain(`${Z}=r/${LEAD}`);
    for (const u of [X, Z]) expect(await reads(u)).toBe('ok');
    expect(await reads(Y, 'shop.audit')).toBe('ok');
  });

  it('check says which grantors the account cannot act as, and what an administrator must run', async () => {
    const report = await client.checkConnection(CONN);
    expect(report.enforcement.find((c) => c.what.startsWith('revoke earlier grants'))).toEqual({
      what: `revoke earlier grants on protected objects in "${DB}"`,
      ok: false,
      detail: `made by "${OWNER}" (3 grants), superuser "postgres" (1 grant), which Steward's account cannot act as: an administrator must revoke them (the SQL below), else every plan reports them as blocked; Steward revokes those made by "${LEAD}" as their grantor`,
    });
    expect(report.grantSql).toEqual([
      `-- in database "${DB}":`,
      `-- as role "${OWNER}", which granted what follows (Steward's account is not a member of it): only it can revoke its grants`,
      `SET ROLE "${OWNER}";`,
      // The third role holds the grant option: what it passed on goes too.
      `REVOKE SELECT ON TABLE "shop"."orders" FROM "${LEAD}" CASCADE;`,
      `REVOKE SELECT ON TABLE "shop"."orders" FROM "${X}";`,
      `REVOKE UPDATE ON TABLE "shop"."orders" FROM "${Y}";`,
      'RESET ROLE;',
      `-- as role "postgres", which granted what follows (a superuser): only it can revoke its grants`,
      'SET ROLE "postgres";',
      `REVOKE SELECT ON TABLE "shop"."audit" FROM "${Y}";`,
      'RESET ROLE;',
    ]);
  });

  it('one apply revokes what the account can (as the grantor) and reports the rest as blocked, with the reason', async () => {
    const [planned] = await client.plan(config());
    const asLead = planned!.statements.filter((s) => s.runAs !== undefined);
    expect(asLead.map((s) => [s.runAs, s.sql])).toEqual([[LEAD, `REVOKE SELECT ON TABLE "shop"."orders" FROM "${Z}"`]]);

    const r = await client.applyConnection(CONN, {});
    expect(r.status).toBe('applied');
    expect(r.results.every((x) => x.ok)).toBe(true);
    // Nothing that cannot work is run: no statement touches the blocked grantees.
    expect(r.results.map((x) => x.statement.sql).join('\n')).not.toMatch(new RegExp(`${X}|${Y}|FROM "${LEAD}"`));
    const blocked = r.plan.blocked.map((b) => ({ grantor: b.operation.kind === 'revoke' ? b.operation.grantor : null, grantees: b.operation.kind === 'revoke' ? b.operation.grantees : null, reason: b.reason }));
    expect(blocked).toEqual([
      {
        grantor: 'postgres',
        grantees: [{ kind: 'role', name: Y }],
        reason: '"postgres" is a superuser, and Steward\'s account never acts as a superuser; an administrator must run this as "postgres"',
      },
      {
        grantor: OWNER,
        grantees: [{ kind: 'role', name: LEAD }, { kind: 'role', name: X }],
        reason: `Steward's account is not a member of "${OWNER}"; an administrator must run this as "${OWNER}" (making the account a member would also give it every power of "${OWNER}")`,
      },
      {
        grantor: OWNER,
        grantees: [{ kind: 'role', name: Y }],
        reason: `Steward's account is not a member of "${OWNER}"; an administrator must run this as "${OWNER}" (making the account a member would also give it every power of "${OWNER}")`,
      },
    ]);
    // What was revoked is gone; what was blocked stays, as reported.
    expect(await reads(Z)).toMatch(/permission denied/);
    expect(await reads(X)).toBe('ok');
    expect(await asUser(DB, Y, 'UPDATE shop.orders SET id = 1')).toBe('ok');
    expect(await reads(Y, 'shop.audit')).toBe('ok');
    expect(await reads(ALICE)).toBe('ok');
  });

  it('the next plan shows only the blocked items, as blocked, not as operations to run', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.statements).toEqual([]);
    expect(plan!.blocked).toHaveLength(3);
  });

  it('the audit log records the blocked items of an apply, with their reasons', async () => {
    // The apply above ran statements: its write-ahead event carries what it could not do.
    const [plan] = await client.plan(config());
    const events = await client.audit({ connection: CONN });
    const applied = events.map((e) => e.details as { blocked?: { reason: string }[]; plannedStatements?: unknown[] } | null).find((d) => d?.plannedStatements !== undefined);
    expect(applied?.blocked).toHaveLength(3);
    expect(applied!.blocked!.map((b) => b.reason).sort()).toEqual(plan!.blocked.map((b) => b.reason).sort());
  });

  it('once an administrator runs what check prints, nothing is blocked and the access is exactly the policies\'', async () => {
    const report = await client.checkConnection(CONN);
    await runAdminScript(report.grantSql);
    for (const u of [X, Z]) expect(await reads(u)).toMatch(/permission denied/);
    expect(await asUser(DB, Y, 'UPDATE shop.orders SET id = 1')).toMatch(/permission denied/);
    expect(await reads(Y, 'shop.audit')).toMatch(/permission denied/);
    expect(await reads(ALICE)).toBe('ok');
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.blocked).toEqual([]);
  });
});
