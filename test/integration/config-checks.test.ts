/**
 * A configuration checked whole, the cases that are not errors: warnings returned, printed and
 * recorded; a file without connections planning every registered one; an empty file only
 * with --allow-empty; a guardrail that selects nothing after the first sync stopping the apply
 * (fail closed, felt as the user); stored users whose login a template makes invalid getting
 * nothing, with a warning. PGlite as the governed database, so it runs everywhere.
 */
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { StewardError } from '../../src/domain/errors.js';
import { BASE_CONFIG, ENV, seededStore, type SeededStore } from '../faults/helpers/config-store.js';

type Store = SeededStore & { readonly target: PGlite };

/** One seeded store per describe block (each takes seconds to make); tests run in order. */
function useStore(opts: Parameters<typeof seededStore>[0]): () => Store {
  let store: Store | null = null;
  beforeAll(async () => {
    store = await seededStore(opts);
  });
  afterAll(async () => {
    await store?.close();
  });
  return () => store!;
}

const cfg = (text: string, opts: { allowEmpty?: boolean } = {}) => parseConfig(text, 'steward.yaml', ENV, opts);

async function as(target: PGlite, role: string, sql: string): Promise<string> {
  try {
    await target.transaction(async (tx) => {
      await tx.query(`SET LOCAL ROLE ${role}`);
      await tx.query(sql);
    });
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('configuration checks that are not errors', () => {
  const get = useStore({});

  it('warns about what may match later, with file, line and field, and records the warnings', async () => {
    const store = get();
    const text = `groups: [analysts]
users:
  alice: { groups: [analysts] }
tags:
  lite/postgres/shop/invoices: [billing]
  later/shop/orders: [sales]
policies:
  - { name: analysts-read-billing, type: subscription, access: read, to: { groups: [analysts] }, on: { tags: [billing] } }
  - { name: analysts-read-new, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [lite/postgres/shop/new_*] } }
  - { name: analysts-read-later, type: subscription, access: read, to: { groups: [analysts] }, on: { tags: [sales] } }
`;
    const r = await store.services.config.store(cfg(text), 'test');
    expect(r.warnings).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: 'steward.yaml', line: 8, field: 'policies[0].on', connection: 'lite', message: 'policy "analysts-read-billing" selects no object on connection "lite" yet' }),
      expect.objectContaining({ file: 'steward.yaml', line: 9, field: 'policies[1].on', connection: 'lite', message: 'policy "analysts-read-new" selects no object on connection "lite" yet' }),
      expect.objectContaining({ file: 'steward.yaml', line: 5, field: 'tags["lite/postgres/shop/invoices"]', connection: 'lite', message: expect.stringMatching(/names no object in the synced catalog of "lite"/) }),
      expect.objectContaining({ connection: 'later', message: expect.stringMatching(/connection "later" has not been synced yet/) }),
    ]));
    for (const w of r.warnings) expect(w.hint).toMatch(/\w/);
    const [event] = await store.services.audit.list({ action: 'config.store', limit: 1 });
    expect(event!.summary).toMatch(/\d+ warnings$/);
    expect((event!.details as { warnings: unknown[] }).warnings).toEqual(r.warnings);
  });

  it('a file with connections warns about registered connections it leaves out', async () => {
    const store = get();
    const r = await store.services.config.preview(cfg(`connections:
  lite: { type: postgres, url: "\${LITE_URL}", protect: [lite/postgres/shop] }
groups: [analysts]
`));
    expect(r.enforce).toEqual(['lite']);
    expect(r.warnings).toContainEqual(expect.objectContaining({ connection: 'later', message: expect.stringMatching(/"later" is registered but not in this configuration/) }));
  });

  it('an empty file is refused, and with --allow-empty it removes what files declared (with a warning), not what the API made', async () => {
    const store = get();
    expect(() => cfg('# nothing here\n')).toThrow(/steward\.yaml:1: \(top level\): the configuration is empty/);
    const r = await store.services.config.store(cfg('# nothing here\n', { allowEmpty: true }), 'test');
    expect(r.warnings).toEqual([expect.objectContaining({ message: expect.stringMatching(/declares no users, groups, tags or policies: storing it removes the \d+ that came from a file/) })]);
    expect((await store.services.identities.listUsers()).map((u) => u.name)).toEqual(['carol']);
    expect(await store.services.identities.listPolicies()).toEqual([]);
    expect((await store.services.identities.listTags()).map((t) => t.tag)).toEqual(['crm']);
  });
});

