/**
 * The `steward` command line as a user runs it: a real process, a data directory on disk
 * (embedded store), one-line errors with a hint and exit 1 on bad input, and the system
 * account's password in no file of the data directory and in no output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgAvailable } from '../helpers/databases.js';
import { freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'steward-cli-'));
const SECRET = 'Cli-S3cret-pw';
const outputs: string[] = [];

async function steward(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', dataDir, ...args], { env: { ...process.env, STEWARD_MASTER_KEY: '' } });
    outputs.push(r.stdout, r.stderr);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    outputs.push(e.stdout, e.stderr);
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('steward CLI', () => {
  it('rejects an unknown type with one line, a hint and exit 1', async () => {
    const r = await steward('connection', 'add', 'wh', '--type', 'oracle', '--url', 'postgres://x@h/d');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: type: unknown connection type "oracle"\nhint: use one of: postgres, mysql, mariadb, redshift\n');
  });

  it('rejects a malformed URL naming the field', async () => {
    const r = await steward('connection', 'add', 'wh', '--type', 'postgres', '--url', 'http://x');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: url: /);
  });

  it('answers --json errors as a JSON document', async () => {
    const r = await steward('--json', 'catalog', 'nosuch');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'not_found' } });
  });

  it('prints the JSON Schema of steward.yaml', async () => {
    const r = await steward('schema');
    expect(JSON.parse(r.stdout)).toMatchObject({ title: 'steward.yaml', properties: { connections: {}, policies: {} } });
  });

  describe.skipIf(!pgAvailable)('with PostgreSQL', () => {
    const DB = 'steward_it_cli';
    beforeAll(async () => {
      await freshDatabase(DB, []);
      await withPg(pgUrl(DB), (c) => c.query('CREATE TABLE orders (id int)'));
    });
    afterAll(async () => {
      await withPg(pgUrl('postgres'), (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`));
    });

    it('adds, syncs and browses; the password is in no file and no output', async () => {
      const url = pgUrl(DB, 'postgres', SECRET);
      expect((await steward('connection', 'add', 'wh', '--type', 'postgres', '--url', url, '--database', DB)).code).toBe(0);
      const dup = await steward('connection', 'add', 'wh', '--type', 'postgres', '--url', url);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(/^error: connection "wh" already exists\nhint: /);
      const sync = await steward('--json', 'sync', 'wh');
      expect(JSON.parse(sync.stdout)[0].added).toContainEqual({ path: `wh/${DB}/public/orders`, kind: 'table' });
      const cat = await steward('--json', 'catalog', `wh/${DB}/public/orders`);
      expect(JSON.parse(cat.stdout).children.map((c: { name: string }) => c.name)).toEqual(['id']);
      await steward('connection', 'list');
      await steward('--json', 'connection', 'list');
      await steward('audit');

      expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      const leaks = filesUnder(dataDir).filter((f) => readFileSync(f).includes(SECRET));
      expect(leaks).toEqual([]);
      expect(outputs.join('\n')).not.toContain(SECRET);
    });
  });
});
