/**
 * One data-policy scenario shared by the secure-view tests of every platform: tables, rows,
 * users and policies, and what each user must see. Segments are built per platform: PostgreSQL
 * `[db, schema, table]`, MySQL/MariaDB `[db, table]`.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import type { User } from '../../src/domain/identity.js';
import type { Policy } from '../../src/domain/policy.js';
import type { CatalogEntry, PolicyInput } from '../../src/policy/input.js';
import type { Capabilities } from '../../src/platforms/platform.js';

export interface FixtureColumn {
  readonly name: string;
  /** Type per platform. */
  readonly pg: string;
  readonly my: string;
  readonly tags?: readonly string[];
}

export interface FixtureTable {
  readonly name: string;
  readonly columns: readonly FixtureColumn[];
  /** Rows in column order; strings are text, numbers numbers, null NULL. */
  readonly rows: readonly (readonly (string | number | null)[])[];
}

/** Hostile text: quotes, backslashes, dollar quotes, comment markers, non-BMP, a NUL stand-in is not allowed. */
export const HOSTILE_VALUE = "it's \\ \"q\" $$ $x$ */ /* -- ; 😀 %_";

export const CUSTOMERS: FixtureTable = {
  name: 'customers',
  columns: [
    { name: 'id', pg: 'integer', my: 'int(11)' },
    { name: 'name', pg: 'text', my: 'varchar(100)' },
    { name: 'email', pg: 'text', my: 'varchar(100)', tags: ['pii'] },
    { name: 'phone', pg: 'text', my: 'varchar(40)' },
    { name: 'region', pg: 'text', my: 'varchar(20)' },
    { name: 'amount', pg: 'numeric(10,2)', my: 'decimal(10,2)' },
    { name: 'born', pg: 'date', my: 'date' },
    { name: 'seen', pg: 'timestamp without time zone', my: 'datetime' },
    { name: 'status', pg: 'text', my: 'varchar(20)' },
    { name: 'score', pg: 'integer', my: 'int(11)' },
  ],
  rows: [
    [1, 'Ann Lee', 'ann@x.eu', '555-123-4567', 'eu', 1234.56, '1990-05-17', '2024-05-17 13:45:12', 'active', 10],
    [2, 'Bob Ray', 'bob@x.us', '555-987-6543', 'us', 99.1, '1985-12-01', '2023-01-02 03:04:05', 'void', 20],
    [3, 'Cy Dee', 'cy@x.apac', '1234', 'apac', 5000, '2000-02-29', '2022-12-31 23:59:59', 'active', 30],
    [4, 'Di Eve', 'di@x.eu', null, 'eu', 10, '1970-01-01', '2021-06-30 12:00:00', null, 40],
    [5, 'Ed Fox', 'ed@x.latam', '555-000-1111', 'latam', 750.5, '1999-09-09', '2020-02-02 02:02:02', 'active', null],
  ],
};

export const ORDERS: FixtureTable = {
  name: 'orders',
  columns: [
    { name: 'id', pg: 'integer', my: 'int(11)' },
    { name: 'region', pg: 'text', my: 'varchar(20)' },
    { name: 'amount', pg: 'integer', my: 'int(11)' },
    { name: 'status', pg: 'text', my: 'varchar(20)' },
    { name: 'team', pg: 'text', my: 'varchar(20)' },
    { name: 'channel', pg: 'text', my: 'varchar(20)' },
  ],
  rows: [
    [1, 'eu', 50, 'open', 'analysts', 'web'],
    [2, 'us', 500, 'open', 'analysts', 'shop'],
    [3, 'us', 900, 'void', 'analysts', 'web'],
    [4, 'apac', 10, 'open', 'hr', 'phone'],
    [5, 'eu', 2000, 'void', 'analysts', 'shop'],
    [6, 'latam', 300, null, 'analysts', 'web'],
  ],
};

/** A table whose name and columns are hostile; masks and filters with hostile values. */
export const HOSTILE: FixtureTable = {
  name: 'we"ird; --',
  columns: [
    { name: 'i"d', pg: 'integer', my: 'int(11)' },
    { name: "it's", pg: 'text', my: 'varchar(100)' },
    { name: 'back\\slash', pg: 'text', my: 'varchar(100)' },
    { name: 'Ünï $$ */', pg: 'text', my: 'varchar(100)' },
  ],
  rows: [
    [1, 'secret-1', 'abc', HOSTILE_VALUE],
    [2, 'secret-2', 'a\\b', 'other'],
  ],
};

export const TABLES = [CUSTOMERS, ORDERS, HOSTILE];

export function users(principal: (name: string) => string, conn: string): User[] {
  const u = (name: string, groups: string[], attributes: Record<string, string[]>): User => ({
    name,
    email: null,
    groups,
    attributes,
    principals: { [conn]: principal(name) },
  });
  return [
    u('alice', ['analysts'], { region: ['eu'] }),
    u('bob', ['analysts'], { region: ['us', 'apac'] }),
    u('hana', ['hr'], { region: ['eu'] }),
    u('carl', ['analysts'], {}),
    u('eve', ['analysts'], { region: [HOSTILE_VALUE] }),
  ];
}

