/** One secure-view spec with every mask, predicate and option: the golden tests' input. */
import type { ProfileRow, SecureViewSpec } from '../../src/domain/secure-view.js';
import type { ParamStatement, SecureViewDialect } from '../../src/platforms/secure-view-dialect.js';

export const columns: SecureViewSpec['columns'] = [
  { name: 'id', type: 'integer', family: 'integer', mask: null },
  { name: 'email', type: 'text', family: 'text', mask: { expr: { kind: 'hash', saltName: 'hide-pii' }, rawWhen: { kind: 'exempt', policy: 'hide-pii' }, policy: 'hide-pii', via: 'column tag pii' } },
  { name: 'ssn', type: 'text', family: 'text', mask: { expr: { kind: 'hash', saltName: null }, rawWhen: null, policy: 'h', via: 'glob' } },
  { name: 'name', type: 'character varying(40)', family: 'text', mask: { expr: { kind: 'regex', pattern: "([A-Z])'\\w+", replacement: '\\1.$' }, rawWhen: null, policy: 'r', via: 'column path' } },
  { name: 'amount', type: 'integer', family: 'integer', mask: { expr: { kind: 'roundStep', step: 100 }, rawWhen: null, policy: 's', via: 'column path' } },
  { name: 'price', type: 'numeric(10,2)', family: 'decimal', mask: { expr: { kind: 'roundStep', step: 0.5 }, rawWhen: null, policy: 's2', via: 'column path' } },
  { name: 'born', type: 'date', family: 'date', mask: { expr: { kind: 'roundUnit', unit: 'year' }, rawWhen: null, policy: 'y', via: 'column path' } },
  { name: 'seen', type: 'timestamp with time zone', family: 'timestamp', mask: { expr: { kind: 'roundUnit', unit: 'hour' }, rawWhen: null, policy: 'u', via: 'column path' } },
  { name: 'phone', type: 'text', family: 'text', mask: { expr: { kind: 'partial', keepFirst: 1, keepLast: 4 }, rawWhen: null, policy: 'p', via: 'column path' } },
  { name: 'notes', type: 'text', family: 'text', mask: { expr: { kind: 'null' }, rawWhen: null, policy: 'n', via: 'table tag x' } },
  {
    name: 'region',
    type: 'text',
    family: 'text',
    mask: {
      expr: { kind: 'constant', value: "it's $$ */" },
      rawWhen: { kind: 'isFalse', item: { kind: 'not', item: { kind: 'inUser', column: 'region', family: 'text', source: { kind: 'attribute', name: 'region' }, negate: false } } },
      policy: 'c',
      via: 'column path',
    },
  },
  { name: 'Wé"ird`', type: 'integer', family: 'integer', mask: { expr: { kind: 'constant', value: -1 }, rawWhen: null, policy: 'c2', via: 'column path' } },
];

export const filter: SecureViewSpec['filter'] = {
  kind: 'and',
  items: [
    { kind: 'hasProfile' },
    {
      kind: 'or',
      items: [
        { kind: 'exempt', policy: 'own-region' },
        {
          kind: 'and',
          items: [
            { kind: 'inUser', column: 'region', family: 'text', source: { kind: 'attribute', name: 'region' }, negate: false },
            { kind: 'inUser', column: 'amount', family: 'integer', source: { kind: 'group' }, negate: true },
            { kind: 'compare', column: 'amount', family: 'integer', op: '!=', value: -5 },
            { kind: 'compare', column: 'name', family: 'text', op: '>=', value: 'M' },
            { kind: 'inList', column: 'name', family: 'text', values: ['a', "b'c"], negate: true },
            { kind: 'isNull', column: 'notes', negate: true },
            { kind: 'not', item: { kind: 'isNull', column: 'born', negate: false } },
          ],
        },
      ],
    },
  ],
};

export const pgSpec: SecureViewSpec = {
  base: ['shop', 'public', 'customers'],
  view: ['shop', 'public_secure', 'customers'],
  system: ['shop', 'steward_wh'],
  columns,
  filter,
  masks: ['c', 'c2', 'h', 'hide-pii', 'n', 'p', 'r', 's', 's2', 'u', 'y'],
  filters: ['own-region'],
};
export const mySpec: SecureViewSpec = { ...pgSpec, base: ['shop', 'customers'], view: ['shop_secure', 'customers'], system: ['steward_wh'] };

export const rows: ProfileRow[] = [
  { principal: 'alice', kind: 'user', name: '', value: '' },
  { principal: "o'brien", kind: 'attribute', name: 'region', value: 'eu\\west' },
];

/** Every kind of statement of a dialect, in apply order, for the spec. */
export function scriptStatements(d: SecureViewDialect, spec: SecureViewSpec): ParamStatement[] {
  return [
    ...d.setupSystem(spec.system, 'steward_wh__views'),
    ...d.setupContainer(spec.view.slice(0, -1), 'steward_wh__views'),
    ...d.putSalts(spec.system, [{ name: 'hide-pii', value: 's3cret' }]),
    ...d.deleteProfile(spec.system, rows.slice(1)),
    ...d.insertProfile(spec.system, rows),
    ...d.buildView(spec, 'steward_wh__views', ['steward_wh__read_r', 'steward_wh__x_r']),
    ...d.dropView(spec.view, spec.system),
    ...d.deleteSalts(spec.system, ['old']),
  ];
}

/** The statements as a reviewable SQL script. */
export function script(d: SecureViewDialect, spec: SecureViewSpec): string {
  return scriptStatements(d, spec).map((s) => `-- database: ${s.database ?? '(default)'}${s.params === null ? '' : `; params: ${JSON.stringify(s.params)}`}\n${s.sql};\n`).join('\n');
}

