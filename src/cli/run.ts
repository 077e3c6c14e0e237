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

/**
 * Run one command: open the client, call `fn`, close, and turn any error into one line on
 * stderr and a non-zero exit. `fn` returns the exit code it wants (default 0). `check` runs
 * before the client opens: argument errors are reported without touching the store.
 */
export async function run(cmd: Command, fn: (client: StewardClient, out: Output) => Promise<number | void>, check?: () => void | Promise<void>): Promise<void> {
  const flags = cmd.optsWithGlobals<GlobalFlags>();
  const out = createOutput(flags.json === true);
  let client: StewardClient | null = null;
  try {
    await check?.();
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
