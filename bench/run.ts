/**
 * Steward's benchmark suite (BENCHMARKS.md). `npm run bench` runs every scenario;
 * `npm run bench -- s1 t4 mariadb` runs some; `--quick` uses smaller sizes; `--clean` drops
 * the fixtures this suite made and exits. Results are printed as Markdown tables and kept in
 * bench/.results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './lib/child.js';
import { log, renderTable, type ScenarioResult } from './lib/report.js';
import { removeAllStores } from './lib/steward.js';
import { cleanAll } from './fixtures/clean.js';
import { runS1Postgres } from './s1-postgres.js';
import { runS1Cli } from './s1-cli.js';
import { runT4 } from './t4-sync.js';
import { runS1Mariadb } from './s1-mariadb.js';
import { runT5 } from './t5-secure-view.js';
import { runT9 } from './t9-cli.js';
import { runT11 } from './t11-propagation.js';
import { runT10 } from './t10-config.js';
import { runT7 } from './t7-scale.js';

const SCENARIOS: Record<string, { title: string; run: (o: { quick: boolean }) => Promise<ScenarioResult> }> = {
  s1: { title: 'S1 on PostgreSQL (T1, T2, T3, T6)', run: runS1Postgres },
  s1cli: { title: 'S1 on PostgreSQL, whole steward apply processes', run: runS1Cli },
  t4: { title: 'T4 object sync on PostgreSQL', run: runT4 },
  mariadb: { title: 'S1-shaped on MariaDB', run: runS1Mariadb },
  t5: { title: 'T5 secure view vs hand-written query on PostgreSQL', run: runT5 },
  t9: { title: 'T9 the CLI as users feel it', run: runT9 },
  t11: { title: 'T3/T11 through the server: API call → enforced', run: runT11 },
  t10: { title: 'T10 a large steward.yaml through the CLI', run: runT10 },
  t7: { title: 'T7 scale: 10,000 users × 100,000 tables × 500 policies', run: runT7 },
};

/** The commit measured, and whether src/ had uncommitted changes (read-only git commands). */
function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes in src/` : head;
  } catch {
    return 'unknown revision';
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`usage: npm run bench -- [${Object.keys(SCENARIOS).join('|')}]… [--quick] [--clean]\n`);
    return;
  }
  if (args.includes('--clean')) {
    await cleanAll();
    return;
  }
  const names = args.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
  const unknown = names.filter((n) => !(n in SCENARIOS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; choose from ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }
  const selected = names.length > 0 ? names : Object.keys(SCENARIOS);
  const started = performance.now();
  const header = `Steward benchmarks — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, ${revision()}${quick ? ', --quick' : ''}`;
  process.stdout.write(`${header}\n\n`);
  const results: ScenarioResult[] = [];
  let failed = false;
  try {
    for (const name of selected) {
      log(`scenario ${name}: ${SCENARIOS[name]!.title}`);
      try {
        const r = await SCENARIOS[name]!.run({ quick });
        results.push(r);
        process.stdout.write(`${renderTable(r)}\n`);
      } catch (err) {
        failed = true;
        process.stdout.write(`### ${name}: FAILED\n\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n\n`);
      }
    }
  } finally {
    removeAllStores();
  }
  const dir = join(BENCH_DIR, '.results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${quick ? 'quick' : 'full'}-${selected.join('-')}.json`), JSON.stringify({ header, results }, null, 2));
  process.stdout.write(`total ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
