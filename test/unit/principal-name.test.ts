import { describe, expect, it } from 'vitest';
import { principalProblem } from '../../src/config/check-principals.js';
import { principalNameProblem, showName } from '../../src/domain/principal-name.js';
import { mariadbPlatform, mysqlPlatform } from '../../src/platforms/mysql/index.js';
import { postgresPlatform } from '../../src/platforms/postgres/index.js';
import { redshiftPlatform } from '../../src/platforms/redshift/index.js';

const pg = postgresPlatform.capabilities.principalName;
const maria = mariadbPlatform.capabilities.principalName;
const my = mysqlPlatform.capabilities.principalName;
const rs = redshiftPlatform.capabilities.principalName;
const ok = (name: string, rule: typeof pg) => principalNameProblem(name, rule) === null;
const why = (name: string, rule: typeof pg) => principalNameProblem(name, rule)?.problem ?? null;

describe('login names per platform', () => {
  it('PostgreSQL: 63 bytes, counted in UTF-8; public, none and pg_* reserved; case and punctuation kept', () => {
    expect(ok('x'.repeat(63), pg)).toBe(true);
    expect(why('x'.repeat(64), pg)).toMatch(/is 64 bytes long; PostgreSQL login names are at most 63 bytes/);
    expect(ok('表'.repeat(21), pg)).toBe(true);
    expect(why('é'.repeat(32), pg)).toMatch(/64 bytes/);
    expect(why('public', pg)).toMatch(/reserved/);
    expect(why('none', pg)).toMatch(/reserved/);
    expect(why('pg_monitor', pg)).toMatch(/"pg_"/);
    for (const name of ['PUBLIC', 'Pg_x', 'trailing ', ' lead', 'with"quote', "it's", 'semi;colon', 'emoji😀']) expect(ok(name, pg), name).toBe(true);
  });

  it('MariaDB: 128 characters in the BMP, trailing spaces dropped, a leading quote reads as an account literal', () => {
    expect(ok('é'.repeat(128), maria)).toBe(true);
    expect(why('x'.repeat(129), maria)).toMatch(/is 129 characters long; MariaDB login names are at most 128 characters/);
    expect(why('bob ', maria)).toMatch(/ends with a space, which MariaDB drops/);
    expect(why('bob😀', maria)).toMatch(/outside the Basic Multilingual Plane/);
    expect(why("'root'@'localhost'", maria)).toMatch(/account literal/);
    for (const name of [' lead', 'tab\tend\t', 'back`tick', 'a@b', '%', 'PUBLIC']) expect(ok(name, maria), name).toBe(true);
  });

  it('MySQL 8: 32 characters; Redshift: 127 bytes, folded to lowercase', () => {
    expect(ok('x'.repeat(32), my)).toBe(true);
    expect(why('x'.repeat(33), my)).toMatch(/at most 32 characters/);
    expect(why('bob ', my)).toMatch(/drops/);
    expect(ok('x'.repeat(127), rs)).toBe(true);
    expect(why('x'.repeat(128), rs)).toMatch(/127 bytes/);
    expect(why('Alice', rs)).toMatch(/folds to lowercase/);
  });

  it('everywhere: not empty, no NUL, valid Unicode; and never inside the role prefix of the connection', () => {
    for (const rule of [pg, maria, my, rs]) {
      expect(why('', rule)).toMatch(/is empty/);
      expect(why('a\u0000b', rule)).toMatch(/NUL/);
      expect(why('a\ud800', rule)).toMatch(/lone surrogate/);
    }
    const conn = { name: 'wh', capabilities: postgresPlatform.capabilities, principalTemplate: '{user}', rolePrefix: 'steward_wh__' };
    expect(principalProblem('steward_wh__u_bob', conn)?.problem).toMatch(/starts with "steward_wh__"/);
    expect(principalProblem('steward_other', conn)).toBeNull();
  });

  it('names in messages are quoted, escaped and cut when long', () => {
    expect(showName('a\nb')).toBe('"a\\nb"');
    expect(showName('rtl\u202eevil')).toBe('"rtl\\u202eevil"');
    expect(showName('x'.repeat(500))).toBe(`"${'x'.repeat(100)}"… (500 characters)`);
  });
});
