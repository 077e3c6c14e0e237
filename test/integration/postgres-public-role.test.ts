/**
 * A real role named `PUBLIC` (issue 7.7) is a role, never the pseudo-role PUBLIC of everyone:
 * Steward grants it a membership, reads it back, revokes a hand-made grant to it and then the
 * membership — and the pseudo-role's grants stay exactly as they were, except on protected
 * tables, where PUBLIC's grant is revoked as the keyword. The same scenario on PGlite and on
 * the real PostgreSQL (there as the least-privilege account, a member of the role that made
 * the hand-made grants, so that it may revoke them).
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { PlatformType } from '../../src/domain/connection.js';
import type { Platform } from '../../src/platforms/platform.js';
import { createPgliteSession, postgresPlatform } from '../../src/platforms/postgres/index.js';
import { PLATFORMS } from '../../src/platforms/registry.js';
import { freshLocalClient } from '../helpers/local-client.js';
import { pgAvailable, PG_URL } from '../helpers/databases.js';
import { asUser, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';
import { ACCOUNT_PASSWORD, adviseAndGrant, dropEverything, freshAccount } from '../helpers/pg-least-privilege.js';

const CONN = 'pgt_pub';
const PREFIX = `steward_${CONN}__`;

interface Target {
  readonly database: string;
  readonly url: string;
  /** `sql` as `role`: 'ok' or the error message. */
  as(role: string, sql: string): Promise<string>;
  /** Run statements as the role that holds the grant option and makes the hand-made grants. */
  asGranter(sql: string): Promise<void>;
}

const yaml = (database: string, url: string, groups: string) => `
connections:
  ${CONN}:
    type: postgres
    url: ${url}
    databases: [${database}]
    protect: [${CONN}/${database}/shop/*]
    ignoreGrantees: [pgt_pub_granter]
users:
  pub: { groups: ${groups}, principals: { ${CONN}: PUBLIC } }
  other: { groups: [readers], principals: { ${CONN}: pgt_pub_other } }
policies:
  - { name: readers, type: subscription, access: read, to: { groups: [readers] }, on: { paths: ["${CONN}/${database}/shop/*"] } }
`;

function scenario(name: string, setup: () => Promise<{ target: Target; client: StewardClient; close(): Promise<void> }>): void {
  describe(`a role named PUBLIC on ${name}`, () => {
    let target: Target;
    let client: StewardClient;
    let close: (() => Promise<void>) | undefined;
    const config = (groups: string) => parseConfig(yaml(target.database, target.url, groups), 'steward.yaml', {});
    const apply = async (groups: string) => {
      await client.storeConfig(config(groups));
      return client.applyConnection(CONN, {});
    };

    beforeAll(async () => {
      ({ target, client, close } = await setup());
      await target.asGranter('GRANT SELECT ON shop.t TO "PUBLIC"; GRANT SELECT ON shop.t TO PUBLIC');
    });
    afterAll(async () => {
      await close?.();
    });

    it('before: the role "PUBLIC" and everyone (PUBLIC) read the protected table by hand-made grants', async () => {
      expect(await target.as('"PUBLIC"', 'SELECT * FROM shop.t')).toBe('ok');
      expect(await target.as('pgt_pub_nobody', 'SELECT * FROM shop.t')).toBe('ok');
    });

    it('plan tells them apart: the role is a quoted name, the pseudo-role the keyword', async () => {
      const [plan] = await client.plan(config('[readers]'));
      const sql = plan!.statements.map((s) => s.sql);
      expect(sql).toContainEqual(expect.stringMatching(/^REVOKE SELECT ON TABLE "shop"\."t" FROM (PUBLIC, "PUBLIC"|"PUBLIC", PUBLIC)$/));
      // The policy reaches the group's users through the group's role.
      expect(sql).toContainEqual('GRANT "steward_pgt_pub__readers_r" TO "steward_pgt_pub__g_readers"');
      expect(sql).toContainEqual(expect.stringMatching(/^GRANT "steward_pgt_pub__g_readers" TO "PUBLIC", "pgt_pub_other"$/));
      expect(plan!.blocked).toEqual([]);
    });

    it('apply: "PUBLIC" reads through its membership, nobody else by PUBLIC; grants elsewhere untouched', async () => {
      const r = await apply('[readers]');
      expect(r.status).toBe('applied');
      expect(r.results.every((x) => x.ok)).toBe(true);
      expect(await target.as('"PUBLIC"', 'SELECT * FROM shop.t')).toBe('ok');
      expect(await target.as('pgt_pub_nobody', 'SELECT * FROM shop.t')).toMatch(/permission denied/);
      expect(await target.as('pgt_pub_nobody', 'SELECT * FROM public.free')).toBe('ok');
    });

    it('reads the membership back: the next plan is empty', async () => {
      const [plan] = await client.plan(config('[readers]'));
      expect(plan!.operations).toEqual([]);
    });

    it('revokes the membership from "PUBLIC" alone; PUBLIC\'s grants elsewhere stay', async () => {
      const [plan] = await client.plan(config('[]'));
      expect(plan!.statements.map((s) => s.sql)).toEqual(['REVOKE "steward_pgt_pub__g_readers" FROM "PUBLIC"']);
      await apply('[]');
      expect(await target.as('"PUBLIC"', 'SELECT * FROM shop.t')).toMatch(/permission denied/);
      expect(await target.as('pgt_pub_other', 'SELECT * FROM shop.t')).toBe('ok');
      expect(await target.as('pgt_pub_nobody', 'SELECT * FROM public.free')).toBe('ok');
      const [after] = await client.plan(config('[]'));
      expect(after!.operations).toEqual([]);
    });
  });
}