/** `path(table, column?)`: a full path of the fixture's schema or database. */
export function policies(path: (table: string, column?: string) => string, salt: string): Policy[] {
  return [
    { name: 'hide-pii', type: 'mask', on: { columnTags: ['pii'] }, mask: { hash: { salt } }, except: { groups: ['hr'] } },
    { name: 'last-four', type: 'mask', on: { columns: [path('customers', 'phone')] }, mask: { partial: { keepLast: 4 } }, except: { groups: ['hr'] } },
    { name: 'initials', type: 'mask', on: { columns: [path('customers', 'name')] }, mask: { regex: { pattern: '([A-Z])[a-z]+', replacement: '\\1.' } } },
    { name: 'bucket', type: 'mask', on: { columns: [path('customers', 'amount')] }, mask: { round: { step: 100 } } },
    { name: 'birth-year', type: 'mask', on: { columns: [path('customers', 'born')] }, mask: { round: { unit: 'year' } } },
    { name: 'seen-month', type: 'mask', on: { columns: [path('customers', 'seen')] }, mask: { round: { unit: 'month' } } },
    { name: 'no-status', type: 'mask', on: { columns: [path('customers', 'status')] }, mask: null },
    { name: 'zero-score', type: 'mask', on: { columns: [path('customers', 'score')] }, mask: { constant: 0 } },
    { name: 'own-region', type: 'rowFilter', on: { paths: [path('customers')] }, where: { column: 'region', in: 'user.attributes.region' }, except: { groups: ['hr'] } },
    {
      name: 'big-or-own',
      type: 'rowFilter',
      on: { paths: [path('orders')] },
      where: {
        or: [
          { and: [{ column: 'amount', op: '>=', value: 100 }, { not: { column: 'status', op: '=', value: 'void' } }] },
          { column: 'region', in: 'user.attributes.region' },
        ],
      },
    },
    { name: 'team-rows', type: 'rowFilter', on: { paths: [path('orders')] }, where: { column: 'team', in: 'user.groups' } },
    {
      name: 'foreign-channel',
      type: 'mask',
      on: { columns: [path('orders', 'channel')] },
      mask: { constant: 'hidden' },
      when: { not: { column: 'region', in: 'user.attributes.region' } },
    },
    { name: 'hostile-const', type: 'mask', on: { columns: [path(HOSTILE.name, "it's")] }, mask: { constant: HOSTILE_VALUE } },
    { name: 'hostile-regex', type: 'mask', on: { columns: [path(HOSTILE.name, 'back\\slash')] }, mask: { regex: { pattern: "[\\\\']|b", replacement: "$$'\\\\*/" } } },
    { name: 'hostile-filter', type: 'rowFilter', on: { paths: [path(HOSTILE.name)] }, where: { column: 'Ünï $$ */', in: 'user.attributes.region' }, except: { groups: ['hr'] } },
  ];
}

/** A hash as both platforms compute it: SHA-256 hex of salt + the value's text. */
export const sha256hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export interface FixtureInput {
  readonly connection: string;
  readonly capabilities: Capabilities;
  /** Segments of a table of the fixture. */
  readonly tableSegments: (table: string) => string[];
  readonly containers: readonly CatalogEntry[];
  readonly platform: 'pg' | 'my';
  readonly principal: (name: string) => string;
  readonly options?: Partial<ConnectionOptions>;
  readonly salt: string;
  readonly extraTables?: readonly FixtureTable[];
  readonly policies?: readonly Policy[];
  readonly users?: readonly User[];
}

/** The policy engine's input for the fixture (every table protected, `pii` on customers.email). */
export function fixtureInput(f: FixtureInput): PolicyInput {
  const path = (table: string, column?: string): string =>
    [f.connection, ...f.tableSegments(table), ...(column === undefined ? [] : [column])].map((s) => s.replace(/[\\/*]/g, (c) => `\\${c}`)).join('/');
  const catalog: CatalogEntry[] = [
    ...f.containers,
    ...[...TABLES, ...(f.extraTables ?? [])].map(
      (t): CatalogEntry => ({
        segments: f.tableSegments(t.name),
        kind: 'table',
        owner: null,
        tags: [],
        columns: t.columns.map((c) => ({ name: c.name, type: f.platform === 'pg' ? c.pg : c.my, tags: c.tags ?? [] })),
      }),
    ),
  ];
  return {
    connection: f.connection,
    options: { ...DEFAULT_OPTIONS, rolePrefix: `${f.connection}_`, protect: [`${f.connection}/**`], ...f.options },
    capabilities: f.capabilities,
    catalog,
    users: f.users ?? users(f.principal, f.connection),
    policies: f.policies ?? policies(path, f.salt),
    now: new Date('2026-01-01T00:00:00Z'),
    systemAccount: 'postgres',
  };
}
