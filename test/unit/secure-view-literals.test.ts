import { describe, expect, it } from 'vitest';
import { quoteLiteral as myLiteral } from '../../src/platforms/mysql/literal.js';
import { quoteLiteral as pgLiteral } from '../../src/platforms/postgres/literal.js';

describe('value literals (the one per dialect)', () => {
  it('PostgreSQL: quotes doubled; backslashes make an escape string', () => {
    expect(pgLiteral("it's")).toBe("'it''s'");
    expect(pgLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(pgLiteral("\\'; DROP TABLE x; --")).toBe("E'\\\\''; DROP TABLE x; --'");
    expect(pgLiteral('$$ $q$ */ /*')).toBe("'$$ $q$ */ /*'");
    expect(pgLiteral('😀')).toBe("'😀'");
    expect(pgLiteral(null)).toBe('NULL');
    expect(pgLiteral(true)).toBe('TRUE');
    expect(pgLiteral(-3)).toBe('(-3)');
    expect(pgLiteral(1e21)).toBe('1e+21');
    expect(() => pgLiteral('a\u0000b')).toThrow(/NUL/);
    expect(() => pgLiteral('\ud800')).toThrow(/surrogate/);
    expect(() => pgLiteral(Number.NaN)).toThrow(/finite/);
  });

  it('MySQL/MariaDB: quotes and backslashes doubled, NUL as \\0', () => {
    expect(myLiteral("it's")).toBe("'it''s'");
    expect(myLiteral('a\\b')).toBe("'a\\\\b'");
    expect(myLiteral("\\'")).toBe("'\\\\'''");
    expect(myLiteral('a\u0000b')).toBe("'a\\0b'");
    expect(myLiteral('$$ */ -- # ;')).toBe("'$$ */ -- # ;'");
    expect(myLiteral(-0.5)).toBe('(-0.5)');
    expect(() => myLiteral('\udc00x')).toThrow(/surrogate/);
    expect(() => myLiteral(Infinity)).toThrow(/finite/);
  });
});
