/**
 * The `steward` CLI for the fault suites: a real child process of the bundled CLI (see
 * test/helpers/cli-bundle.ts), with its exit code and output, and readers of what an operator
 * looks at afterwards (`steward status --json`, `steward audit --json`).
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, expect } from 'vitest';
import { quoteIdent } from '../../../src/platforms/postgres/quote.js';
import { stewardCommand } from '../../helpers/cli-bundle.js';
import { PG_URL, pgAvailable } from '../../helpers/databases.js';
import { withPg } from '../../helpers/pg-admin.js';

/** A fresh metadata store database on the test PostgreSQL for this file (and its work folder), dropped after it. */
export function useStoreDatabase(name: string, workDir: string): void {
  beforeAll(async () => {
    if (!pgAvailable) return;
    await withPg(PG_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
    });
  }, 120_000);
  afterAll(async () => {
    rmSync(workDir, { recursive: true, force: true });
    if (!pgAvailable) return;
    await withPg(PG_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
  }, 120_000);
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run `steward ARGS…` with `env` as its whole environment (plus PATH and HOME); never rejects. */
export async function steward(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  const [node, bundle] = await stewardCommand();
  return new Promise((resolve) => {
    const child = execFile(
      node!,
      [bundle!, ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

export interface StatusRow {
  readonly connection: string;
  readonly lastSyncError: string | null;
  readonly lastApplyError: string | null;
  readonly lastApplyOutcome: string | null;
  readonly lastApplyAuditId: number | null;
  readonly health?: { readonly status: string; readonly reason: string };
}

export async function statusOf(conn: string, env: Record<string, string>): Promise<StatusRow> {
  const r = await steward(['status', '--json'], env);
  expect(r.code, `steward status: ${r.stderr}`).toBe(0);
  const row = (JSON.parse(r.stdout) as StatusRow[]).find((s) => s.connection === conn);
  expect(row, `steward status lists ${conn}`).toBeDefined();
  return row!;
}

export interface AuditRow {
  readonly id: number;
  readonly actor: string;
  readonly action: string;
  readonly connection: string | null;
  readonly outcome: string;
  readonly summary: string;
}

export interface AuditDetails {
  readonly plannedStatements?: readonly { readonly sql: string }[];
  readonly statements?: readonly { readonly sql: string; readonly ok: boolean; readonly error?: string }[];
  readonly error?: string;
}

/** Audit events of a connection newer than `after`, oldest first. */
export async function auditSince(conn: string, after: number, env: Record<string, string>): Promise<AuditRow[]> {
  const r = await steward(['audit', '--connection', conn, '--limit', '200', '--json'], env);
  expect(r.code, `steward audit: ${r.stderr}`).toBe(0);
  return (JSON.parse(r.stdout) as AuditRow[]).filter((e) => e.id > after).sort((a, b) => a.id - b.id);
}

export async function auditEvent(id: number, env: Record<string, string>): Promise<AuditRow & { details: AuditDetails }> {
  const r = await steward(['audit', String(id), '--json'], env);
  expect(r.code, `steward audit ${id}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as AuditRow & { details: AuditDetails };
}

export async function lastAuditId(conn: string, env: Record<string, string>): Promise<number> {
  const r = await steward(['audit', '--connection', conn, '--limit', '1', '--json'], env);
  expect(r.code, `steward audit: ${r.stderr}`).toBe(0);
  return (JSON.parse(r.stdout) as AuditRow[])[0]?.id ?? 0;
}

/**
 * What an operator must be able to read from a failed command: a non-zero exit, and on stderr
 * an `error:` line (and at most a `hint:` line) that names what it is about, with no stack trace
 * and no secret.
 */
export function expectClearFailure(r: CliRun, opts: { names: RegExp; secrets: readonly string[]; what: string }): void {
  expect(r.code, `${opts.what}: exit code\n${r.stdout}\n${r.stderr}`).not.toBe(0);
  const all = `${r.stdout}\n${r.stderr}`;
  for (const s of opts.secrets) expect(all.includes(s), `${opts.what}: a secret is printed`).toBe(false);
  expect(all, `${opts.what}: no stack trace`).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(all, `${opts.what}: names it`).toMatch(opts.names);
}
