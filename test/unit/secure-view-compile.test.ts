/**
 * Golden tests of the secure-view dialects: one spec with every mask, predicate and option,
 * compiled to the exact statements apply runs (files under golden/, reviewed like code).
 */
import { describe, expect, it } from 'vitest';
import { mysqlSecureViews } from '../../src/platforms/mysql/secure-views.js';
import { replacementFor } from '../../src/platforms/mysql/secure-view-sql.js';
import { postgresSecureViews } from '../../src/platforms/postgres/secure-views.js';
import { mySpec, pgSpec, script } from '../helpers/golden-spec.js';

describe('secure-view dialects (golden)', () => {
  it('PostgreSQL', async () => {
    await expect(script(postgresSecureViews, pgSpec)).toMatchFileSnapshot('golden/secure-view.postgres.sql');
  });

  it('MariaDB', async () => {
    await expect(script(mysqlSecureViews('mariadb'), mySpec)).toMatchFileSnapshot('golden/secure-view.mariadb.sql');
  });

  it('MySQL 8 (roles at %, ICU replacements)', async () => {
    await expect(script(mysqlSecureViews('mysql'), mySpec)).toMatchFileSnapshot('golden/secure-view.mysql.sql');
  });

  it('keeps the view definition and its digest a pure function of the spec', () => {
    for (const d of [postgresSecureViews, mysqlSecureViews('mariadb')]) {
      expect(d.viewDefinition(pgSpec.view.length === 3 && d === postgresSecureViews ? pgSpec : mySpec, 'o')).toBe(
        d.viewDefinition(structuredClone(d === postgresSecureViews ? pgSpec : mySpec), 'o'),
      );
    }
  });

  it('rewrites replacements for MySQL 8\'s ICU syntax', () => {
    expect(replacementFor('mysql', '\\1-\\\\-$-x')).toBe('$1-\\\\-\\$-x');
    expect(replacementFor('mariadb', '\\1-\\\\-$-x')).toBe('\\1-\\\\-$-x');
  });

  it('refuses a MySQL/MariaDB profile value longer than its column', () => {
    expect(() => mysqlSecureViews('mariadb').insertProfile(['s'], [{ principal: 'a', kind: 'attribute', name: 'k', value: 'x'.repeat(256) }])).toThrow(
      /attribute "k" of a: longer than 255 characters/,
    );
  });
});
