/** Medians, ratios and the result tables every scenario prints. */

export interface Series {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function series(values: readonly number[]): Series {
  if (values.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** One row of a scenario's table. */
export interface Row {
  readonly step: string;
  readonly ms: Series;
  /** The floor this step is compared with, measured in the same run. */
  readonly floor?: { readonly name: string; readonly ms: Series };
  /** Statements the step ran (or would run). */
  readonly statements?: number | string;
  /** Peak RSS in MB, where a target names memory. */
  readonly rssMb?: number;
  /** CPU time (user + system) of a whole process, where a scenario measures processes. */
  readonly cpuMs?: Series;
  readonly target?: string;
  /** 'met', 'MISSED' or '' (no target). */
  readonly verdict?: string;
  readonly note?: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly rows: Row[];
  readonly notes: string[];
}

const fmtMs = (v: number): string => (Number.isNaN(v) ? '-' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function ratio(r: Row): number | null {
  if (!r.floor || !(r.floor.ms.median > 0)) return null;
  return r.ms.median / r.floor.ms.median;
}

/** Verdict for a target "≤ absMs and ≤ maxRatio× floor" (either part optional). */
export function verdict(ms: Series, opts: { absMs?: number; maxRatio?: number; floor?: Series; extraOk?: boolean }): string {
  let ok = opts.extraOk ?? true;
  if (opts.absMs !== undefined && !(ms.median <= opts.absMs)) ok = false;
  if (opts.maxRatio !== undefined && opts.floor !== undefined && !(ms.median <= opts.maxRatio * opts.floor.median)) ok = false;
  return ok ? 'met' : 'MISSED';
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

/** A Markdown table (also readable on a terminal); a CPU column only where a row has CPU time. */
export function renderTable(res: ScenarioResult): string {
  const withCpu = res.rows.some((r) => r.cpuMs !== undefined);
  const head = ['step', 'runs', 'median ms', 'min–max ms', 'floor', 'floor ms', 'ratio', ...(withCpu ? ['CPU ms'] : []), 'statements', 'peak RSS MB', 'target', 'verdict'];
  const rows = res.rows.map((r) => {
    const q = ratio(r);
    return [
      r.step,
      String(r.ms.n),
      fmtMs(r.ms.median),
      `${fmtMs(r.ms.min)}–${fmtMs(r.ms.max)}`,
      r.floor?.name ?? '',
      r.floor ? fmtMs(r.floor.ms.median) : '',
      q === null ? '' : `${q.toFixed(2)}×`,
      ...(withCpu ? [r.cpuMs ? fmtMs(r.cpuMs.median) : ''] : []),
      r.statements === undefined ? '' : String(r.statements),
      r.rssMb === undefined ? '' : r.rssMb.toFixed(0),
      r.target ?? '',
      r.verdict ?? '',
    ];
  });
  const notes = res.notes.length > 0 ? `\n${res.notes.map((n) => `- ${n}`).join('\n')}` : '';
  return `### ${res.title}\n\n${pad([head, ...rows])}\n${notes}\n`;
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Time an async function in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}
