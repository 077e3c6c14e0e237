/**
 * Fault suite: broken configuration. Every file of fixtures/broken-config/ (and a few made at
 * run time: too large, a huge name, many errors at once) is refused with the file, line,
 * field and a hint, and leaves the store exactly as it was — through the service for all of
 * them, through `plan` too, and through the real CLI process for a sample.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile, MAX_CONFIG_BYTES, parseConfig } from '../../src/config/load-config.js';
import { StewardError } from '../../src/domain/errors.js';
import { openServices } from '../../src/services/container.js';
import { EXPECTED, type Expected } from './broken-config.expected.js';
import { BASE_CONFIG, ENV, seededStore, snapshotOf, type SeededStore } from './helpers/config-store.js';

const DIR = new URL('./fixtures/broken-config/', import.meta.url).pathname;
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();

async function refusal(fn: () => Promise<unknown>): Promise<StewardError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof StewardError) return err;
    throw err;
  }
  throw new Error('expected the configuration to be refused');
}

/** The error names the file, the line and the field, says what is wrong, and has a hint. */
function expectNamed(err: StewardError, file: string, e: Expected): void {
  expect(err.code).toBe('invalid_input');
  const where = e.line === null ? file : `${file}:${e.line}`;
  expect(err.message.startsWith(`${where}: ${e.field}: `), `${err.message}\n  should start with: ${where}: ${e.field}: `).toBe(true);
  expect(err.message).toMatch(e.message);
  expect(err.message).not.toContain('\n');
  expect(err.hint, `no hint for: ${err.message}`).toMatch(/\w{3}/);
  expect(err.details).toMatchObject({ file, line: e.line, field: e.field });
}

describe('broken configuration', () => {
  let store: SeededStore;
  let before: string;

  beforeAll(async () => {
    store = await seededStore();
    before = await store.snapshot();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('has a corpus of at least 40 broken files, each with its expected error', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(40);
    expect(FIXTURES.filter((f) => EXPECTED[f] === undefined)).toEqual([]);
    expect(Object.keys(EXPECTED).filter((f) => !FIXTURES.includes(f))).toEqual([]);
  });

  it('the base the files vary is itself valid', async () => {
    const warnings = await store.services.config.preview(parseConfig(BASE_CONFIG, 'base.yaml', ENV));
    expect(warnings.warnings).toEqual([]);
  });

  describe.each(FIXTURES)('%s', (name) => {
    const file = join(DIR, `${name}.yaml`);

    it('is refused by apply with file, line, field and hint, and nothing is stored', async () => {
      const err = await refusal(async () => store.services.config.store(loadConfigFile(file, ENV), 'faults'));
      expectNamed(err, file, EXPECTED[name]!);
      expect(await store.snapshot()).toBe(before);
    });

    it('is refused by plan the same way', async () => {
      const err = await refusal(async () => store.client.plan(loadConfigFile(file, ENV)));
      expectNamed(err, file, EXPECTED[name]!);
    });
  });

  describe('made at run time', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'steward-faults-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('a file over the size limit is refused before it is read', async () => {
      const file = join(tmp, 'huge.yaml');
      writeFileSync(file, 'groups: [analysts]\n');
      truncateSync(file, MAX_CONFIG_BYTES + 1024 * 1024);
      const err = await refusal(async () => loadConfigFile(file, ENV));
      expectNamed(err, file, { line: null, field: '(file)', message: /MB; the limit is 32 MB/ });
    });

    it('a one-megabyte group name is refused naming its line', async () => {
      const file = join(tmp, 'huge-name.yaml');
      writeFileSync(file, `users:\n  alice: { groups: [analysts] }\ngroups:\n  - analysts\n  - ${'x'.repeat(1024 * 1024)}\n`);
      const err = await refusal(async () => store.services.config.store(loadConfigFile(file, ENV), 'faults'));
      expect(err.message).toMatch(new RegExp(`^${file}:5: groups\\[1\\]: group "x{100}"… \\(1048576 characters\\) is longer than 128 characters$`));
      expect(await store.snapshot()).toBe(before);
    });

    it('many errors at once: the first in the message, all of them in the details', async () => {
      const policies = Array.from({ length: 60 }, (_v, i) => `  - { name: p${i}, type: subscription, access: read, to: { groups: [nobody${i}] }, on: { tags: [sales] } }`);
      const file = join(tmp, 'many.yaml');
      writeFileSync(file, `groups: [analysts]\ntags:\n  lite/postgres/shop/orders: [sales]\npolicies:\n${policies.join('\n')}\n`);
      const err = await refusal(async () => store.services.config.store(loadConfigFile(file, ENV), 'faults'));
      expectNamed(err, file, { line: 5, field: 'policies[0].to.groups[0]', message: /unknown group "nobody0"/ });
      expect(err.hint).toMatch(/59 more errors/);
      const listed = (err.details as { errors: { line: number; field: string }[] }).errors;
      expect(listed).toHaveLength(50);
      expect(listed[49]).toMatchObject({ line: 54, field: 'policies[49].to.groups[0]' });
      expect(await store.snapshot()).toBe(before);
    });
  });
});

