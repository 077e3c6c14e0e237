import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  databasePatternMatches,
  escapeDatabasePattern,
  escapedNameFits,
  exactDatabaseOf,
} from '../../src/platforms/mysql/database-pattern.js';
import { quoteIdent } from '../../src/platforms/mysql/quote.js';
import { HOSTILE_NAMES } from '../helpers/hostile-names.js';

describe('database-level grant patterns', () => {
  it('escapes the wildcards and the escape character, nothing else', () => {
    expect(escapeDatabasePattern('shop')).toBe('shop');
    expect(escapeDatabasePattern('my_db')).toBe('my\\_db');
    expect(escapeDatabasePattern('100%')).toBe('100\\%');
    expect(escapeDatabasePattern('a\\b')).toBe('a\\\\b');
    expect(escapeDatabasePattern('x`y_%\\')).toBe('x`y\\_\\%\\\\');
    // The backtick is the identifier quote's business, done after escaping.
    expect(quoteIdent(escapeDatabasePattern('we`ird_db'))).toBe('`we``ird\\_db`');
  });

  it('matches as the server does: `_` one character, `%` any run, `\\` makes the next literal', () => {
    expect(databasePatternMatches('shop', 'shop')).toBe(true);
    expect(databasePatternMatches('shop', 'shops')).toBe(false);
    expect(databasePatternMatches('shop%', 'shop_eu')).toBe(true);
    expect(databasePatternMatches('shop%', 'shop')).toBe(true);
    expect(databasePatternMatches('sh_p', 'ship')).toBe(true);
    expect(databasePatternMatches('sh\\_p', 'ship')).toBe(false);
    expect(databasePatternMatches('sh\\_p', 'sh_p')).toBe(true);
    expect(databasePatternMatches('a.b', 'axb')).toBe(false);
    // The twist of an unescaped name: `shop_x` also reaches `shopXx`.
    expect(databasePatternMatches('shop_x', 'shopXx')).toBe(true);
    expect(databasePatternMatches(escapeDatabasePattern('shop_x'), 'shopXx')).toBe(false);
    expect(databasePatternMatches('ü_', 'üé')).toBe(true);
    expect(databasePatternMatches('a\\', 'a\\')).toBe(true);
  });

  it('an escaped name reaches exactly that name, and reads back as it (hostile names too)', () => {
    const names = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom(...HOSTILE_NAMES, '_', '%', '\\', '\\_', '%_\\%', 'a_b%c\\d'));
    fc.assert(
      fc.property(names, names, (name, other) => {
        const p = escapeDatabasePattern(name);
        expect(databasePatternMatches(p, name)).toBe(true);
        expect(databasePatternMatches(p, other)).toBe(name === other);
        expect(exactDatabaseOf(p)).toBe(name);
      }),
    );
  });

  it('keeps wildcard and oddly spelt patterns as patterns', () => {
    expect(exactDatabaseOf('my_db')).toBeNull();
    expect(exactDatabaseOf('shop%')).toBeNull();
    // Exact, but not as Steward writes it: kept verbatim so that REVOKE names the stored row.
    expect(exactDatabaseOf('sh\\op')).toBeNull();
    expect(exactDatabaseOf('shop\\')).toBeNull();
    expect(exactDatabaseOf('my\\_db')).toBe('my_db');
    expect(exactDatabaseOf('')).toBe('');
  });

  it('knows when an escaped name no longer fits the 64 characters of mysql.db', () => {
    expect(escapedNameFits('a'.repeat(64))).toBe(true);
    expect(escapedNameFits(`${'a'.repeat(63)}_`)).toBe(false);
    expect(escapedNameFits(`${'a'.repeat(62)}_`)).toBe(true);
    expect(escapedNameFits('ü'.repeat(64))).toBe(true);
  });
});
