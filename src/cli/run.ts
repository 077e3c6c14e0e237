import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import type { StewardClient } from '../client/steward-client.js';
import { openClient, type GlobalFlags } from './open-client.js';
import { createOutput, reportError, type Output } from './output.js';

/** `steward connection list`: the command's words, never its arguments (they may hold secrets). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

export interface RunOptions {
  /** Runs before the client opens: argument errors are reported without touching the store. */
  readonly check?: () => void | Promise<void>;
  /**
   * The command does long, heavy work in the embedded store (`catalog sync` of a large catalog):
   * keep V8's optimizing compiler for the store's WebAssembly. Other commands run the store on
   * V8's baseline compiler (Liftoff) alone, since the optimizing compiler's background work
   * costs more than it gains in a process of seconds: it took `connection list` from 0.6 to
   * 1.0 s of CPU and 150 to 240 MB (T9), and S1's `apply` from 2.5 to 4.4 s of CPU and 220 to
   * 300 MB for a no-op, 3.9 to 5.1–5.9 s and 270 to 350 MB for a converge (docs/benchmarks.md).
   */
  readonly heavy?: boolean;
}

/**
 * Run one command: open the client, call `fn`, close, and turn any error into one line on
 * stderr and a non-zero exit. `fn` returns the exit code it wants (default 0).
 */
export async function run(cmd: Command, fn: (client: StewardClient, out: Output) => Promise<number | void>, opts: RunOptions = {}): Promise<void> {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  const out = createOutput(flags.json === true);
  let client: StewardClient | null = null;
  try {
    await opts.check?.();
    // Set before the store's WebAssembly is compiled; V8 reads it at compile time.
    if (opts.heavy !== true) setFlagsFromString('--liftoff-only');
    client = await openClient(flags, commandPath(cmd));
    const code = await fn(client, out);
    process.exitCode = code ?? 0;
  } catch (err) {
    process.exitCode = reportError(err, out.json);
  } finally {
    await client?.close().catch(() => undefined);
  }
}

/** Collect a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
