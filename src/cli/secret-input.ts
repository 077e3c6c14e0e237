/**
 * Secrets that must not appear in argv (where `ps` and shell history see them): read from an
 * environment variable, from standard input, or typed at a prompt that does not echo.
 */
import { StewardError, invalidInput } from '../domain/errors.js';

export interface SecretSources {
  /** `--url VALUE`; `-` means standard input. */
  readonly value?: string;
  /** `--url-env VAR`. */
  readonly env?: string;
}

/** Everything on standard input, without the final line break. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Read one line from the terminal without echoing it: raw mode, characters collected by hand
 * (backspace edits, Ctrl-C and Ctrl-D abort), nothing written back but the prompt and a newline.
 */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  // Echo off before the prompt shows: what is typed as soon as it appears must not be echoed.
  stdin.setRawMode(true);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err: Error | null): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (d: Buffer): void => {
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new StewardError('invalid_input', 'url: prompt cancelled', { hint: 'pass the URL with --url-env VAR or --url - (standard input)' }));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * The value of a secret flag from exactly one source: `--url-env VAR`, `--url -` (standard
 * input), `--url VALUE`, or, with none of them on a terminal, a prompt that does not echo.
 */
export async function readSecret(flag: string, s: SecretSources, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const hint = `pass it with ${flag}-env VAR (read from that environment variable), ${flag} - (standard input), or type it at the prompt`;
  if (s.value !== undefined && s.env !== undefined) throw invalidInput(flag, `give either ${flag} or ${flag}-env, not both`, hint);
  let value: string;
  if (s.env !== undefined) {
    const v = env[s.env];
    if (v === undefined || v === '') throw invalidInput(`${flag}-env`, `environment variable ${s.env} is not set or empty`, `export ${s.env}=… first`);
    value = v;
  } else if (s.value === '-') {
    if (process.stdin.isTTY) value = await promptHidden(`${flag.replace(/^--/, '')}: `);
    else value = await readStdin();
  } else if (s.value !== undefined) {
    value = s.value;
  } else if (process.stdin.isTTY) {
    value = await promptHidden(`${flag.replace(/^--/, '')} (not echoed): `);
  } else {
    throw invalidInput(flag, 'missing', hint);
  }
  if (value.trim() === '') throw invalidInput(flag, 'is empty', hint);
  return value.trim();
}
