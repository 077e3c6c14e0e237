/** Run the `steward` CLI as a user does: a real process, from the sources through tsx. */
import { execFile } from 'node:child_process';

export const CLI_MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
export const HOLD_STORE = new URL('./hold-store.ts', import.meta.url).pathname;

/** The argv prefix that runs a TypeScript entry point in a child process. */
export function tsxCommand(entry: string): string[] {
  return [process.execPath, '--import', 'tsx', entry];
}

export function cliCommand(): string[] {
  return tsxCommand(CLI_MAIN);
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  /** Run under this umask (through `sh -c 'umask …; exec …'`). */
  readonly umask?: number;
}

/** Run `steward ARGS…`; never rejects: the exit code, stdout and stderr come back. */
export function runCli(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  let [cmd, ...rest] = [...cliCommand(), ...args];
  if (opts.umask !== undefined) {
    rest = ['-c', `umask ${opts.umask.toString(8).padStart(3, '0')}; exec "$@"`, 'sh', cmd!, ...rest];
    cmd = '/bin/sh';
  }
  return new Promise((resolve) => {
    const child = execFile(cmd!, rest, { env: { ...process.env, STEWARD_MASTER_KEY: '', ...opts.env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}
