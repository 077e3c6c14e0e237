/**
 * T4: object sync of 100,000 tables × 10 columns (quick: 10,000). Floor: the introspector's own
 * catalog queries (`catalogSql`: databases, schemas, comments, relations with their columns)
 * run directly with pg on an open connection, rows received and parsed. Then a first sync into
 * a fresh store and a sync finding no change, each in a child process for its peak RSS.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { catalogSql } from '../src/platforms/postgres/catalog.sql.js';
import type { SyncResult } from './child/sync.js';
import { ensurePgT4, COLUMNS } from './fixtures/pg-t4.js';
import { runChild } from './lib/child.js';
import { pgUrl } from './lib/pg.js';
import { log, series, timed, verdict, type Row, type ScenarioResult } from './lib/report.js';
import { freshStoreDir, removeStoreDir } from './lib/steward.js';

export async function runT4(opts: { quick: boolean }): Promise<ScenarioResult> {
  const tables = opts.quick ? 10_000 : 100_000;
  const database = opts.quick ? 'bench_t4_quick' : 'bench_t4';
  const connection = opts.quick ? 't4pg_quick' : 't4pg';
  const env = { T4_URL: pgUrl(database) };
  const yaml = `connections:\n  ${connection}:\n    type: postgres\n    url: \${T4_URL}\n    databases: [${database}]\n`;
  const notes: string[] = [];
  const rows: Row[] = [];

  const fixture = await ensurePgT4(database, tables);
  notes.push(`Fixture ${database}: ${tables} tables × ${COLUMNS} columns; ${fixture.built ? `built in ${(fixture.ms / 1000).toFixed(0)} s` : 'reused'}.`);

  const client = new pg.Client({ connectionString: pgUrl(database) });
  await client.connect();
  // As the introspector reads (introspect.ts): without JIT, which only adds compile time to a
  // catalog query run once.
  await client.query('SET jit = off');
  const floorOnce = async (): Promise<{ ms: number; relations: number }> => {
    const all = { schema: null, relation: null };
    const t = await timed(async () => {
      const d = catalogSql.databases();
      await client.query(d.text, d.values);
      const s = catalogSql.schemas(all);
      await client.query(s.text, s.values);
      const c = catalogSql.comments(all);
      await client.query(c.text, c.values);
      const r = catalogSql.relations(all);
      return (await client.query(r.text, r.values)).rowCount ?? 0;
    });
    return { ms: t.ms, relations: t.value };
  };

  const runs = 3;
  const masterKey = randomBytes(32).toString('hex');
  const floor: number[] = [];
  const first: SyncResult[] = [];
  let keep: string | null = null;
  try {
    await floorOnce(); // warm the server's caches: every measured run reads a warm catalog
    for (let i = 0; i < runs; i++) {
      const f = await floorOnce();
      floor.push(f.ms);
      log(`T4 floor ${i + 1}/${runs}: ${f.ms.toFixed(0)} ms (${f.relations} relations)`);
      const dir = await freshStoreDir();
      try {
        const r = await runChild<SyncResult>('sync', { storeDir: dir, yaml, env, connection, masterKey });
        first.push(r);
        log(`T4 first sync ${i + 1}/${runs}: ${r.ms.toFixed(0)} ms, ${r.objects} objects, peak RSS ${r.rss.peak.toFixed(0)} MB`);
      } finally {
        if (i === runs - 1) keep = dir;
        else removeStoreDir(dir);
      }
    }
    const again: SyncResult[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runChild<SyncResult>('sync', { storeDir: keep!, env, connection, masterKey });
      again.push(r);
      log(`T4 no-change sync ${i + 1}/${runs}: ${r.ms.toFixed(0)} ms, wrote nothing: ${r.unchanged}, peak RSS ${r.rss.peak.toFixed(0)} MB`);
    }
    const floorS = series(floor);
    const firstS = series(first.map((r) => r.ms));
    const peak1 = series(first.map((r) => r.rss.peak));
    rows.push({ step: 'raw catalog queries (floor)', ms: floorS, statements: '4 queries' });
    rows.push({
      step: `first sync, fresh store (T4)`,
      ms: firstS,
      floor: { name: 'raw catalog queries', ms: floorS },
      statements: `${first[0]!.rowsAfter} rows written`,
      rssMb: peak1.median,
      target: '≤ 2× floor, ≤ 30 s, ≤ 1 GB',
      verdict: verdict(firstS, { absMs: 30_000, maxRatio: 2, floor: floorS, extraOk: peak1.median <= 1000 }),
    });
    const againS = series(again.map((r) => r.ms));
    const peak2 = series(again.map((r) => r.rss.peak));
    const wroteNothing = again.every((r) => r.unchanged && r.added + r.changed + r.removed === 0);
    rows.push({
      step: 'no-change re-sync (T4)',
      ms: againS,
      floor: { name: 'raw catalog queries', ms: floorS },
      statements: wroteNothing ? '0 rows written' : 'WROTE ROWS',
      rssMb: peak2.median,
      target: 'writes nothing, ≤ 1.5× floor, ≤ 1 GB',
      verdict: verdict(againS, { absMs: 30_000, maxRatio: 1.5, floor: floorS, extraOk: wroteNothing && peak2.median <= 1000 }),
    });
    const m = (xs: number[]): string => series(xs).median.toFixed(0);
    notes.push(
      `First sync breakdown (medians, ms): introspect ${m(first.map((r) => r.phases.introspect!))} (the platform crawl: queries + building objects; ` +
        `where the platform hands the crawl over in slices, also comparing and storing each slice, which overlaps the server's reading), ` +
        `rest ${m(first.map((r) => r.ms - r.phases.introspect!))} (what is left after the crawl: changed rows, removals, the status); ` +
        `${first[0]!.objects} objects. No-change re-sync: introspect ${m(again.map((r) => r.phases.introspect!))}, rest ${m(again.map((r) => r.ms - r.phases.introspect!))}.`,
    );
    notes.push(
      `RSS (median MB): first sync ${m(first.map((r) => r.rss.storeOpen))} after opening the store → peak ${m(first.map((r) => r.rss.peak))}; ` +
        `re-sync ${m(again.map((r) => r.rss.storeOpen))} → ${m(again.map((r) => r.rss.peak))}. The store is an on-disk embedded PGlite store (a copy of an empty, migrated one). ` +
        `Sampled every 25 ms during the first sync: JS heap up to ${m(first.map((r) => r.memory.heapUsed))} MB, external memory (PGlite's WebAssembly heap) up to ` +
        `${m(first.map((r) => r.memory.external))} MB.`,
    );
  } finally {
    await client.end();
    if (keep) removeStoreDir(keep);
  }
  return { scenario: 't4', title: `T4 object sync on PostgreSQL, ${tables.toLocaleString('en-US')} tables × ${COLUMNS} columns`, rows, notes };
}
