import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { modelOf, connectionsOf } from '../../src/config/to-model.js';

const EXAMPLE = `
connections:
  warehouse:
    type: postgres
    url: \${WAREHOUSE_URL}
    protect: [warehouse/shop/public/*]
groups: [analysts, hr]
users:
  alice:
    email: alice@example.com
    groups: [analysts]
    attributes: { region: [eu] }
    principals: { warehouse: alice }
tags:
  warehouse/shop/public/orders: [sales]
  warehouse/shop/public/customers/email: [pii]
policies:
  - name: analysts-read-sales
    type: subscription
    access: read
    to: { groups: [analysts] }
    on: { tags: [sales] }
    expires: 2026-12-31T00:00:00Z
  - name: hide-pii
    type: mask
    on: { columnTags: [pii] }
    mask: hash
    except: { groups: [hr] }
  - name: own-region
    type: rowFilter
    on: { paths: [warehouse/shop/public/orders] }
    where: { column: region, in: user.attributes.region }
`;

const env = { WAREHOUSE_URL: 'postgres://steward:pw@127.0.0.1:5432/shop' };

function errorOf(text: string, e: NodeJS.ProcessEnv = env): string {
  try {
    parseConfig(text, 'steward.yaml', e);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('steward.yaml', () => {
  it('parses the INTERFACE.md example', () => {
    const cfg = parseConfig(EXAMPLE, 'steward.yaml', env);
    expect(connectionsOf(cfg)).toEqual([
      { name: 'warehouse', type: 'postgres', url: env.WAREHOUSE_URL, options: { protect: ['warehouse/shop/public/*'], databases: null } },
    ]);
    const m = modelOf(cfg);
    expect(m.users[0]).toEqual({ name: 'alice', email: 'alice@example.com', groups: ['analysts'], attributes: { region: ['eu'] }, principals: { warehouse: 'alice' } });
    expect(m.groups).toEqual(['analysts', 'hr']);
    expect(m.tags).toContainEqual({ connection: 'warehouse', path: 'shop/public/customers/email', tag: 'pii' });
    expect(m.policies.map((p) => p.type)).toEqual(['subscription', 'mask', 'rowFilter']);
  });

  it('names file, line and field of an unknown field', () => {
    expect(errorOf(EXAMPLE.replace('access: read', 'acess: read'))).toMatch(/^steward\.yaml:20: policies\[0\]\.acess: unknown field "acess"/);
  });

  it('names a wrong enum value', () => {
    expect(errorOf(EXAMPLE.replace('type: postgres', 'type: oracle'))).toMatch(/^steward\.yaml:4: connections\.warehouse\.type: /);
  });

  it('reports a missing environment variable at its line', () => {
    expect(errorOf(EXAMPLE, {})).toMatch(/^steward\.yaml:5: connections\.warehouse\.url: environment variable WAREHOUSE_URL is not set/);
  });

  it('rejects duplicate policy names and protect globs of another connection', () => {
    const dup = EXAMPLE.replace('name: hide-pii', 'name: analysts-read-sales');
    expect(errorOf(dup)).toMatch(/duplicate policy name "analysts-read-sales"/);
    expect(errorOf(EXAMPLE.replace('protect: [warehouse/shop/public/*]', 'protect: [other/shop/*]'))).toMatch(/does not start with the connection name/);
  });

  it('reports YAML syntax errors with a line', () => {
    expect(errorOf('connections:\n  a: [\n')).toMatch(/^steward\.yaml:\d+: yaml: /);
  });
});
