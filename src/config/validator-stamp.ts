/**
 * A stamp of the sources the validators are generated from: the schema and the Ajv setup, read
 * as files (the compiled `.js` beside this module, or the `.ts` under a test runner), never
 * imported. `npm run build` writes it into the generated code, and a process uses that code only
 * while the stamp matches — finding that out without loading TypeBox and the schema, which cost
 * a command that reads a file ≈0.15 s. Null when a source cannot be read (then nothing built is
 * trusted).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SOURCES = ['schema', 'validator-code'] as const;

let memo: string | null | undefined;

export function sourceStamp(): string | null {
  if (memo !== undefined) return memo;
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  try {
    const h = createHash('sha256');
    for (const name of SOURCES) h.update(readFileSync(fileURLToPath(new URL(`./${name}${ext}`, import.meta.url))));
    memo = h.digest('hex').slice(0, 32);
  } catch {
    memo = null;
  }
  return memo;
}

/** The stamp a generated validator file carries (its last line), or null when it has none or cannot be read. */
export function stampOfBuilt(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return /\nmodule\.exports\.sourceStamp = "([0-9a-f]{32})";\s*$/.exec(text)?.[1] ?? null;
}
