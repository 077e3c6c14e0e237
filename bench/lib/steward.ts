/** Steward in-process, the way the e2e tests drive it, plus per-phase timing of platform calls. */
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import type { PlatformType } from '../../src/domain/connection.js';
import type { Platform, PlatformSession } from '../../src/platforms/platform.js';
import { PLATFORMS } from '../../src/platforms/registry.js';
import type { ApplyOutcome } from '../../src/reconcile/reconcile-service.js';
import { createServices, type Services } from '../../src/services/container.js';
import { openPglite, openPostgres } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { maybeTraced } from '../../src/store/trace-db.js';

/** Milliseconds spent in each platform call since the last reset. */
export interface Phases {
  connect: number;
  introspect: number;
  readActualState: number;
  execute: number;
}

export function zeroPhases(): Phases {
  return { connect: 0, introspect: 0, readActualState: 0, execute: 0 };
}

/** Platforms whose sessions add the time of each call to `phases`. */
export function timedPlatforms(phases: Phases): Record<PlatformType, Platform> {
  const wrap = (p: Platform): Platform => ({
    ...p,
    async connect(spec) {
      const t0 = performance.now();
      const s = await p.connect(spec);
      phases.connect += performance.now() - t0;
      const time =
        <A extends unknown[], R>(key: keyof Phases, fn: (...a: A) => Promise<R>) =>
        async (...a: A): Promise<R> => {
          const t = performance.now();
          try {
            return await fn(...a);
          } finally {
            phases[key] += performance.now() - t;
          }
        };
      const session: PlatformSession = {
        introspect: time('introspect', (o?: { readonly under?: readonly string[] }) => s.introspect(o)),
        // Sync's crawl in slices: its time includes storing the slices, which overlaps the crawl.
        ...(s.introspectSlices
          ? {
              introspectSlices: time('introspect', (o: Parameters<NonNullable<PlatformSession['introspectSlices']>>[0], f: Parameters<NonNullable<PlatformSession['introspectSlices']>>[1]) =>
                s.introspectSlices!(o, f),
              ),
            }
          : {}),
        check: () => s.check(),
        lock: (key: string) => s.lock(key),
        readActualState: time('readActualState', (scope: Parameters<PlatformSession['readActualState']>[0]) => s.readActualState(scope)),
        execute: time('execute', (st: Parameters<PlatformSession['execute']>[0], o: Parameters<PlatformSession['execute']>[1]) => s.execute(st, o)),
        close: () => s.close(),
        // Data policies: passed through untimed (they are part of the plan's actual-state read).
        ...(s.readSecureViews ? { readSecureViews: s.readSecureViews.bind(s) } : {}),
        ...(s.checkRegexes ? { checkRegexes: s.checkRegexes.bind(s) } : {}),
      };
      return session;
    },
  });
  return Object.fromEntries(Object.entries(PLATFORMS).map(([k, v]) => [k, wrap(v)])) as Record<PlatformType, Platform>;
}

const ROOT = join(tmpdir(), 'steward-bench');
let template: Promise<string> | null = null;

/**
 * An initialized, migrated, empty on-disk store, made once per process: copying it gives a
 * fresh store without paying PGlite's initdb each time (see the notes on its memory).
 */
function storeTemplate(): Promise<string> {
  template ??= (async () => {
    mkdirSync(ROOT, { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'template-'));
    const db = await openPglite(dir);
    await migrate(db);
    await db.close();
    return dir;
  })();
  return template;
}

/** A fresh, empty on-disk store directory (a copy of the template). */
export async function freshStoreDir(): Promise<string> {
  const src = await storeTemplate();
  const dir = mkdtempSync(join(ROOT, 'store-'));
  cpSync(src, dir, { recursive: true });
  return dir;
}

export function removeStoreDir(dir: string): void {
  if (dir.startsWith(ROOT) && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

export function removeAllStores(): void {
  rmSync(ROOT, { recursive: true, force: true });
  template = null;
}

export interface Steward {
  readonly services: Services;
  readonly client: StewardClient;
  readonly phases: Phases;
  /** The last outcome of `services.reconcile.apply` (also when called through the client). */
  last: ApplyOutcome | null;
  close(): Promise<void>;
}

/**
 * Services and a local client on an embedded store directory (null: in memory, with initdb),
 * or on a PostgreSQL store when `storeUrl` is given; `masterKey` (hex) to reopen a store.
 */
export async function openSteward(storeDir: string | null, masterKey?: string, storeUrl?: string): Promise<Steward> {
  // `STEWARD_TRACE_STORE=1`: each store statement's time on stderr, as the CLI does.
  const db = maybeTraced(storeUrl ? await openPostgres(storeUrl) : await openPglite(storeDir));
  await migrate(db);
  const phases = zeroPhases();
  const services = createServices({ db, masterKey: masterKey ? Buffer.from(masterKey, 'hex') : randomBytes(32), platforms: timedPlatforms(phases) });
  const out: Steward = {
    services,
    client: createLocalClient(services, 'bench'),
    phases,
    last: null,
    close: () => services.close(),
  };
  // Keep the full outcome (plan timings, sync report) of applies made through the client.
  const apply = services.reconcile.apply.bind(services.reconcile);
  services.reconcile.apply = async (...args: Parameters<typeof apply>) => {
    const r = await apply(...args);
    out.last = r;
    return r;
  };
  return out;
}

export function resetPhases(p: Phases): void {
  Object.assign(p, zeroPhases());
}

export const round = (n: number): number => Math.round(n * 10) / 10;
