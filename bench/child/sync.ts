/**
 * Child process: object sync of one connection into a store directory, with peak RSS, and a
 * check that a sync finding no change wrote nothing (the `objects` rows keep their physical
 * location, `ctid`, and count: an UPDATE or INSERT would change them).
 * Job: { storeDir, yaml?, env, connection }; with `yaml` the configuration is stored first.
 */
import { parseConfig } from '../../src/config/load-config.js';
import { openSteward } from '../lib/steward.js';
import { fail, peakRssMb, readJob, rssMb, sampled, writeResult, type MemoryPeaks } from './common.js';

interface Job {
  readonly storeDir: string;
  readonly yaml?: string;
  readonly env: Record<string, string>;
  readonly connection: string;
  /** Hex master key of the store (needed to reopen a store made by another process). */
  readonly masterKey?: string;
}

export interface SyncResult {
  readonly ms: number;
  readonly objects: number;
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly rowsBefore: number;
  readonly rowsAfter: number;
  /** Whether the objects table is physically unchanged (no row written). */
  readonly unchanged: boolean;
  readonly phases: Record<string, number>;
  readonly rss: { readonly start: number; readonly storeOpen: number; readonly peak: number };
  /** Sampled peaks of RSS, JS heap and external memory (PGlite's WebAssembly memory) during the sync. */
  readonly memory: MemoryPeaks;
}

const CHECKSUM = `SELECT count(*)::int AS n, md5(coalesce(string_agg(ctid::text || ':' || xmin::text, ',' ORDER BY ctid), '')) AS h FROM objects`;

async function main(): Promise<void> {
  const job = readJob<Job>();
  const start = rssMb();
  const st = await openSteward(job.storeDir, job.masterKey);
  const storeOpen = rssMb();
  if (job.yaml) await st.client.storeConfig(parseConfig(job.yaml, 'steward.yaml', job.env));
  const [before] = await st.services.db.query<{ n: number; h: string }>(CHECKSUM);
  const t0 = performance.now();
  const { value: r, peaks: memory } = await sampled(() => st.client.sync(job.connection));
  const ms = performance.now() - t0;
  const peak = peakRssMb();
  const [after] = await st.services.db.query<{ n: number; h: string }>(CHECKSUM);
  const result: SyncResult = {
    ms,
    objects: r.objects,
    added: r.added.length,
    changed: r.changed.length,
    removed: r.removed.length,
    rowsBefore: before!.n,
    rowsAfter: after!.n,
    unchanged: before!.h === after!.h && before!.n === after!.n,
    phases: { ...st.phases },
    rss: { start, storeOpen, peak },
    memory,
  };
  await st.close();
  writeResult(result);
}

main().catch(fail);
