import { describe, expect, it } from 'vitest';
import { StewardError } from '../../src/domain/errors.js';
import { columnsQuery, schemataQuery, tablesQuery } from '../../src/platforms/mysql/catalog.sql.js';
import { introspect } from '../../src/platforms/mysql/introspect.js';
import type { QueryFn, Row, SqlQuery } from '../../src/platforms/mysql/query.js';

const SYS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

describe('catalog SQL', () => {
  it('excludes system databases and binds the allow-list and the table', () => {
    expect(schemataQuery('mariadb', { databases: null, table: null })).toEqual({
      sql: 'SELECT SCHEMA_NAME AS db, SCHEMA_COMMENT AS comment FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?, ?, ?, ?)',
      values: SYS,
    });
    expect(schemataQuery('mysql', { databases: ['shop'], table: null })).toEqual({
      sql: 'SELECT SCHEMA_NAME AS db, NULL AS comment FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (?, ?, ?, ?) AND SCHEMA_NAME IN (?)',
      values: [...SYS, 'shop'],
    });
    expect(tablesQuery({ databases: ['shop'], table: "it's" })).toEqual({
      sql:
        'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_COMMENT AS comment FROM information_schema.TABLES ' +
        'WHERE TABLE_SCHEMA NOT IN (?, ?, ?, ?) AND TABLE_SCHEMA IN (?) AND TABLE_NAME = ?',
      values: [...SYS, 'shop', "it's"],
    });
    expect(columnsQuery({ databases: [], table: null }).sql).toContain('AND 1 = 0');
  });
});

function fake(rows: { schemata: Row[]; tables: Row[]; columns: Row[] }, seen: SqlQuery[] = []): QueryFn {
  return async (q) => {
    seen.push(q);
    if (q.sql.includes('SCHEMATA')) return rows.schemata;
    if (q.sql.includes('information_schema.TABLES')) return rows.tables;
    return rows.columns;
  };
}

describe('introspect', () => {
  it('joins databases, relations and columns in memory, sorted, with views and comments', async () => {
    const snap = await introspect(
      fake({
        schemata: [{ db: 'shop', comment: '' }],
        tables: [
          { db: 'shop', name: 'v', type: 'VIEW', comment: 'VIEW' },
          { db: 'shop', name: 'orders', type: 'BASE TABLE', comment: 'all orders' },
          { db: 'shop', name: 'seq', type: 'SEQUENCE', comment: '' },
          { db: 'shop', name: 'hist', type: 'SYSTEM VERSIONED', comment: '' },
        ],
        columns: [
          { db: 'shop', tbl: 'orders', name: 'total', type: 'decimal(10,2)', nullable: 'YES', position: 2, comment: 'gross' },
          { db: 'shop', tbl: 'orders', name: 'id', type: 'int(11)', nullable: 'NO', position: 1, comment: '' },
          { db: 'shop', tbl: 'v', name: 'id', type: 'int(11)', nullable: 'NO', position: '1', comment: '' },
          { db: 'shop', tbl: 'seq', name: 'next_not_cached_value', type: 'bigint(21)', nullable: 'NO', position: 1, comment: '' },
        ],
      }),
      { dialect: 'mariadb', databases: null },
    );
    expect(snap.roots).toEqual([[]]);
    expect(snap.objects).toEqual([
      { kind: 'database', segments: ['shop'], owner: null, comment: null },
      { kind: 'table', segments: ['shop', 'hist'], owner: null, comment: null, columns: [] },
      {
        kind: 'table',
        segments: ['shop', 'orders'],
        owner: null,
        comment: 'all orders',
        columns: [
          { name: 'id', type: 'int(11)', nullable: false, position: 1, comment: null },
          { name: 'total', type: 'decimal(10,2)', nullable: true, position: 2, comment: 'gross' },
        ],
      },
      { kind: 'view', segments: ['shop', 'v'], owner: null, comment: null, columns: [{ name: 'id', type: 'int(11)', nullable: false, position: 1, comment: null }] },
    ]);
  });

  it('limits to a subtree and reports it as the root; skips databases outside the sync scope', async () => {
    const seen: SqlQuery[] = [];
    const empty = { schemata: [], tables: [], columns: [] };
    expect((await introspect(fake(empty, seen), { dialect: 'mariadb', databases: null, under: ['shop', 'orders'] })).roots).toEqual([['shop', 'orders']]);
    expect(seen.map((q) => q.values.slice(4))).toEqual([
      ['shop', 'orders'],
      ['shop', 'orders'],
    ]);
    seen.length = 0;
    expect(await introspect(fake(empty, seen), { dialect: 'mariadb', databases: ['hr'], under: ['shop'] })).toEqual({ objects: [], roots: [['shop']] });
    expect(await introspect(fake(empty, seen), { dialect: 'mariadb', databases: null, under: ['mysql'] })).toEqual({ objects: [], roots: [['mysql']] });
    expect(seen).toEqual([]);
    await expect(introspect(fake(empty), { dialect: 'mariadb', databases: null, under: ['a', 'b', 'c'] })).rejects.toThrow(StewardError);
  });

  it('aggregates 10 databases × 500 tables × 10 columns from three queries', async () => {
    const schemata: Row[] = [];
    const tables: Row[] = [];
    const columns: Row[] = [];
    for (let d = 0; d < 10; d++) {
      schemata.push({ db: `db${d}`, comment: null });
      for (let t = 0; t < 500; t++) {
        tables.push({ db: `db${d}`, name: `t${t}`, type: 'BASE TABLE', comment: '' });
        for (let c = 10; c >= 1; c--) columns.push({ db: `db${d}`, tbl: `t${t}`, name: `c${c}`, type: 'int', nullable: 'YES', position: c, comment: '' });
      }
    }
    const seen: SqlQuery[] = [];
    const snap = await introspect(fake({ schemata, tables, columns }, seen), { dialect: 'mysql', databases: null });
    expect(seen).toHaveLength(3);
    expect(snap.objects).toHaveLength(10 + 5000);
    const t = snap.objects.find((o) => o.segments[0] === 'db7' && o.segments[1] === 't42');
    expect(t?.columns?.map((c) => c.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
