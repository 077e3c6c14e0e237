/**
 * One owner of the embedded store. PGlite is one PostgreSQL backend inside this process: a second
 * process opening the same directory does not fail, it writes beside the first and both lose
 * data. So the data directory holds `steward.lock`, created atomically (link of a complete temp
 * file), naming the holder: pid, host, start time and command. Another process is refused at
 * once with that name; a lock whose pid is dead on this host is stale and taken over. The lock
 * goes when the store is closed, at exit, and on SIGINT/SIGTERM/SIGHUP.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { StewardError } from '../domain/errors.js';
import { writeNewPrivateFile } from '../security/private-files.js';

export const LOCK_FILE = 'steward.lock';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
  /** What holds it, e.g. `steward serve` (never arguments: they may hold secrets). */
  readonly command: string;
}

export interface StoreLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Remove the lock if it is still ours; idempotent. */
  release(): void;
}

/** Locks this process holds, by file: released together at exit or on a signal. */
const held = new Map<string, StoreLock>();
let hooksInstalled = false;

function releaseAll(): void {
  for (const lock of [...held.values()]) lock.release();
}

/**
 * A signal ends the process without running 'exit' listeners. When nobody else listens for it
 * (a plain CLI command), release the locks and end the process the way the signal would have.
 * When someone else does (`steward serve` shuts down gracefully), leave it to them: their close
 * releases the lock.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  releaseAll();
  process.removeListener(signal, onSignal);
  process.kill(process.pid, signal);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', releaseAll);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.since === 'string' && typeof h.command === 'string') {
      return h as LockHolder;
    }
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stale: left by a process that is gone. Only decidable for holders on this host. */
function isStale(h: LockHolder, file: string): boolean {
  if (h.host !== hostname()) return false;
  // Our own pid in a lock we do not hold: a previous run of a container whose pid is reused.
  if (h.pid === process.pid) return !held.has(file);
  return !pidAlive(h.pid);
}

function lockedError(dataDir: string, file: string, h: LockHolder | null): StewardError {
  const hint = 'while `steward serve` runs, talk to it instead: steward --server http://127.0.0.1:8080 … with STEWARD_TOKEN set (or wait for the other command to finish)';
  if (h === null) {
    return new StewardError('locked', `the embedded store in ${dataDir} is locked and ${file} is unreadable`, {
      hint: `if no steward process uses ${dataDir}, remove ${file}`,
    });
  }
  const where = h.host === hostname() ? `pid ${h.pid}` : `pid ${h.pid} on host ${h.host}`;
  return new StewardError('locked', `the embedded store in ${dataDir} is in use by ${where} (${h.command}, since ${h.since})`, { hint, details: { holder: h } });
}

/**
 * Take the lock of the store in `dataDir` (which must exist) for `command`, or fail with a
 * `locked` error naming the holder.
 */
export function acquireStoreLock(dataDir: string, command: string): StoreLock {
  const file = join(dataDir, LOCK_FILE);
  if (held.has(file)) {
    throw new StewardError('locked', `the embedded store in ${dataDir} is already open in this process`, {
      hint: 'close the first store before opening it again',
    });
  }
  const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  const content = `${JSON.stringify(holder)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeNewPrivateFile(file, content);
      const lock: StoreLock = {
        file,
        holder,
        release() {
          if (held.get(file) !== lock) return;
          held.delete(file);
          try {
            // Remove it only if it still is ours (a takeover race may have moved it).
            if (readFileSync(file, 'utf8') === content) rmSync(file, { force: true });
          } catch {
            // Gone already.
          }
        },
      };
      held.set(file, lock);
      installHooks();
      return lock;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let existing: LockHolder | null;
    try {
      existing = readHolder(file);
    } catch {
      continue; // Released between our attempt and the read: try again.
    }
    if (existing === null || !isStale(existing, file)) throw lockedError(dataDir, file, existing);
    takeOverStale(file, existing);
  }
  throw new StewardError('locked', `the embedded store in ${dataDir}: could not take its lock (other processes keep racing for it)`, {
    hint: 'retry in a moment',
  });
}

/**
 * Move the stale lock aside and check that what was moved is the stale one: two processes
 * taking over at once must not remove the lock the faster one has just made. If it was not,
 * put it back.
 */
function takeOverStale(file: string, stale: LockHolder): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // Someone else moved it: the next attempt decides.
  }
  const moved = (() => {
    try {
      return readHolder(aside);
    } catch {
      return null;
    }
  })();
  if (moved !== null && moved.pid === stale.pid && moved.since === stale.since && moved.host === stale.host) {
    rmSync(aside, { force: true });
    return;
  }
  try {
    linkSync(aside, file);
  } catch {
    // Another lock is in place now; ours to report on the next attempt.
  }
  rmSync(aside, { force: true });
}