describe('broken configuration through the steward CLI', () => {
  const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
  const dataDir = mkdtempSync(join(tmpdir(), 'steward-faults-cli-'));
  const env = { ...process.env, ...ENV, STEWARD_MASTER_KEY: 'a'.repeat(64), STEWARD_DATA_DIR: '', STEWARD_SERVER: '', STEWARD_DATABASE_URL: '' };
  const run = promisify(execFile);
  let before: string;

  async function steward(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await run(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', dataDir, ...args], { env });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  async function storeSnapshot(): Promise<string> {
    const services = await openServices({ databaseUrl: null, dataDir }, env);
    try {
      return await snapshotOf(services);
    } finally {
      await services.close();
    }
  }

  beforeAll(async () => {
    // A store on disk with registered (unreachable, never synced) connections and a stored file.
    const services = await openServices({ databaseUrl: null, dataDir }, env);
    try {
      await services.connections.add({ name: 'lite', type: 'postgres', url: 'postgres://steward@127.0.0.1:1/postgres' }, 'seed', { verify: false });
      await services.connections.add({ name: 'later', type: 'mariadb', url: ENV.LATER_URL }, 'seed', { verify: false });
      await services.config.store(parseConfig(BASE_CONFIG, 'base.yaml', ENV), 'seed');
    } finally {
      await services.close();
    }
    before = await storeSnapshot();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const SAMPLE = ['syntax-unclosed-flow', 'comment-only', 'unknown-field-policy', 'env-not-set', 'unknown-group', 'guardrail-typo-tag', 'login-postgres-64-bytes', 'duplicate-login', 'not-utf8'];

  it.each(SAMPLE)('apply --yes %s: one error line naming file, line and field, a hint, exit 1, nothing stored', async (name) => {
    const file = join(DIR, `${name}.yaml`);
    const e = EXPECTED[name]!;
    const r = await steward('apply', '-f', file, '--yes');
    expect(r.code).toBe(1);
    const [first, second, ...rest] = r.stderr.split('\n');
    expect(first!.startsWith(`error: ${e.line === null ? file : `${file}:${e.line}`}: ${e.field}: `), r.stderr).toBe(true);
    expect(first).toMatch(e.message);
    expect(second).toMatch(/^hint: \w/);
    expect(rest.join('')).toBe('');
    expect(r.stdout).toBe('');
    expect(await storeSnapshot()).toBe(before);
  });

  it('--json: the error as a document with file, line and field in its details', async () => {
    const file = join(DIR, 'unknown-tag.yaml');
    const r = await steward('--json', 'apply', '-f', file, '--yes');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'invalid_input', details: { file, line: 9, field: 'policies[0].on.tags[0]' }, hint: expect.stringMatching(/did you mean "sales"/) } });
    expect(await storeSnapshot()).toBe(before);
    // The refusal itself is on record: who tried what, and why it was refused.
    const services = await openServices({ databaseUrl: null, dataDir }, env);
    try {
      const [last] = await services.audit.list({ limit: 1 });
      expect(last).toMatchObject({ action: 'apply', outcome: 'error', summary: expect.stringContaining('policies[0].on.tags[0]') });
    } finally {
      await services.close();
    }
  });
  it('prints warnings on stderr, one line each with file, line and field; --allow-empty accepts an empty file, which apply stores only if its plans can run', async () => {
    const file = join(DIR, 'comment-only.yaml');
    const p = await steward('plan', '-f', file, '--allow-empty');
    const warnings = p.stderr.split('\n').filter((l) => l.startsWith('warning: '));
    expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`^warning: ${file}: \\(top level\\): the configuration declares no users, groups, tags or policies: storing it removes the \\d+ that came from a file \\(.+\\)$`)));
    // Apply plans every registered connection under its lock before storing anything: they are
    // not reachable here, so it stops there, loudly, and the store is as it was.
    const r = await steward('apply', '-f', file, '--yes', '--allow-empty', '--no-sync');
    expect(r.code).toBe(1);
    expect(r.stderr, r.stderr).toMatch(/^error: .*connection refused/m);
    expect(await storeSnapshot()).toBe(before);
  });
});