/** The fixture: a protected table, an unprotected one PUBLIC reads, a role named PUBLIC. */
const FIXTURE = [
  'CREATE ROLE pgt_pub_owner NOLOGIN',
  'CREATE ROLE pgt_pub_granter NOLOGIN',
  'CREATE SCHEMA shop AUTHORIZATION pgt_pub_owner',
  'SET ROLE pgt_pub_owner',
  'CREATE TABLE shop.t (id int)',
  // Everyone may look into the schema (a container grant: not Steward's to revoke).
  'GRANT USAGE ON SCHEMA shop TO PUBLIC',
  'GRANT SELECT ON shop.t TO pgt_pub_granter WITH GRANT OPTION',
  'RESET ROLE',
  'CREATE TABLE public.free (id int)',
  'GRANT SELECT ON public.free TO PUBLIC',
];

scenario('PGlite', async () => {
  const db = new PGlite();
  await db.exec(`CREATE ROLE "PUBLIC"; CREATE ROLE pgt_pub_other; CREATE ROLE pgt_pub_nobody;`);
  for (const s of FIXTURE) await db.exec(s);
  const lite: Platform = { ...postgresPlatform, connect: async (spec) => createPgliteSession(db, { options: spec.options, connectionName: spec.name }) };
  const platforms: Record<PlatformType, Platform> = { ...PLATFORMS, postgres: lite };
  const client = await freshLocalClient(platforms);
  const as = async (role: string, sql: string): Promise<string> => {
    try {
      await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${role}`);
        await tx.query(sql);
      });
      return 'ok';
    } catch (err) {
      return (err as Error).message;
    }
  };
  return {
    client,
    async close() {
      await client.close();
      await db.close();
    },
    target: {
      database: 'postgres',
      url: 'postgres://steward@pglite.invalid/postgres',
      as,
      asGranter: async (sql) => void (await db.exec(`SET ROLE pgt_pub_granter; ${sql}; RESET ROLE`)),
    },
  };
});

describe.skipIf(!pgAvailable)('on the real PostgreSQL', () => {
  const DB = 'pgt_pub';
  const ACCOUNT = 'pgt_pub_steward';
  const LOGINS = ['pgt_pub_other', 'pgt_pub_nobody'];
  let createdPublic = false;

  afterAll(async () => {
    await dropEverything([DB], PREFIX, [...LOGINS, 'pgt_pub_owner', 'pgt_pub_granter', ACCOUNT]);
    if (createdPublic) await withPg(PG_URL, (c) => c.query('DROP ROLE IF EXISTS "PUBLIC"'));
  });

  scenario('PostgreSQL', async () => {
    await dropEverything([DB], PREFIX, ['pgt_pub_owner', 'pgt_pub_granter']);
    await freshDatabase(DB, LOGINS);
    await freshAccount(ACCOUNT);
    await withPg(PG_URL, async (c) => {
      // The role "PUBLIC" is cluster-wide: made here only if absent, and dropped only then.
      if ((await c.query(`SELECT 1 FROM pg_roles WHERE rolname = 'PUBLIC'`)).rowCount === 0) {
        await c.query(`CREATE ROLE "PUBLIC" LOGIN PASSWORD 'pw'`);
        createdPublic = true;
      }
    });
    await withPg(pgUrl(DB), async (c) => {
      for (const s of FIXTURE) await c.query(s);
    });
    await adviseAndGrant(CONN, ACCOUNT, DB, { databases: [DB], protect: [`${CONN}/${DB}/shop/*`], ignoreGrantees: ['pgt_pub_granter'] });
    // The hand-made grants are made by the granter, which the account may act as.
    await withPg(PG_URL, (c) => c.query(`GRANT pgt_pub_granter TO ${ACCOUNT}`));
    const client = await freshLocalClient();
    return {
      client,
      close: () => client.close(),
      target: {
        database: DB,
        url: pgUrl(DB, ACCOUNT, ACCOUNT_PASSWORD),
        as: (role, sql) => asUser(DB, role.replaceAll('"', ''), sql),
        asGranter: (sql) => withPg(pgUrl(DB), async (c) => void (await c.query(`SET ROLE pgt_pub_granter; ${sql}; RESET ROLE`))),
      },
    };
  });
});
