/**
 * T10: a large steward.yaml (50,000 users in 500 groups, 5,000 policies, about 6 MB; quick:
 * 5,000 users, 500 policies) applied by whole `node dist/cli/main.js` processes with
 * `--progress`, as a user runs it. Steps: `plan -f` on a fresh data directory; the first
 * `apply -f --yes` (converge: every role, grant and membership); `apply -f --yes` again with
 * nothing to change (the steady state, what the target is about), and `plan -f` on that store.
 * Peak RSS is the child's VmHWM, CPU its user + system time; the phases it printed on stderr
 * are kept in the notes. Database `<prefix>` (default `bench_t10`, `STEWARD_BENCH_T10_DB`) with
 * 20 schemas × 50 tables and the users' login roles; everything is dropped at the end.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropT10, ensurePgT10 } from './fixtures/pg-t10.js';
import { BENCH_DIR } from './lib/child.js';
import { dropRolesWithPrefix, pgUrl } from './lib/pg.js';
import { log, series, verdict, type Row, type ScenarioResult } from './lib/report.js';
import { t10Yaml } from './lib/t10-config.js';
import { PROBE } from './lib/process.js';

const ROOT = join(BENCH_DIR, '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

interface Run {
  readonly ms: number;
  readonly rssMb: number;
  readonly cpuMs: number;
  readonly stdout: string;
  /** stderr without the per-statement lines. */
  readonly phases: string;
  readonly statements: number;
}

async function measure(args: readonly string[], env: Record<string, string>, probe: string): Promise<Run> {
  rmSync(probe, { force: true });
  const t0 = performance.now();
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', PROBE, MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, STEWARD_BENCH_PROBE: probe, STEWARD_DATABASE_URL: '', STEWARD_SERVER: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve({ stdout: out, stderr: err }) : reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-800)}`))));
  });
  const ms = performance.now() - t0;
  const [hwm, cpu] = readFileSync(probe, 'utf8').split(' ').map(Number);
  const lines = stderr.split('\n');
  return {
    ms,
    rssMb: hwm! / 1024,
    cpuMs: cpu! / 1000,
    stdout,
    phases: lines.filter((l) => l.startsWith('[')).join('\n'),
    statements: lines.filter((l) => l.startsWith('statement ')).length,
  };
}

export async function runT10(opts: { quick: boolean }): Promise<ScenarioResult> {
  const database = process.env.STEWARD_BENCH_T10_DB ?? (opts.quick ? 'bench_t10_quick' : 'bench_t10');
  const rolePrefix = `${database}_`;
  const connection = opts.quick ? 't10pgq' : 't10pg';
  const shape = { connection, database, prefix: rolePrefix, users: opts.quick ? 5_000 : 50_000, groups: opts.quick ? 50 : 500, policies: opts.quick ? 500 : 5_000, schemas: 20, tablesPerSchema: 50 };
  const runs = opts.quick ? 3 : 3;
  const notes: string[] = [];
  const rows: Row[] = [];
  log('T10: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'steward-bench-t10-'));
  const file = join(work, 'steward.yaml');
  writeFileSync(file, t10Yaml(shape));
  const size = statSync(file).size;
  const probe = join(work, 'probe');
  const dir = join(work, 'data');
  const env = { T10_URL: pgUrl(database), STEWARD_MASTER_KEY: 'ab'.repeat(32) };
  try {
    const fixture = await ensurePgT10(database, rolePrefix, { schemas: shape.schemas, tablesPerSchema: shape.tablesPerSchema, users: shape.users });
    notes.push(
      `File: ${(size / 1024 / 1024).toFixed(1)} MB, ${shape.users.toLocaleString('en-US')} users (2 groups each, an e-mail and an attribute), ${shape.groups} groups, ` +
        `${shape.policies.toLocaleString('en-US')} policies (9 in 10 on one table by path for one group, 1 in 10 on a tag for a group and an attribute), ` +
        `${shape.schemas * shape.tablesPerSchema} tables; fixture ${fixture.built ? `built in ${(fixture.ms / 1000).toFixed(0)} s` : 'reused'}.`,
    );
    // Converge from nothing: Steward's roles of an earlier run are removed first.
    await dropRolesWithPrefix(`steward_${connection}__`, database);
    const cli = (...a: string[]): string[] => ['--data-dir', dir, ...a];
    const step = (name: string, r: readonly Run[], target?: { ms: number; rssMb: number }): Row => {
      const ms = series(r.map((x) => x.ms));
      const rss = series(r.map((x) => x.rssMb));
      return {
        step: name,
        ms,
        rssMb: rss.max,
        cpuMs: series(r.map((x) => x.cpuMs)),
        statements: r[0]!.statements > 0 ? r[0]!.statements : /(\d+) statements/.exec(r[0]!.stdout)?.[1] ?? '',
        ...(target ? { target: `≤ ${target.ms / 1000} s, ≤ ${target.rssMb} MB`, verdict: verdict(ms, { absMs: target.ms, extraOk: rss.max <= target.rssMb }) } : {}),
      };
    };
    log('T10: plan on a fresh data directory');
    const planFresh = await measure(cli('plan', '-f', file), env, probe);
    log(`T10: ${planFresh.ms.toFixed(0)} ms; first apply (converge)`);
    const first = await measure(cli('apply', '-f', file, '--yes', '--progress'), env, probe);
    log(`T10: ${first.ms.toFixed(0)} ms, ${first.statements} statements`);
    const again: Run[] = [];
    const plans: Run[] = [];
    for (let i = 0; i < runs; i++) {
      again.push(await measure(cli('apply', '-f', file, '--yes', '--progress'), env, probe));
      plans.push(await measure(cli('plan', '-f', file), env, probe));
      log(`T10 round ${i + 1}/${runs}: apply ${again[i]!.ms.toFixed(0)} ms, plan ${plans[i]!.ms.toFixed(0)} ms`);
    }
    rows.push(step('`plan -f`, fresh data directory', [planFresh]));
    rows.push(step('first `apply -f --yes --progress` (converge)', [first]));
    rows.push(step('`apply -f --yes --progress`, nothing to change (T10)', again, { ms: 10_000, rssMb: 500 }));
    rows.push(step('`plan -f`, existing store', plans));
    notes.push(`Phases of the first apply (stderr):\n\n\`\`\`\n${first.phases}\n\`\`\``);
    notes.push(`Phases of the last no-change apply (stderr):\n\n\`\`\`\n${again[again.length - 1]!.phases}\n\`\`\``);
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (process.env.STEWARD_BENCH_T10_KEEP !== '1') await dropT10(database, rolePrefix, `steward_${connection}__`);
  }
  return { scenario: 't10', title: `T10 a ${(size / 1024 / 1024).toFixed(1)} MB steward.yaml applied by the CLI`, rows, notes };
}
