/**
 * The validator code `npm run build` generates (Ajv standalone) says exactly what the validator
 * compiled at run time says: same verdict and same errors, on the valid example files and on
 * every broken file of the fault suite. And built code of another schema is never used.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import yaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { BASE_CONFIG } from '../faults/helpers/config-store.js';
import { compileValidator, schemaHash, validatorSource } from '../../src/config/validator-code.js';
import { POLICY_TYPES } from '../../src/config/policy-types.js';
import { PolicySchema } from '../../src/config/schema.js';
import { builtValidatorAt } from '../../src/config/validators.js';
import { sourceStamp, stampOfBuilt } from '../../src/config/validator-stamp.js';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
// Inside the project, so that the generated code's require() of Ajv's runtime resolves.
const dir = mkdtempSync(join(ROOT, 'node_modules', '.steward-validators-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(name: 'config' | 'policy'): { fn: ValidateFunction; hash: string; file: string } {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, validatorSource(name));
  const mod = require(file) as { default: ValidateFunction; schemaHash: string };
  return { fn: mod.default, hash: mod.schemaHash, file };
}

const brokenDir = join(ROOT, 'test', 'faults', 'fixtures', 'broken-config');
const documents: [string, unknown][] = readdirSync(brokenDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f): [string, unknown][] => {
    try {
      return [[f, yaml.load(readFileSync(join(brokenDir, f), 'utf8'))]];
    } catch {
      return []; // not YAML at all: the loader refuses it before validation
    }
  });
/** Valid files covering connections, identities, tags, subscriptions, guardrails, masks and filters. */
const examples: [string, unknown][] = [
  ['base', yaml.load(BASE_CONFIG)],
  [
    'everything',
    yaml.load(`
connections:
  warehouse: { type: postgres, url: "postgres://u@h/db", databases: [shop], protect: [warehouse/shop/public], drift: report, views: { schema: secure, hashSalt: s } }
  mart: { type: mariadb, url: "mysql://u@h/shop", protect: [mart/shop], hostPattern: "%" }
groups: [analysts, hr]
users:
  alice: { email: alice@example.com, groups: [analysts], attributes: { region: [eu, us] }, principals: { mart: alice_m } }
tags:
  warehouse/shop/public/customers/email: [pii]
policies:
  - { name: read-shop, type: subscription, access: read, to: { groups: [analysts, hr] }, on: { paths: [warehouse/shop/public/*] } }
  - { name: pii-hr, type: guardrail, to: { groups: [hr] }, on: { columnTags: [pii] } }
  - { name: hide-pii, type: mask, on: { columnTags: [pii] }, mask: hash, except: { groups: [hr] } }
  - { name: own-region, type: rowFilter, on: { paths: [warehouse/shop/public/customers] }, where: { column: region, in: user.attributes.region }, except: { groups: [hr] } }
`),
  ],
];

describe('built validators', () => {
  const built = load('config');
  const compiled = compileValidator('config');

  it('carry the hash of the schema they were made from, and the stamp of its sources', () => {
    expect(built.hash).toBe(schemaHash());
    expect(schemaHash()).toMatch(/^[0-9a-f]{32}$/);
    expect(sourceStamp()).toMatch(/^[0-9a-f]{32}$/);
    expect(stampOfBuilt(built.file)).toBe(sourceStamp());
  });

  it('are used only with the stamp of the current sources', () => {
    expect(builtValidatorAt(built.file, sourceStamp())).toBeTypeOf('function');
    // Code generated from other sources (its stamp differs), or with no stamp, is not used.
    const stale = join(dir, 'stale.cjs');
    writeFileSync(stale, readFileSync(built.file, 'utf8').replace(/sourceStamp = "[0-9a-f]{32}"/, `sourceStamp = "${'0'.repeat(32)}"`));
    expect(stampOfBuilt(stale)).toBe('0'.repeat(32));
    expect(builtValidatorAt(stale, sourceStamp())).toBeNull();
    const unstamped = join(dir, 'unstamped.cjs');
    writeFileSync(unstamped, readFileSync(built.file, 'utf8').replace(/\nmodule\.exports\.sourceStamp = .*\n$/, '\n'));
    expect(builtValidatorAt(unstamped, sourceStamp())).toBeNull();
    expect(builtValidatorAt(join(dir, 'absent.cjs'), sourceStamp())).toBeNull();
    expect(builtValidatorAt(built.file, null)).toBeNull();
  });

  it('the policy types an error lists are the schema\'s', () => {
    const oneOf = (PolicySchema as unknown as { oneOf: { properties: { type: { const: string } } }[] }).oneOf;
    expect(POLICY_TYPES).toEqual(oneOf.map((b) => b.properties.type.const));
  });

  it('agree with the compiled validator on valid files', () => {
    expect(examples.length).toBeGreaterThan(0);
    for (const [name, doc] of examples) {
      expect({ name, ok: built.fn(doc) }).toEqual({ name, ok: true });
      expect(compiled(doc)).toBe(true);
    }
  });

  it('give the same errors as the compiled validator on every broken file', () => {
    expect(documents.length).toBeGreaterThan(40);
    let refused = 0;
    for (const [name, doc] of documents) {
      const a = built.fn(doc);
      const b = compiled(doc);
      expect({ name, ok: a }).toEqual({ name, ok: b });
      if (!a) refused++;
      // Schema objects are copies in the built code: compare what the loader reads of an error.
      const view = (errors: ValidateFunction['errors']) => (errors ?? []).map((e) => ({ path: e.instancePath, keyword: e.keyword, params: e.params, message: e.message, data: e.data }));
      expect({ name, errors: view(built.fn.errors) }).toEqual({ name, errors: view(compiled.errors) });
    }
    expect(refused).toBeGreaterThan(10);
  });

  it('the policy validator agrees too', () => {
    const policy = load('policy').fn;
    const compiledPolicy = compileValidator('policy');
    const cases = [
      { name: 'p', type: 'subscription', access: 'read', to: { groups: ['g'] }, on: { paths: ['c/db/s/*'] } },
      { name: 'p', type: 'subscription', access: 'readz', to: { groups: ['g'] }, on: { paths: ['c/db/s/*'] } },
      { name: 'm', type: 'mask', on: { columnTags: ['pii'] }, mask: 'hash' },
      { name: 'm', type: 'mask', on: { columnTags: ['pii'] }, mask: { round: 'x' } },
      { type: 'guardrail' },
    ];
    for (const c of cases) {
      expect(policy(c)).toBe(compiledPolicy(c));
      expect(policy.errors?.[0]?.instancePath).toBe(compiledPolicy.errors?.[0]?.instancePath);
    }
  });
});
