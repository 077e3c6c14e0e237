/**
 * Child process: converge one connection into a fresh store and report time, statements and
 * peak RSS. Job: { storeDir, yaml, env, connection, statementsFile? }.
 */
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../../src/config/load-config.js';
import { openSteward } from '../lib/steward.js';
import { fail, peakRssMb, readJob, rssMb, sampled, writeResult, type MemoryPeaks } from './common.js';

interface Job {
  readonly storeDir: string | null;
  readonly yaml: string;
  readonly env: Record<string, string>;
  readonly connection: string;
  /** Hex master key of the store (needed to reopen a store made by another process). */
  readonly masterKey?: string;
  readonly statementsFile?: string;
  /** Use this PostgreSQL database as the store instead of the embedded one. */
  readonly storeUrl?: string;
}

export interface ConvergeResult {
  readonly storeMs: number;
  readonly applyMs: number;
  readonly status: string;
  readonly error?: string;
  readonly statements: number;
  readonly failed: number;
  readonly operations: number;
  readonly syncMs: number | null;
  readonly syncObjects: number | null;
  readonly timings: { desiredMs: number; actualMs: number; planMs: number } | null;
  readonly phases: Record<string, number>;
  readonly rss: { readonly start: number; readonly storeOpen: number; readonly afterApply: number; readonly peak: number };
  /** Sampled peaks of RSS, JS heap and external memory (PGlite's WebAssembly memory) during apply. */
  readonly memory: MemoryPeaks;
  /** Mean ms per executed statement in each tenth of the plan, in order (growth shows per-statement cost rising). */
  readonly statementMsByDecile: number[];
  /** Wall ms from the start of apply to each reconcile phase mark (synced, model, objects, planned, audited, executed, verified, recorded). */
  readonly marks: Record<string, number>;
  /** CPU time of this process during apply (user + system, ms). */
  readonly applyCpuMs: { readonly user: number; readonly system: number };
}

function deciles(ms: readonly number[]): number[] {
  if (ms.length < 10) return [];
  const out: number[] = [];
  for (let d = 0; d < 10; d++) {
    const part = ms.slice(Math.floor((d * ms.length) / 10), Math.floor(((d + 1) * ms.length) / 10));
    out.push(Math.round((part.reduce((a, b) => a + b, 0) / part.length) * 100) / 100);
  }
  return out;
}

async function main(): Promise<void> {
  const job = readJob<Job>();
  const start = rssMb();
  const st = await openSteward(job.storeDir, job.masterKey, job.storeUrl);
  const storeOpen = rssMb();
  const cfg = parseConfig(job.yaml, 'steward.yaml', job.env);
  const t0 = performance.now();
  await st.client.storeConfig(cfg);
  const marks: Record<string, number> = {};
  const apply = st.services.reconcile.apply;
  st.services.reconcile.apply = (connection, model, opts) =>
    apply(connection, model, { ...opts, onPhase: (phase) => { marks[phase] = Math.round(performance.now() - t1); opts.onPhase?.(phase); } });
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const { value: r, peaks: memory } = await sampled(() => st.client.applyConnection(job.connection, { force: true }));
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const afterApply = rssMb();
  const peak = peakRssMb();
  if (job.statementsFile) writeFileSync(job.statementsFile, JSON.stringify(r.plan.statements));
  const last = st.last;
  const result: ConvergeResult = {
    storeMs: t1 - t0,
    applyMs: t2 - t1,
    status: r.status,
    ...(r.error ? { error: r.error } : {}),
    statements: r.plan.statements.length,
    failed: r.results.filter((x) => !x.ok).length,
    operations: r.plan.operations.length,
    syncMs: r.sync?.ms ?? null,
    syncObjects: r.sync?.objects ?? null,
    timings: last ? { ...last.plan.timings } : null,
    phases: { ...st.phases },
    rss: { start, storeOpen, afterApply, peak },
    memory,
    statementMsByDecile: deciles(r.results.map((x) => x.ms)),
    marks,
    applyCpuMs: { user: cpu.user / 1000, system: cpu.system / 1000 },
  };
  await st.close();
  writeResult(result);
  // A copy that outlives the parent's clean-up (the parent prints only a summary): JOBS/<stamp>.result.json.
  const out = process.argv[3];
  if (out?.endsWith('.out.json')) writeFileSync(out.replace(/\.out\.json$/, '.result.json'), JSON.stringify(result, null, 1));
}

main().catch(fail);
