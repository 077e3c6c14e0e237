/**
 * The `pg` driver, loaded on first use (never with the CLI itself: see src/cli/main.ts).
 *
 * When it loads, `pg` asks whether it runs in a Cloudflare Worker: without a global `navigator`
 * (Node 20 has none; Node 21 and later do) it builds a `Response`, which loads Node's whole
 * `fetch` implementation: ≈90 ms of every process that talks to PostgreSQL (S1 no-op profile,
 * docs/benchmarks.md). While it loads, a `navigator` like Node 21's answers the question; it is
 * removed again right after, so nothing else ever sees it.
 */
import type pg from 'pg';

let loading: Promise<typeof pg> | null = null;

export function loadPg(): Promise<typeof pg> {
  loading ??= (async () => {
    const g = globalThis as { navigator?: unknown };
    const shim = g.navigator === undefined;
    if (shim) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true, writable: true });
    try {
      return (await import('pg')).default;
    } finally {
      if (shim) delete g.navigator;
    }
  })();
  return loading;
}
