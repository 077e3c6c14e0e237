import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StewardError } from '../../src/domain/errors.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { HOSTILE_NAMES, MULTIBYTE_63, PG_HOSTILE_NAMES } from '../helpers/hostile-names.js';

/** The inverse of quoting, as the PostgreSQL lexer reads a delimited identifier. */
function unquote(quoted: string): string {
  expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
  const inner = quoted.slice(1, -1);
  // A lone double quote inside would end the identifier early.
  expect(inner.replaceAll('""', '')).not.toContain('"');
  return inner.replaceAll('""', '"');
}

describe('postgres quoteIdent', () => {
  it('quotes plain and hostile names exactly', () => {
    expect(quoteIdent('orders')).toBe('"orders"');
    expect(quoteIdent('with"quote')).toBe('"with""quote"');
    expect(quoteIdent('with""two')).toBe('"with""""two"');
    expect(quoteIdent("it's")).toBe(`"it's"`);
    expect(quoteIdent('semi;colon')).toBe('"semi;colon"');
    expect(quoteIdent('dash--comment')).toBe('"dash--comment"');
    expect(quoteIdent('MixedCase')).toBe('"MixedCase"');
    expect(quoteIdent('back\\slash')).toBe('"back\\slash"');
    expect(quoteIdent('Ünïcödé_表')).toBe('"Ünïcödé_表"');
    expect(quoteIdent('PUBLIC')).toBe('"PUBLIC"');
  });

  it('round-trips every hostile name', () => {
    for (const name of PG_HOSTILE_NAMES) expect(unquote(quoteIdent(name))).toBe(name);
    expect(HOSTILE_NAMES.length).toBeGreaterThan(10);
    expect(Buffer.byteLength(MULTIBYTE_63, 'utf8')).toBe(63);
    expect(PG_HOSTILE_NAMES).toContain('x'.repeat(63));
  });

  it('round-trips any string without NUL', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, unit: 'grapheme' }).filter((s) => !s.includes('\u0000')),
        (name) => unquote(quoteIdent(name)) === name,
      ),
    );
  });

  it('rejects NUL bytes and the empty name with invalid_input', () => {
    for (const bad of ['a\u0000b', '\u0000', '']) {
      let caught: unknown;
      try {
        quoteIdent(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(StewardError);
      expect((caught as StewardError).code).toBe('invalid_input');
      expect((caught as StewardError).message).toMatch(/^identifier: /);
    }
  });
});