describe('a file without connections', () => {
  const get = useStore({ later: false, content: false });

  it('a file without connections plans every registered connection, never "no changes" with changes pending', async () => {
    const store = get();
    const plans = await store.client.plan(cfg(`users:
  alice: { groups: [analysts] }
policies:
  - { name: analysts-read, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [lite/postgres/shop/orders] } }
`));
    expect(plans.map((p) => p.connection)).toEqual(['lite']);
    expect(plans[0]!.statements.map((s) => s.sql)).toContainEqual(expect.stringMatching(/^GRANT SELECT ON TABLE "shop"\."orders" TO /));
    const stored = await store.client.storeConfig(cfg('users:\n  alice: { groups: [analysts] }\n'));
    expect(stored.enforce).toEqual(['lite']);
  });
});

describe('a guardrail that selects nothing never widens access', () => {
  const text = (guardPath: string) => `groups: [analysts, hr]
users:
  alice: { groups: [analysts] }
policies:
  - { name: analysts-read-shop, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [lite/postgres/shop/*] } }
  - { name: orders-only-hr, type: guardrail, to: { groups: [hr] }, on: { paths: [${guardPath}] } }
`;

  describe('on a synced connection', () => {
    const get = useStore({ later: false, content: false });

    it('it is refused before storing', async () => {
      const store = get();
      await expect(store.services.config.store(cfg(text('lite/postgres/shop/ordres')), 'test')).rejects.toThrow(/steward\.yaml:6: policies\[1\]\.on: guardrail "orders-only-hr" selects no object on connection "lite"/);
    });
  });

  describe('on a connection not synced yet', () => {
    const get = useStore({ sync: false, later: false, content: false });

    it('it is a warning, and the apply after the first sync refuses that connection: nothing is granted', async () => {
      const store = get();
      const stored = await store.client.storeConfig(cfg(text('lite/postgres/shop/ordres')));
      expect(stored.warnings).toContainEqual(expect.objectContaining({ connection: 'lite', message: expect.stringMatching(/has not been synced yet/) }));
      const err = await store.client.applyConnection('lite', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StewardError);
      expect(err).toMatchObject({ code: 'unsafe_plan', message: expect.stringMatching(/guardrail "orders-only-hr" selects no object on connection "lite": not enforcing there/) });
      expect(await as(store.target, 'alice', 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
      expect(await as(store.target, 'alice', 'SELECT * FROM shop.customers')).toMatch(/permission denied/);
      // Fixed, it enforces: alice reads customers, and orders only through hr (which she is not in).
      await store.client.storeConfig(cfg(text('lite/postgres/shop/orders')));
      expect((await store.client.applyConnection('lite', {})).status).toBe('applied');
      expect(await as(store.target, 'alice', 'SELECT * FROM shop.customers')).toBe('ok');
      expect(await as(store.target, 'alice', 'SELECT * FROM shop.orders')).toMatch(/permission denied/);
    });
  });
});

describe('logins per platform', () => {
  const get = useStore({});

  it('user put refuses a login the platform would refuse or alter, naming the user', async () => {
    const store = get();
    const put = (principals: Record<string, string>, name = 'dave') => store.services.identities.putUser({ name, email: null, groups: [], attributes: {}, principals }, 'test');
    await expect(put({ lite: 'pg_dave' })).rejects.toThrow(/^users\.dave\.principals\.lite: user "dave" on connection "lite": login "pg_dave" starts with "pg_"/);
    await expect(put({ lite: 'd'.repeat(64) })).rejects.toThrow(/user "dave" on connection "lite": login "d{64}" is 64 bytes long/);
    await expect(put({ later: 'dave ' })).rejects.toThrow(/user "dave" on connection "later": login "dave " ends with a space, which MariaDB drops/);
    await expect(put({ later: 'dave\u{1F600}' })).rejects.toThrow(/outside the Basic Multilingual Plane/);
    await expect(put({}, 'é'.repeat(32))).rejects.toThrow(/is 64 bytes long; PostgreSQL .*\(from the principal template "\{user\}"\)/);
    await expect(put({ lite: 'alice' })).rejects.toThrow(/users "alice" and "dave" both map to login "alice" on connection "lite"/);
    await expect(put({ nowhere: 'dave' })).rejects.toThrow(/no connection "nowhere"/);
    expect((await store.services.identities.listUsers()).map((u) => u.name)).not.toContain('dave');
    await put({ lite: 'dave', later: 'dave' });
  });

  it('a stored user whose login a new template makes invalid gets nothing there, and the plan says so', async () => {
    const store = get();
    const long = 'u'.repeat(58);
    await store.target.exec(`CREATE ROLE ${long} LOGIN`);
    await store.services.identities.putUser({ name: long, email: null, groups: ['analysts'], attributes: {}, principals: {} }, 'test');
    const text = (template: string) => `connections:
  lite: { type: postgres, url: "\${LITE_URL}", protect: [lite/postgres/shop], principalTemplate: "${template}" }
policies:
  - { name: analysts-read, type: subscription, access: read, to: { groups: [analysts] }, on: { paths: [lite/postgres/shop/orders] } }
`;
    const plans = await store.client.plan(cfg(text('{user}_login')));
    expect(plans[0]!.warnings).toContainEqual(expect.objectContaining({
      connection: 'lite',
      field: `users.${long}`,
      message: `user "${long}" gets nothing on connection "lite": login "${long}_login" is 64 bytes long; PostgreSQL login names are at most 63 bytes (longer ones are cut or refused) (from the principal template "{user}_login")`,
    }));
    expect(plans[0]!.statements.map((s) => s.sql).join('\n')).not.toContain('_login');
    await store.client.storeConfig(cfg(text('{user}_login')));
    expect((await store.client.applyConnection('lite', {})).status).toBe('applied');
    const explained = await store.services.access.explain(long, 'lite/postgres/shop/orders');
    expect(explained).toMatchObject({ privileges: [], reasons: ['invalid_principal'] });
    const roles = await store.target.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE '%_login%'`);
    expect(roles.rows).toEqual([]);
  });
});

describe('storing the same file again', () => {
  const get = useStore({});
  const SALTED = `${BASE_CONFIG}  - { name: hash-emails, type: mask, on: { columns: [lite/postgres/shop/customers/email] }, mask: { hash: { salt: "pepper-${'x'.repeat(8)}" } } }
`;

  it('writes nothing and records no config.store event, whatever the order of keys and lists', async () => {
    const store = get();
    const first = await store.services.config.store(cfg(SALTED), 'test');
    expect(first.unchanged).toBe(false);
    const before = await store.snapshot();
    // The same content, written differently: lists and keys in another order.
    const reordered = SALTED.replace('groups: [analysts, hr]', 'groups: [hr, analysts]').replace(
      'alice: { groups: [analysts], attributes: { region: [eu] } }',
      'alice: { attributes: { region: [eu] }, groups: [analysts] }',
    );
    expect(reordered).not.toBe(SALTED);
    const again = await store.services.config.store(cfg(reordered), 'test');
    expect(again.unchanged).toBe(true);
    expect(again.policies).toBe(first.policies);
    expect(await store.snapshot()).toBe(before);
  });

  it.each([
    ['a user attribute', (t: string) => t.replace('region: [eu]', 'region: [us]')],
    ['a user\'s groups', (t: string) => t.replace('bob: { groups: [hr] }', 'bob: { groups: [hr, analysts] }')],
    ['a new user', (t: string) => t.replace('users:\n', 'users:\n  dave: { groups: [hr] }\n')],
    ['a tag', (t: string) => t.replace('orders: [sales]', 'orders: [sales, finance]')],
    ['a policy', (t: string) => t.replace('access: read, to: { groups: [analysts] }, on: { tags: [sales] }', 'access: write, to: { groups: [analysts] }, on: { tags: [sales] }')],
    ['a hash salt', (t: string) => t.replace('pepper-', 'salt-')],
    ['a declared group', (t: string) => t.replace('groups: [analysts, hr]', 'groups: [analysts, hr, auditors2]')],
  ])('stores a file that changes %s', async (_what, edit) => {
    const store = get();
    await store.services.config.store(cfg(SALTED), 'test');
    const content = async () => JSON.stringify([await store.services.identities.listUsers(), await store.services.identities.listGroups(), (await store.services.config.loadModel()).policies, await store.services.identities.listTags()]);
    const before = await content();
    const changed = edit(SALTED);
    expect(changed).not.toBe(SALTED);
    const r = await store.services.config.store(cfg(changed), 'test');
    expect(r.unchanged).toBe(false);
    // What changed was written (salts compared opened).
    expect(await content()).not.toBe(before);
    const [event] = await store.services.audit.list({ action: 'config.store', limit: 1 });
    expect(event!.outcome).toBe('ok');
    // And back: a change again, not "unchanged", and the store as it was.
    expect((await store.services.config.store(cfg(SALTED), 'test')).unchanged).toBe(false);
    expect(await content()).toBe(before);
  });

  it('takes over a user the API made under the same name (source file), then is unchanged', async () => {
    const store = get();
    await store.services.config.store(cfg(SALTED), 'test');
    await store.services.identities.putUser({ name: 'alice', email: null, groups: ['analysts'], attributes: { region: ['eu'] }, principals: {} }, 'api-user');
    expect((await store.services.config.store(cfg(SALTED), 'test')).unchanged).toBe(false);
    expect((await store.services.config.store(cfg(SALTED), 'test')).unchanged).toBe(true);
  });
});

describe('storing a changed file', () => {
  const get = useStore({});
  const MANY = BASE_CONFIG.replace('users:\n', `users:\n${Array.from({ length: 30 }, (_v, i) => `  u${i}: { email: u${i}@example.com, groups: [analysts] }\n`).join('')}`);

  /** Each stored row (of what a file writes) and its version: a row written again gets a new one. */
  async function rowVersions(): Promise<Map<string, string>> {
    const rows = await get().services.db.query<{ k: string; v: string }>(
      `SELECT 'user ' || name AS k, ctid::text || xmin::text AS v FROM users
       UNION ALL SELECT 'group ' || name, ctid::text || xmin::text FROM groups
       UNION ALL SELECT 'member ' || user_name || ' ' || group_name, ctid::text || xmin::text FROM user_groups
       UNION ALL SELECT 'principal ' || user_name || ' ' || connection, ctid::text || xmin::text FROM principals
       UNION ALL SELECT 'tag ' || connection || ' ' || path || ' ' || tag, ctid::text || xmin::text FROM tags
       UNION ALL SELECT 'policy ' || name, ctid::text || xmin::text FROM policies`,
    );
    return new Map(rows.map((r) => [r.k, r.v]));
  }
  const changedRows = (before: Map<string, string>, after: Map<string, string>): string[] =>
    [...new Set([...before.keys(), ...after.keys()])].filter((k) => before.get(k) !== after.get(k)).sort();

  it('writes only the rows that change, and records what changed', async () => {
    const store = get();
    await store.services.config.store(cfg(MANY), 'test');
    expect((await store.services.config.store(cfg(MANY), 'test')).unchanged).toBe(true);
    const before = await rowVersions();
    const changed = MANY.replace('u3@example.com', 'u3@example.org')
      .replace('u7: { email: u7@example.com, groups: [analysts] }', 'u7: { email: u7@example.com, groups: [analysts, hr] }')
      .replace('  u9: { email: u9@example.com, groups: [analysts] }\n', '')
      .replace('orders: [sales]', 'orders: [sales, finance]');
    const r = await store.services.config.store(cfg(changed), 'test');
    expect(r.unchanged).toBe(false);
    expect(changedRows(before, await rowVersions())).toEqual([
      'member u7 hr',
      'member u9 analysts',
      'tag lite postgres/shop/orders finance',
      'user u3',
      'user u9',
    ]);
    const [event] = await store.services.audit.list({ action: 'config.store', limit: 1 });
    expect(event!.summary).toBe('31 users, 2 groups, 2 policies, 3 tags (changed: users: 2 updated, 1 removed; tags: 1 added)');
    expect((event!.details as { changed: unknown }).changed).toMatchObject({
      users: { added: { count: 0 }, updated: { count: 2, names: ['u3', 'u7'] }, removed: { count: 1, names: ['u9'] } },
      groups: { added: { count: 0 }, removed: { count: 0 } },
      policies: { added: { count: 0 }, updated: { count: 0 }, removed: { count: 0 } },
      tags: { added: { count: 1, names: ['lite/postgres/shop/orders: finance'] }, removed: { count: 0 } },
    });
    // The store holds what writing everything again would hold.
    const content = async () => JSON.stringify([await store.services.identities.listUsers(), await store.services.identities.listGroups(), (await store.services.config.loadModel()).policies, await store.services.identities.listTags()]);
    const stored = await content();
    expect((await store.services.config.store(cfg(changed), 'test')).unchanged).toBe(true);
    expect(await content()).toBe(stored);
  });

  it('removes what the file no longer declares, and records it: a policy, a tag, a group left without members', async () => {
    const store = get();
    const text = MANY.replace('groups: [analysts, hr]', 'groups: [analysts, hr, interns]');
    await store.services.config.store(cfg(text), 'test');
    const r = await store.services.config.store(
      cfg(MANY.replace('  lite/postgres/shop/orders: [sales]\n', '').replace(/ {2}- \{ name: analysts-read-sales[^\n]*\n/, '').replace('users:\n', 'users:\n  dave: { groups: [newcomers] }\n')),
      'test',
    );
    expect(r.unchanged).toBe(false);
    const [event] = await store.services.audit.list({ action: 'config.store', limit: 1 });
    expect((event!.details as { changed: unknown }).changed).toMatchObject({
      users: { added: { count: 1, names: ['dave'] } },
      groups: { added: { count: 1, names: ['newcomers'] }, removed: { count: 1, names: ['interns'] } },
      policies: { removed: { count: 1, names: ['analysts-read-sales'] } },
      tags: { removed: { count: 1, names: ['lite/postgres/shop/orders: sales'] } },
    });
    const groups = (await store.services.identities.listGroups()).map((g) => g.name);
    expect(groups).toContain('newcomers');
    expect(groups).not.toContain('interns');
    expect((await store.services.config.loadModel()).policies.map((p) => p.name)).not.toContain('analysts-read-sales');
  });
});

describe('storing right after a preview', () => {
  const get = useStore({});
  const revision = async (): Promise<number> => Number((await get().services.db.query<{ n: string }>('SELECT n::text AS n FROM model_revision'))[0]!.n);

  it('every write of what a check reads moves the model revision; reads do not', async () => {
    const store = get();
    const s = store.services;
    let last = await revision();
    const moved = async (): Promise<boolean> => {
      const now = await revision();
      const did = now > last;
      last = now;
      return did;
    };
    // The seeded store holds the base file already: storing it again writes nothing.
    await s.config.store(cfg(BASE_CONFIG), 'test');
    expect(await moved()).toBe(false);
    await s.config.preview(cfg(BASE_CONFIG), { forStore: true });
    await s.config.loadModel();
    expect(await moved()).toBe(false);
    await s.identities.putUser({ name: 'rev-erin', email: null, groups: ['analysts'], attributes: {}, principals: {} }, 'api-user');
    expect(await moved()).toBe(true);
    await s.db.query(`UPDATE user_groups SET group_name = group_name WHERE user_name = 'rev-erin'`);
    expect(await moved()).toBe(true);
    await s.db.query(`UPDATE tags SET tag = tag WHERE false`);
    expect(await moved()).toBe(true);
    await s.db.query(`UPDATE policies SET spec = spec WHERE false`);
    expect(await moved()).toBe(true);
    await s.db.query(`UPDATE connections SET options = options WHERE false`);
    expect(await moved()).toBe(true);
    await s.db.query(`UPDATE principals SET principal = principal WHERE false`);
    expect(await moved()).toBe(true);
    await s.db.query(`UPDATE groups SET source = source WHERE false`);
    expect(await moved()).toBe(true);
  });

  it('reuses the preview\'s check while the revision stands, and checks again once it moved', async () => {
    const store = get();
    const s = store.services;
    await s.config.store(cfg(BASE_CONFIG), 'test');
    const withCarol = BASE_CONFIG.replace('users:\n', 'users:\n  rev-carol: { groups: [hr] }\n');
    const preview = await s.config.preview(cfg(withCarol), { forStore: true });
    expect(preview.basis?.changes.none).toBe(false);
    expect(preview.basis?.changes.users.added).toEqual(['rev-carol']);
    // Nothing written since: storing takes the preview's word. A basis claiming "no change"
    // at the current revision is believed (which is how one can tell it was reused)…
    const claimed = { ...preview.basis!, changes: { ...preview.basis!.changes, none: true } };
    expect((await s.config.store(cfg(withCarol), 'test', { basis: claimed })).unchanged).toBe(true);
    expect((await s.identities.listUsers()).map((u) => u.name)).not.toContain('rev-carol');
    // …and the real one stores carol.
    expect((await s.config.store(cfg(withCarol), 'test', { basis: preview.basis! })).unchanged).toBe(false);
    expect((await s.identities.listUsers()).map((u) => u.name)).toContain('rev-carol');
    // Storing moved the revision: the same (now stale) basis is not reused, the file is checked
    // again and found stored already.
    const again = await s.config.store(cfg(withCarol), 'test', { basis: preview.basis! });
    expect(again.unchanged).toBe(true);
    // A change made over the API between preview and store is seen too.
    const next = await s.config.preview(cfg(withCarol), { forStore: true });
    expect(next.basis?.changes.none).toBe(true);
    await s.identities.putUser({ name: 'rev-carol', email: 'carol@example.com', groups: ['hr'], attributes: {}, principals: {} }, 'api-user');
    const taken = await s.config.store(cfg(withCarol), 'test', { basis: next.basis! });
    expect(taken.unchanged).toBe(false);
    expect((await s.identities.listUsers()).find((u) => u.name === 'rev-carol')?.email ?? null).toBeNull();
  });
});
