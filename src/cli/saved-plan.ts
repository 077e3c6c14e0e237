import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PlanView } from '../client/steward-client.js';
import type { ConfigFile } from '../config/schema.js';
import { StewardError } from '../domain/errors.js';
import { PLATFORMS } from '../platforms/registry.js';
import type { PlatformType } from '../domain/connection.js';

/**
 * A plan saved by `steward plan --out` and run by `steward apply PLAN`: what each connection's
 * plan was (digest, statements) and a fingerprint of the configuration it came from. It holds
 * no secret: connection URLs enter the fingerprint only in their redacted form (a hash of a
 * password could be attacked offline), so a password rotated between plan and apply is not a
 * change — a different host, database or user is.
 */
export interface SavedPlan {
  readonly steward: 'plan';
  readonly version: 1;
  readonly createdAt: string;
  /** Absolute path of the configuration file the plan came from. */
  readonly file: string;
  readonly connection: string | null;
  readonly configDigest: string;
  readonly connections: readonly { readonly connection: string; readonly digest: string; readonly statements: readonly string[] }[];
}

/** The configuration's fingerprint: its JSON with each connection URL replaced by its redacted form. */
export function configDigest(cfg: ConfigFile): string {
  const connections = Object.fromEntries(
    Object.entries(cfg.connections ?? {}).map(([name, c]) => {
      let url: string;
      try {
        url = PLATFORMS[c.type as PlatformType].parseUrl(c.url).redacted;
      } catch {
        url = '(invalid)';
      }
      return [name, { ...c, url }];
    }),
  );
  return createHash('sha256').update(JSON.stringify({ ...cfg, connections }), 'utf8').digest('base64url');
}

export function writeSavedPlan(out: string, file: string, connection: string | null, cfg: ConfigFile, plans: readonly PlanView[]): void {
  const saved: SavedPlan = {
    steward: 'plan',
    version: 1,
    createdAt: new Date().toISOString(),
    file: resolve(file),
    connection,
    configDigest: configDigest(cfg),
    connections: plans.map((p) => ({ connection: p.connection, digest: p.digest, statements: p.statements.map((s) => s.sql) })),
  };
  try {
    writeFileSync(out, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    throw new StewardError('invalid_input', `--out ${out}: cannot write the plan (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: 'give a path in a writable directory',
    });
  }
}

export function readSavedPlan(path: string): SavedPlan {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StewardError('invalid_input', `${path}: not a readable plan file (${code ?? 'invalid JSON'})`, {
      hint: 'make one with: steward plan -f steward.yaml --out plan.json',
    });
  }
  const p = parsed as Partial<SavedPlan>;
  if (p.steward !== 'plan' || p.version !== 1 || typeof p.file !== 'string' || typeof p.configDigest !== 'string' || !Array.isArray(p.connections)) {
    throw new StewardError('invalid_input', `${path}: not a Steward plan file (version 1)`, { hint: 'make one with: steward plan -f steward.yaml --out plan.json' });
  }
  return p as SavedPlan;
}

/** Refuse a saved plan whose configuration changed since it was made. */
export function checkSavedPlan(saved: SavedPlan, cfg: ConfigFile, file: string): void {
  if (configDigest(cfg) !== saved.configDigest) {
    throw new StewardError('conflict', `${file}: the configuration changed since the plan was made (${saved.createdAt})`, {
      hint: 'make a new plan with steward plan --out, review it, and apply that',
    });
  }
}
