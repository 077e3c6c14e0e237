import { describe, expect, it } from 'vitest';
import { roleGrantee as R, PUBLIC_GRANTEE } from '../../src/domain/access.js';
import type { Securable } from '../../src/domain/access.js';
import { DEFAULT_OPTIONS } from '../../src/domain/connection.js';
import { StewardError } from '../../src/domain/errors.js';
import type { Operation, Plan } from '../../src/domain/plan.js';
import { compile } from '../../src/platforms/postgres/compile.js';

const plan = (...operations: Operation[]): Plan => ({ connection: 'warehouse', operations });
const table = (db: string, schema: string, name: string): Securable => ({ kind: 'table', segments: [db, schema, name] });
const sql = (p: Plan): string[] => compile(p, DEFAULT_OPTIONS).map((s) => s.sql);

describe('postgres compile', () => {
  it('compiles every operation kind to exact SQL, in plan order, tagged with op and database', () => {
    const out = compile(
      plan(
        { kind: 'createRole', role: R('steward_readers'), purpose: 'policy' },
        { kind: 'createRole', role: R('alice'), purpose: 'principal' },
        { kind: 'grantMembership', roles: ['steward_readers', 'steward_writers'], members: [R('alice'), R('bob')] },
        { kind: 'revokeMembership', roles: ['steward_old'], members: [R('carol'), R('dave')] },
        { kind: 'grant', privileges: ['CONNECT'], securables: [{ kind: 'database', segments: ['shop'] }], grantees: [R('steward_readers')] },
        { kind: 'grant', privileges: ['USAGE'], securables: [{ kind: 'schema', segments: ['shop', 'public'] }, { kind: 'schema', segments: ['shop', 'sales'] }], grantees: [R('steward_readers')] },
        { kind: 'grant', privileges: ['INSERT', 'SELECT'], securables: [table('shop', 'public', 'orders'), table('shop', 'sales', 'items')], grantees: [R('steward_readers'), R('steward_writers')] },
        { kind: 'revoke', privileges: ['SELECT', 'UPDATE'], securables: [table('shop', 'public', 'orders')], grantees: [PUBLIC_GRANTEE, R('bob')], drift: true },
        { kind: 'grantDefault', database: 'shop', schema: 'public', owner: 'etl', objects: 'tables', privileges: ['SELECT'], grantees: [R('steward_readers')] },
        { kind: 'revokeDefault', database: 'shop', schema: 'public', owner: 'etl', objects: 'tables', privileges: ['SELECT', 'DELETE'], grantees: [R('steward_old'), PUBLIC_GRANTEE] },
        { kind: 'setDefaultRole', user: R('alice'), role: 'steward_readers' },
        { kind: 'dropRole', role: 'steward_old' },
      ),
      DEFAULT_OPTIONS,
    );
    expect(out).toEqual([
      { op: 0, database: null, sql: 'CREATE ROLE "steward_readers" NOLOGIN' },
      { op: 1, database: null, sql: 'CREATE ROLE "alice" NOLOGIN' },
      { op: 2, database: null, sql: 'GRANT "steward_readers", "steward_writers" TO "alice", "bob"' },
      { op: 3, database: null, sql: 'REVOKE "steward_old" FROM "carol", "dave"' },
      { op: 4, database: null, sql: 'GRANT CONNECT ON DATABASE "shop" TO "steward_readers"' },
      { op: 5, database: 'shop', sql: 'GRANT USAGE ON SCHEMA "public", "sales" TO "steward_readers"' },
      { op: 6, database: 'shop', sql: 'GRANT SELECT, INSERT ON TABLE "public"."orders", "sales"."items" TO "steward_readers", "steward_writers"' },
      { op: 7, database: 'shop', sql: 'REVOKE SELECT, UPDATE ON TABLE "public"."orders" FROM PUBLIC, "bob"' },
      { op: 8, database: 'shop', sql: 'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" GRANT SELECT ON TABLES TO "steward_readers"' },
      { op: 9, database: 'shop', sql: 'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "public" REVOKE SELECT, DELETE ON TABLES FROM "steward_old", PUBLIC' },
      { op: 11, database: null, sql: 'DROP ROLE "steward_old"' },
    ]);
  });

  it('quotes hostile names exactly', () => {
    expect(
      sql(
        plan(
          { kind: 'createRole', role: R('steward_x"; DROP ROLE postgres; --'), purpose: 'policy' },
          { kind: 'grantMembership', roles: ["steward_it's"], members: [R('Ünïcödé_表'), R('has space')] },
          {
            kind: 'grant',
            privileges: ['SELECT'],
            securables: [table('d"b', 'sch"ema', 'ta;ble--'), table('d"b', 'dot.ted', 'slash/ed*')],
            grantees: [R('MixedCase'), R('public')],
          },
          { kind: 'grant', privileges: ['CONNECT'], securables: [{ kind: 'database', segments: ['back\\slash'] }], grantees: [R('"')] },
          { kind: 'grantDefault', database: 'd"b', schema: "it's", owner: 'ow"ner', objects: 'tables', privileges: ['SELECT'], grantees: [R('x'.repeat(63))] },
        ),
      ),
    ).toEqual([
      'CREATE ROLE "steward_x""; DROP ROLE postgres; --" NOLOGIN',
      `GRANT "steward_it's" TO "Ünïcödé_表", "has space"`,
      // Only the PUBLIC grantee is the keyword; roles named "public" or "PUBLIC" are ordinary names.
      'GRANT SELECT ON TABLE "sch""ema"."ta;ble--", "dot.ted"."slash/ed*" TO "MixedCase", "public"',
      'GRANT CONNECT ON DATABASE "back\\slash" TO """"',
      `ALTER DEFAULT PRIVILEGES FOR ROLE "ow""ner" IN SCHEMA "it's" GRANT SELECT ON TABLES TO "${'x'.repeat(63)}"`,
    ]);
  });

  it('groups securables by kind and database, and each table statement runs in its database', () => {
    const out = compile(
      plan({
        kind: 'grant',
        privileges: ['SELECT', 'USAGE', 'CONNECT'],
        securables: [
          table('a', 's', 't1'),
          { kind: 'schema', segments: ['a', 's'] },
          table('b', 's', 't2'),
          { kind: 'database', segments: ['a'] },
          table('a', 's', 't3'),
          { kind: 'database', segments: ['b'] },
        ],
        grantees: [R('r')],
      }),
      DEFAULT_OPTIONS,
    );
    expect(out).toEqual([
      { op: 0, database: 'a', sql: 'GRANT SELECT ON TABLE "s"."t1", "s"."t3" TO "r"' },
      { op: 0, database: 'a', sql: 'GRANT USAGE ON SCHEMA "s" TO "r"' },
      { op: 0, database: 'b', sql: 'GRANT SELECT ON TABLE "s"."t2" TO "r"' },
      { op: 0, database: null, sql: 'GRANT CONNECT ON DATABASE "a", "b" TO "r"' },
    ]);
  });

  it('chunks object lists at 1,000 per statement', () => {
    const tables = Array.from({ length: 2001 }, (_, i) => table('db', 's', `t${i}`));
    const out = compile(plan({ kind: 'revoke', privileges: ['SELECT'], securables: tables, grantees: [R('r')] }), DEFAULT_OPTIONS);
    expect(out).toHaveLength(3);
    expect(out.map((s) => s.sql.split('", "').length)).toEqual([1000, 1000, 1]);
    expect(out[2]).toEqual({ op: 0, database: 'db', sql: 'REVOKE SELECT ON TABLE "s"."t2000" FROM "r"' });
    expect(out[0]!.sql.startsWith('REVOKE SELECT ON TABLE "s"."t0", "s"."t1", ')).toBe(true);
  });

  it('compiles nothing for empty lists and for setDefaultRole', () => {
    expect(
      sql(
        plan(
          { kind: 'grantMembership', roles: [], members: [R('a')] },
          { kind: 'grant', privileges: ['SELECT'], securables: [], grantees: [R('r')] },
          { kind: 'grant', privileges: ['SELECT'], securables: [table('d', 's', 't')], grantees: [] },
          { kind: 'setDefaultRole', user: R('alice'), role: null },
        ),
      ),
    ).toEqual([]);
  });

  it('rejects operations PostgreSQL cannot express, naming the operation', () => {
    const cases: Operation[] = [
      { kind: 'grant', privileges: ['SELECT'], securables: [{ kind: 'schema', segments: ['d', 's'] }], grantees: [R('r')] },
      { kind: 'grant', privileges: ['SELECT'], securables: [{ kind: 'table', segments: ['d', 't'] }], grantees: [R('r')] },
      { kind: 'grantDefault', database: 'd', schema: 's', owner: 'o', objects: 'tables', privileges: ['USAGE'], grantees: [R('r')] },
      { kind: 'createRole', role: R('bad\u0000name'), purpose: 'policy' },
    ];
    for (const op of cases) {
      let caught: unknown;
      try {
        compile(plan({ kind: 'createRole', role: R('ok'), purpose: 'policy' }, op), DEFAULT_OPTIONS);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(StewardError);
      expect((caught as StewardError).code).toBe('invalid_input');
    }
  });

  it('is pure: same plan, same statements', () => {
    const p = plan({ kind: 'grant', privileges: ['TRUNCATE', 'SELECT', 'DELETE', 'UPDATE', 'INSERT'], securables: [table('d', 's', 't')], grantees: [R('r')] });
    expect(compile(p, DEFAULT_OPTIONS)).toEqual(compile(p, DEFAULT_OPTIONS));
    expect(sql(p)).toEqual(['GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "s"."t" TO "r"']);
  });
});
