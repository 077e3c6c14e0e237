/**
 * Preloaded (`node --import tsx --import …/record-spawns.ts`) into Steward processes under test:
 * every child process they start through node:child_process is appended, with its argv, to the
 * file named by STEWARD_TEST_SPAWN_LOG, so a test can check what Steward put on a command line.
 */
import childProcess from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const FUNCTIONS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;

const log = process.env.STEWARD_TEST_SPAWN_LOG;
if (log) {
  const target = childProcess as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of FUNCTIONS) {
    const original = target[name]!;
    target[name] = function recorded(this: unknown, ...args: unknown[]): unknown {
      const argv = args.filter((a): a is string | string[] => typeof a === 'string' || Array.isArray(a)).flat();
      appendFileSync(log, `${JSON.stringify({ pid: process.pid, fn: name, argv })}\n`);
      return original.apply(this, args);
    };
  }
  // ESM importers of node:child_process see the recording functions too.
  syncBuiltinESMExports();
}
