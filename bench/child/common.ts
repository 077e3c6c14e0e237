/** Shared by the child entry points: job I/O and RSS readings. */
import { readFileSync, writeFileSync } from 'node:fs';

export function readJob<T>(): T {
  const file = process.argv[2];
  if (!file) throw new Error('usage: child JOB.json OUT.json');
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function writeResult(result: unknown): void {
  const file = process.argv[3];
  if (!file) throw new Error('usage: child JOB.json OUT.json');
  writeFileSync(file, JSON.stringify(result));
}

export const rssMb = (): number => process.memoryUsage().rss / 1e6;
/**
 * Peak RSS of this process so far, in MB. On Linux from `VmHWM` in /proc/self/status: the
 * high-water mark of this process image. `getrusage` (`process.resourceUsage().maxRSS`) is not
 * used there: Linux carries ru_maxrss across fork and exec, so a child would report its
 * parent's RSS at spawn time whenever that is higher than its own peak.
 */
export function peakRssMb(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return (Number(m[1]) * 1024) / 1e6;
  } catch {
    // not Linux: fall through
  }
  return (process.resourceUsage().maxRSS * 1024) / 1e6;
}

export function fail(err: unknown): never {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

/** Peaks of the parts of process memory, sampled every 25 ms while `fn` runs (MB). */
export interface MemoryPeaks {
  readonly rss: number;
  readonly heapUsed: number;
  /** Memory outside the JS heap: Buffers, ArrayBuffers, and PGlite's WebAssembly memory. */
  readonly external: number;
}

export async function sampled<T>(fn: () => Promise<T>): Promise<{ value: T; peaks: MemoryPeaks }> {
  const peaks = { rss: 0, heapUsed: 0, external: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    peaks.rss = Math.max(peaks.rss, m.rss / 1e6);
    peaks.heapUsed = Math.max(peaks.heapUsed, m.heapUsed / 1e6);
    peaks.external = Math.max(peaks.external, m.external / 1e6);
  };
  sample();
  const timer = setInterval(sample, 25);
  try {
    const value = await fn();
    sample();
    return { value, peaks };
  } finally {
    clearInterval(timer);
  }
}
