import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { validatePolicy } from '../../src/config/validators.js';
import { modelOf } from '../../src/config/to-model.js';

const HEAD = `
connections:
  warehouse:
    type: postgres
    url: postgres://steward@127.0.0.1/shop
policies:
`;

function errorOf(policies: string, head = HEAD): string {
  try {
    parseConfig(head + policies, 'steward.yaml', {});
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('data policies in steward.yaml', () => {
  it('accepts every mask, predicate and target shape of INTERFACE.md', () => {
    const cfg = parseConfig(
      `${HEAD}
  - name: hide-pii
    type: mask
    on: { columnTags: [pii] }
    mask: hash
    except: { groups: [hr] }
  - name: nulled
    type: mask
    on: { columns: ["warehouse/shop/public/customers/notes"] }
    mask: null
  - name: salted
    type: mask
    on: { tags: [finance] }
    mask: { hash: { salt: pepper } }
  - name: constant
    type: mask
    on: { paths: [warehouse/shop/public/*] }
    mask: { constant: REDACTED }
  - name: regex
    type: mask
    on: { columns: ["warehouse/shop/*/customers/email"] }
    mask: { regex: { pattern: "^[^@]+", replacement: "***" } }
  - name: round-num
    type: mask
    on: { columns: ["warehouse/shop/public/orders/amount"] }
    mask: { round: { step: 10 } }
  - name: round-date
    type: mask
    on: { columns: ["warehouse/shop/public/orders/at"] }
    mask: { round: { unit: month } }
  - name: last-four
    type: mask
    on: { columns: ["warehouse/shop/public/customers/phone"] }
    mask: { partial: { keepLast: 4 } }
    when: { column: region, op: "=", value: eu }
  - name: own-region
    type: rowFilter
    on: { paths: [warehouse/shop/public/orders] }
    where: { column: region, in: user.attributes.region }
  - name: structured
    type: rowFilter
    on: { tags: [sales] }
    where: { and: [ { column: amount, op: "<", value: 1000 }, { not: { column: status, op: "=", value: "void" } }, { or: [ { column: team, in: user.groups }, { column: kind, in: [a, b] } ] } ] }
    except: { attributes: { clearance: [high] } }
`,
      'steward.yaml',
      {},
    );
    const kinds = modelOf(cfg).policies.map((p) => p.type);
    expect(kinds.filter((k) => k === 'mask')).toHaveLength(8);
    expect(kinds.filter((k) => k === 'rowFilter')).toHaveLength(2);
  });

  it('names the file, line and field of a mask of no known kind', () => {
    expect(errorOf(`
  - name: bad
    type: mask
    on: { columnTags: [pii] }
    mask: { shuffle: true }
`)).toMatch(/^steward\.yaml:\d+: policies\[0\]\.mask/);
  });

  it('refuses a replacement escape the two engines read differently, at its line', () => {
    expect(errorOf(`
  - name: bad-escape
    type: mask
    on: { columnTags: [pii] }
    mask:
      regex:
        pattern: "(a)"
        replacement: "\\\\&"
`)).toBe('steward.yaml:14: policies[0].mask.regex.replacement: "\\&" is not a supported escape');
  });

  it('refuses a malformed user reference instead of taking it as a literal', () => {
    expect(errorOf(`
  - name: typo
    type: rowFilter
    on: { tags: [sales] }
    where:
      and:
        - { column: region, op: "=", value: user.attribute.region }
`)).toBe('steward.yaml:13: policies[0].where.and[0].value: "user.attribute.region" is not a user reference');
  });

  it('refuses an ordering operator with a user reference', () => {
    expect(errorOf(`
  - name: levels
    type: rowFilter
    on: { tags: [sales] }
    where: { column: level, op: "<=", value: user.attributes.clearance }
`)).toMatch(/policies\[0\]\.where\.value: <= cannot compare with user\.attributes\.clearance/);
  });

  it('refuses an operator without the value it needs, and a value it does not take', () => {
    expect(errorOf(`
  - name: no-value
    type: rowFilter
    on: { tags: [sales] }
    where: { column: region, op: "=" }
`)).toMatch(/where\.value: = needs a value/);
    expect(errorOf(`
  - name: null-with-value
    type: rowFilter
    on: { tags: [sales] }
    where: { column: region, op: isNull, value: x }
`)).toMatch(/where\.value: isNull takes no value/);
  });

  it('refuses columns on a row filter, and NUL in a constant', () => {
    expect(errorOf(`
  - name: cols
    type: rowFilter
    on: { columns: ["warehouse/shop/public/t/c"] }
    where: { column: c, op: isNull }
`)).toMatch(/policies\[0\]\.on\.columns: a row filter applies to tables/);
    expect(errorOf(`
  - name: nul
    type: mask
    on: { columnTags: [pii] }
    mask: { constant: "a\\0b" }
`)).toMatch(/mask\.constant: .*NUL character/);
  });

  it('refuses a views template that would put every schema in one', () => {
    expect(errorOf('', `
connections:
  warehouse:
    type: postgres
    url: postgres://steward@127.0.0.1/shop
    views: { schema: secure }
`)).toMatch(/^steward\.yaml:6: connections\.warehouse\.views\.schema: "secure" must contain \{schema\}/);
  });

  it('validates a single policy (API, policy put) against the same schema', () => {
    expect(validatePolicy({ name: 'p', type: 'mask', on: { columnTags: ['pii'] }, mask: { partial: { keepFirst: 2 } } })).toBe(true);
    expect(validatePolicy({ name: 'p', type: 'mask', on: { columnTags: ['pii'] }, mask: { partial: { keepFirst: -1 } } })).toBe(false);
    expect(validatePolicy({ name: 'p', type: 'rowFilter', on: { all: true }, where: { or: [] } })).toBe(false);
  });
});

describe('plan-time policy errors point at the file', () => {
  it('names the line and field of the policy the engine refused', async () => {
    const { locatePolicyError } = await import('../../src/config/locate-policy-error.js');
    const { computeSecureViews } = await import('../../src/policy/secure-views.js');
    const { DEFAULT_OPTIONS } = await import('../../src/domain/connection.js');
    const { postgresCapabilities } = await import('../../src/platforms/postgres/capabilities.js');
    const text = `${HEAD}
  - name: ok
    type: mask
    on: { columnTags: [pii] }
    mask: hash
  - name: bad-round
    type: mask
    on: { columns: ["warehouse/shop/public/customers/email"] }
    mask:
      round: { step: 10 }
`;
    const cfg = parseConfig(text, 'steward.yaml', {});
    let err: unknown;
    try {
      computeSecureViews({
        connection: 'warehouse',
        options: { ...DEFAULT_OPTIONS, protect: ['warehouse/**'] },
        capabilities: postgresCapabilities,
        catalog: [{ segments: ['shop', 'public', 'customers'], kind: 'table', owner: null, tags: [], columns: [{ name: 'email', type: 'text', tags: [] }] }],
        users: [],
        policies: modelOf(cfg).policies,
        now: new Date(),
        systemAccount: 's',
      });
    } catch (e) {
      err = e;
    }
    expect((locatePolicyError(err, cfg) as Error).message).toBe(
      'steward.yaml:16: policies[1].mask.round.step: round with a step cannot apply to column "email" (text) (on warehouse/shop/public/customers)',
    );
  });
});

describe('the flat mask shape of earlier versions', () => {
  it('is refused in a file, at its line', () => {
    expect(errorOf(`
  - name: old
    type: mask
    on: { columnTags: [pii] }
    mask: constant
    value: hidden
`)).toMatch(/^steward\.yaml:1[01]: policies\[0\]\.(mask|value)/);
  });
});
