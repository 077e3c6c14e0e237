/**
 * The hash salt of a connection (`views.hashSalt`) at rest: sealed with the store's master key
 * like the URL, never in what the API, lists or the audit log show (`***`), opened to the same
 * value by a restarted Steward (masks stay stable), refused under another key; a salt stored in
 * the clear by an older version is sealed when the store is opened. Embedded store only.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { connectionsRepo } from '../../src/store/connections-repo.js';
import { migrate } from '../../src/store/migrations.js';

const SALT = `salt-${randomBytes(8).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'dp2-salt-'));
const key = randomBytes(32);
const input = { name: 'dp2_salted', type: 'postgres', url: 'postgres://sys:pw@127.0.0.1:1/shop', options: { views: { hashSalt: SALT } } };

async function open(masterKey: Buffer): Promise<Services> {
  const db = await openPglite(dir);
  await migrate(db);
  return createServices({ db, masterKey });
}

describe('hash salts at rest', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is sealed in the store, shown as *** everywhere, and opened for planning', async () => {
    const s = await open(key);
    try {
      const client = createLocalClient(s, 'test');
      await s.connections.add(input, 'test', { verify: false });
      const raw = JSON.stringify(await s.db.query('SELECT * FROM connections'));
      expect(raw).not.toContain(SALT);
      expect(raw).toContain('hashSaltSealed');
      expect((await client.getConnection(input.name)).options.views?.hashSalt).toBe('***');
      expect((await client.listConnections())[0]!.options.views?.hashSalt).toBe('***');
      const audit = JSON.stringify(await s.audit.list({}));
      expect(audit).toContain('connection.add');
      expect(audit).not.toContain(SALT);
      expect((await s.connections.spec(input.name)).spec.options.views?.hashSalt).toBe(SALT);
      // A file declaring the same options takes the connection over (source file) and keeps the
      // sealed salt as stored; storing it again changes nothing.
      const before = JSON.stringify(await s.db.query('SELECT options FROM connections'));
      expect(await s.db.transaction((tx) => s.connections.upsert(input, 'test', tx, { verify: false }))).toBe('updated');
      expect(JSON.stringify(await s.db.query('SELECT options FROM connections'))).toBe(before);
      expect(await s.db.transaction((tx) => s.connections.upsert(input, 'test', tx, { verify: false }))).toBe('unchanged');
      expect(JSON.stringify(await s.db.query('SELECT options FROM connections'))).toBe(before);
    } finally {
      await s.close();
    }
  });

  it('a restarted Steward with the same key opens the same salt (masks stay stable); another key cannot', async () => {
    const again = await open(key);
    try {
      expect((await again.connections.spec(input.name)).spec.options.views?.hashSalt).toBe(SALT);
    } finally {
      await again.close();
    }
    const other = await open(randomBytes(32));
    try {
      await expect(other.connections.spec(input.name)).rejects.toThrow(/cannot decrypt/);
    } finally {
      await other.close();
    }
  });

  it('seals a salt an older version stored in the clear', async () => {
    const s = await open(key);
    try {
      const legacy = 'legacy-salt-in-clear';
      await s.connections.add({ ...input, name: 'dp2_legacy', options: {} }, 'test', { verify: false });
      // What an older version stored: the salt in the clear among the options.
      await connectionsRepo.setOptions(s.db, 'dp2_legacy', { ...DEFAULT_OPTIONS, rolePrefix: 'steward_dp2_legacy__', views: { hashSalt: legacy } });
      expect((await s.connections.get('dp2_legacy')).options.views?.hashSalt).toBe('***');
      expect(await s.connections.sealStoredSalts()).toBe(1);
      expect(JSON.stringify(await s.db.query('SELECT options FROM connections'))).not.toContain(legacy);
      expect((await s.connections.spec('dp2_legacy')).spec.options.views?.hashSalt).toBe(legacy);
      expect(await s.connections.sealStoredSalts()).toBe(0);
    } finally {
      await s.close();
    }
  });
  it("a hash mask's own salt is sealed too, *** in policy lists, answers and the audit log, kept when the shown policy is put back", async () => {
    const s = await open(key);
    try {
      const salt = `policy-${SALT}`;
      const policy = { name: 'dp2-hash', type: 'mask', on: { columns: ['dp2_salted/shop/public/t/c'] }, mask: { hash: { salt } } };
      const shown = await s.identities.putPolicy(policy, 'test');
      expect(JSON.stringify(shown)).not.toContain(salt);
      expect(JSON.stringify(await s.db.query('SELECT spec FROM policies'))).not.toContain(salt);
      expect(JSON.stringify(await s.identities.listPolicies())).not.toContain(salt);
      expect((await s.identities.getPolicy('dp2-hash')).policy).toMatchObject({ mask: { hash: { salt: '***' } } });
      expect(JSON.stringify(await s.audit.list({}))).not.toContain(salt);
      const model = await s.config.loadModel();
      expect(model.policies.find((p) => p.name === 'dp2-hash')).toMatchObject({ mask: { hash: { salt } } });
      // What `policy get` shows, put back unchanged, keeps the salt.
      await s.identities.putPolicy((await s.identities.getPolicy('dp2-hash')).policy, 'test');
      expect((await s.config.loadModel()).policies.find((p) => p.name === 'dp2-hash')).toMatchObject({ mask: { hash: { salt } } });
    } finally {
      await s.close();
    }
  });
});
