/**
 * The hostile names that fail today because of known bugs outside the input checks (listed,
 * with why, in hostile-known-failures.ts). Excluded from `npm run test:faults`; run with
 * `npm run test:faults:known`. Each test here fails until its bug is fixed; then the name
 * goes back to the main suite by leaving the list.
 */
import { describe, expect, it } from 'vitest';
import { HOSTILE_CORPUS } from '../helpers/hostile-names.js';
import { KNOWN_FAILURES } from './hostile-known-failures.js';
import { describeHostile } from './helpers/hostile-run.js';
import { HOSTILE_TARGETS } from './helpers/hostile-targets.js';

let listed = 0;
for (const make of HOSTILE_TARGETS) {
  const names = new Set(KNOWN_FAILURES[make().label] ?? []);
  const corpus = HOSTILE_CORPUS.filter((h) => names.has(h.name));
  listed += corpus.length;
  if (corpus.length > 0) describeHostile(make, corpus, 'known failure');
}

describe('known failures list', () => {
  it('names only hostile names of the corpus, each run above (none are listed today)', () => {
    const corpus = new Set(HOSTILE_CORPUS.map((h) => h.name));
    const names = Object.values(KNOWN_FAILURES).flatMap((list) => [...(list ?? [])]);
    expect(names.filter((n) => !corpus.has(n))).toEqual([]);
    expect(listed).toBe(names.length);
  });
});
