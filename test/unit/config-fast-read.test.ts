/**
 * The fast reading of steward.yaml (js-yaml) must give exactly what the `yaml` package's
 * document gives — the same data and the same line for every field — or step aside.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exactLines, lazySource, parseExact, parseFast, parseConfig } from '../../src/config/load-config.js';
import type { FieldPath } from '../../src/config/issues.js';
import { t10Yaml } from '../../bench/lib/t10-config.js';
import { s1Yaml } from '../../bench/lib/s1-shape.js';

const env = { URL: 'postgres://steward:pw@127.0.0.1:5432/shop', T10_URL: 'postgres://x@h/d' };

const TRICKY = `# a comment first
connections:
  warehouse:   # trailing comment
    type: postgres
    url: \${URL}
    protect:
      - warehouse/shop/public/*
      - "warehouse/shop/we\\\\/ird/*"

groups: [analysts, hr,
  ops]
users:
  alice:
    email: alice@example.com
    groups:
    - analysts
    attributes: { region: [eu, "us"], level: ['3'] }
  bob:
  carol: null
  "dave x": {}
  eve:

    groups: [hr]
tags:
  warehouse/shop/public/orders: [sales]
  'warehouse/shop/public/customers/email': [pii]
policies:
  -
    name: analysts-read-sales
    type: subscription
    access: read
    to: { groups: [analysts] }
    on: { tags: [sales] }
    expires: 2026-12-31T00:00:00Z
  - name: "hide pii"
    type: mask
    on: { columnTags: [pii] }
    mask: { partial: { keepFirst: 0, keepLast: 4 } }
    except: { groups: [hr] }
  - name: >-
      folded
      name
    type: rowFilter
    on: { paths: [warehouse/shop/public/orders] }
    where: { column: region, in: user.attributes.region }
`;

/** Every field path of the data, keys and list items. */
function pathsOf(v: unknown, path: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [path];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...path, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...path, k]));
  return out;
}

describe('fast reading of steward.yaml', () => {
  const files = {
    tricky: TRICKY,
    generated: t10Yaml({ connection: 'c', database: 'd', prefix: 'p_', users: 300, groups: 7, policies: 40, schemas: 3, tablesPerSchema: 5 }),
    // Flow mappings as list items (`- { name: …, on: { paths: […] } }`) and flow lists.
    s1: s1Yaml({ connection: 'c', type: 'postgres', urlVar: 'T10_URL', databases: ['d'], protect: ['c/d'], containerPath: (n) => `c/d/s${n}` }),
  };
  for (const [name, text] of Object.entries(files)) {
    it(`${name}: the same data and the same line for every field`, () => {
      const fast = parseFast(text, env);
      expect(fast).not.toBeNull();
      expect(fast).toEqual(JSON.parse(JSON.stringify(parseExact(text, 'f.yaml', env, {}))));
      const quick = lazySource(text, 'f.yaml');
      const exact = exactLines(text, 'f.yaml');
      const paths = [...pathsOf(fast), ['users', 'nobody'], ['policies', 99, 'name'], ['users', 'alice', 'groups', 5]];
      for (const p of paths) expect([p, quick.lineOf(p)]).toEqual([p, exact(p)]);
      // The recorded nodes answer every line themselves: the `yaml` document is never needed.
      const own = lazySource(text, 'f.yaml', () => {
        throw new Error('fell back to the yaml document');
      });
      for (const p of paths) expect([p, own.lineOf(p)]).toEqual([p, exact(p)]);
    });
  }

  it('steps aside for what it cannot read exactly; the errors are the exact reader\'s', () => {
    const cases = [
      'groups: [a]\ngroups: [b]\n', // duplicate key
      'base: &b [x]\ngroups: *b\n', // anchors
      'users:\n  null: {}\n', // a key the yaml package reads as null
      'users:\n  1_0: {}\n  0x10: {}\n',
      'groups: [a\n', // syntax
      'connections:\n  c:\n    type: postgres\n    url: ${NOT_SET_ANYWHERE}\n',
      'groups: ["a\\u0000b"]\n',
      '? [a]\n: b\n',
    ];
    for (const text of cases) {
      const fast = parseFast(text, env);
      if (fast !== null) throw new Error(`read fast: ${text}`);
      let exactError = '';
      try {
        parseExact(text, 'f.yaml', env, {});
      } catch (err) {
        exactError = (err as Error).message;
      }
      let error = '';
      try {
        parseConfig(text, 'f.yaml', env);
      } catch (err) {
        error = (err as Error).message;
      }
      expect(error).toBe(exactError);
    }
  });

  it('scalars resolve as YAML 1.2 core in both readers', () => {
    const text = 'x:\n  a: [1, -2, +3, 0o17, 0x1F, 1.5, .5, 1., 2e3, -.inf, .NaN, true, False, ~, null, "", "1", yes, no, on, 1_000, 0b11, 012]\n';
    expect(parseFast(text, env)).toEqual(parse(text));
  });
});
