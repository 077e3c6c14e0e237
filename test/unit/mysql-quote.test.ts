import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StewardError } from '../../src/domain/errors.js';
import { quoteAccount, quoteIdent, quoteString, unquoteString } from '../../src/platforms/mysql/quote.js';

const HOSTILE = ['plain', 'we`ird', '``', "it's", 'sp ace', 'ünï©ødé 表', 'a/b', 'st*r', 'back\\slash', '`; DROP TABLE x; --', '?', '%_'];

describe('quoteIdent', () => {
  it('wraps in backticks and doubles inner backticks', () => {
    expect(quoteIdent('orders')).toBe('`orders`');
    expect(quoteIdent('we`ird')).toBe('`we``ird`');
    expect(quoteIdent('``')).toBe('``````');
    expect(quoteIdent("it's \\ \"q\"")).toBe("`it's \\ \"q\"`");
    expect(quoteIdent('ünï©ødé 表')).toBe('`ünï©ødé 表`');
  });

  it('rejects NUL, empty names and names over 64 characters', () => {
    for (const bad of ['a\0b', '', 'x'.repeat(65)]) {
      expect(() => quoteIdent(bad)).toThrow(StewardError);
      try {
        quoteIdent(bad);
      } catch (e) {
        expect((e as StewardError).code).toBe('invalid_input');
      }
    }
  });

  it('counts characters, not UTF-16 units', () => {
    expect(quoteIdent('é'.repeat(64))).toBe(`\`${'é'.repeat(64)}\``);
    expect(() => quoteIdent('😀'.repeat(40))).not.toThrow(); // 80 UTF-16 units, 40 characters
    expect(() => quoteIdent('😀'.repeat(65))).toThrow(StewardError);
  });

  it('always yields one backtick token whose content reads back as the name', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }).filter((s) => !s.includes('\0')), (name) => {
        const q = quoteIdent(name);
        expect(q.startsWith('`') && q.endsWith('`')).toBe(true);
        const inner = q.slice(1, -1);
        // No lone backtick inside: every backtick comes in a pair.
        expect(inner.replace(/``/g, '')).not.toContain('`');
        expect(inner.replace(/``/g, '`')).toBe(name);
      }),
    );
  });
});

describe('quoteString / quoteAccount', () => {
  it('doubles quotes and backslashes', () => {
    expect(quoteString("o'brien")).toBe("'o''brien'");
    expect(quoteString('back\\slash')).toBe("'back\\\\slash'");
    expect(quoteString("\\'")).toBe("'\\\\'''");
    expect(quoteString('')).toBe("''");
    expect(quoteAccount("o'brien", '10.0.%')).toBe("'o''brien'@'10.0.%'");
    expect(quoteAccount('x', '')).toBe("'x'@''");
  });

  it('rejects NUL', () => {
    expect(() => quoteString('a\0')).toThrow(StewardError);
    expect(() => quoteAccount('a', 'h\0')).toThrow(StewardError);
  });

  it('round-trips hostile names through unquoteString', () => {
    for (const name of HOSTILE) expect(unquoteString(quoteString(name))).toEqual({ value: name, rest: '' });
    fc.assert(
      // A tail starting with a quote would make the SQL ambiguous too ('a''b'); `@` follows in accounts.
      fc.property(fc.string().filter((s) => !s.includes('\0')), fc.string().filter((s) => !s.startsWith("'")), (name, tail) => {
        const back = unquoteString(quoteString(name) + tail);
        expect(back).toEqual({ value: name, rest: tail });
      }),
    );
  });

  it('never lets the literal end early: every quote inside is doubled, every backslash paired', () => {
    fc.assert(
      fc.property(fc.string().filter((s) => !s.includes('\0')), (name) => {
        const inner = quoteString(name).slice(1, -1);
        // Read as the server does (backslash escapes the next char, '' is a quote): no terminator.
        let i = 0;
        while (i < inner.length) {
          if (inner[i] === '\\') i += 2;
          else if (inner[i] === "'") {
            expect(inner[i + 1]).toBe("'");
            i += 2;
          } else i += 1;
        }
        expect(i).toBe(inner.length);
      }),
    );
  });

  it('refuses text that quoteString cannot produce', () => {
    expect(unquoteString('abc')).toBeNull();
    expect(unquoteString("'open")).toBeNull();
    expect(unquoteString("'a\\'b'")).toBeNull();
  });
});
