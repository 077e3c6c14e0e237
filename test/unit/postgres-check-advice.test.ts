import { describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/domain/glob.js';
import type { RoleReach } from '../../src/platforms/postgres/acting-as.js';
import { adviseDatabase } from '../../src/platforms/postgres/check-advice.js';
import { governedIn, rolesInvolved, type DatabaseFacts, type Governance } from '../../src/platforms/postgres/check-governed.js';
import { notesFor } from '../../src/platforms/postgres/check-notes.js';
import { AdminScript } from '../../src/platforms/postgres/check-script.js';
import type { AccountRow, RelationAccessRow } from '../../src/platforms/postgres/check.sql.js';

const ACCOUNT: AccountRow = { version: '15.4', version_num: 150004, user: 'steward', superuser: false, createrole: true };
const gov = (protect: string[], ignored: string[] = []): Governance => ({
  connection: 'wh',
  globs: protect.map(compileGlob),
  rolePrefix: 'steward_wh__',
  ignored: new Set(ignored),
});
const rel = (schema: string, name: string, extra: Partial<RelationAccessRow> = {}): RelationAccessRow => ({
  schema,
  name,
  kind: 'r',
  owner: 'etl',
  owned: false,
  grantable: '',
  root: null,
  acl: null,
  ...extra,
});
const reach = (entries: [string, Partial<RoleReach>][]): Map<string, RoleReach> =>
  new Map(entries.map(([name, r]) => [name, { name, exists: true, superuser: false, member: false, ...r }]));

const facts = (over: Partial<DatabaseFacts> = {}): DatabaseFacts => ({
  name: 'shop',
  access: { name: 'shop', owner: 'postgres', owned: false, grantable: false, creatable: false },
  schemas: [
    { name: 'sales', owner: 'etl', owned: false, grantable: false },
    { name: 'counters', owner: 'etl', owned: false, grantable: false },
    { name: 'internal', owner: 'etl', owned: false, grantable: false },
  ],
  relations: [
    rel('sales', 'payment', { kind: 'p' }),
    rel('sales', 'payment_2024', { root: ['sales', 'payment'] }),
    rel('sales', 'v_totals', { kind: 'v' }),
    rel('sales', 'staff', { owner: 'postgres' }),
    rel('internal', 'secrets'),
    // A partition in another schema follows its root, wherever it lives.
    rel('internal', 'payment_2023', { root: ['sales', 'payment'] }),
  ],
  sequences: [
    { schema: 'counters', name: 'ticket_no', owner: 'etl', owned: false, grantable: false, acl: null, tables: [['sales', 'payment']] },
    { schema: 'internal', name: 'secret_seq', owner: 'etl', owned: false, grantable: false, acl: null, tables: [['internal', 'secrets']] },
  ],
  columns: [],
  defaults: [],
  ...over,
});

function advise(db: DatabaseFacts, g: Governance, roles: Map<string, RoleReach>) {
  const script = new AdminScript();
  const governed = governedIn(db, g);
  const advice = adviseDatabase(db, governed, g, ACCOUNT, roles, script);
  return { governed, advice, sql: script.render() };
}

describe('PostgreSQL check advice (pure)', () => {
  const roles = reach([['etl', {}], ['postgres', { superuser: true }]]);

  it('governs what the policy engine would: partitions with their root, sequences of protected tables, schemas to reach them', () => {
    const g = governedIn(facts(), gov(['wh/shop/sales/*']));
    expect(g.relations.map((r) => `${r.schema}.${r.name}`)).toEqual(['internal.payment_2023', 'sales.payment', 'sales.payment_2024', 'sales.staff', 'sales.v_totals']);
    expect(g.sequences.map((s) => s.name)).toEqual(['ticket_no']);
    expect([...g.schemas].sort()).toEqual(['counters', 'internal', 'sales']);
    expect([...g.future.keys()]).toEqual(['sales']);
    expect([...g.future.get('sales')!].sort()).toEqual(['etl', 'postgres']);
    expect([...rolesInvolved(facts(), g)].sort()).toEqual(['etl', 'postgres']);
  });

  it('proposes the privileges Steward hands out WITH GRANT OPTION, as each owner, and never membership', () => {
    const { sql, advice } = advise(facts(), gov(['wh/shop/sales/*']), roles);
    expect(sql).toEqual([
      '-- in database "shop":',
      '-- as role "etl", owner of what follows (a superuser or a member of "etl" may run it; PostgreSQL records "etl" as the grantor either way)',
      'SET ROLE "etl";',
      'GRANT USAGE ON SCHEMA "counters", "internal", "sales" TO "steward" WITH GRANT OPTION;',
      'GRANT SELECT ON TABLE "sales"."v_totals" TO "steward" WITH GRANT OPTION;',
      'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "internal"."payment_2023", "sales"."payment", "sales"."payment_2024" TO "steward" WITH GRANT OPTION;',
      'GRANT USAGE ON SEQUENCE "counters"."ticket_no" TO "steward" WITH GRANT OPTION;',
      // Tables created later in the protected schema: the grant option comes with them.
      'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "sales" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO "steward" WITH GRANT OPTION;',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "sales" GRANT USAGE ON SEQUENCES TO "steward" WITH GRANT OPTION;',
      'RESET ROLE;',
      '-- as role "postgres", owner of what follows (a superuser: Steward\'s account never acts as one)',
      'SET ROLE "postgres";',
      'GRANT CONNECT ON DATABASE "shop" TO "steward" WITH GRANT OPTION;',
      'GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLE "sales"."staff" TO "steward" WITH GRANT OPTION;',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "sales" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO "steward" WITH GRANT OPTION;',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "sales" GRANT USAGE ON SEQUENCES TO "steward" WITH GRANT OPTION;',
      'RESET ROLE;',
    ]);
    expect(sql.join('\n')).not.toMatch(/GRANT "(etl|postgres)" TO/);
    expect(advice.enforcement.filter((c) => !c.ok).map((c) => c.what)).toEqual([
      'CONNECT WITH GRANT OPTION on database "shop"',
      'USAGE WITH GRANT OPTION on the governed schemas of "shop"',
      'GRANT OPTION on protected relations in "shop"',
      'USAGE WITH GRANT OPTION on the sequences of protected tables in "shop"',
      'future tables of "etl" in "shop"."sales"',
      'future tables of "postgres" in "shop"."sales"',
    ]);
  });

  it('once the owners give the account the grant option on future tables, says when those tables get their grants', () => {
    const full = 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE';
    const db = facts({
      defaults: [
        { owner: 'etl', schema: 'sales', objtype: 'r', grantable: full },
        { owner: 'etl', schema: 'sales', objtype: 'S', grantable: 'USAGE' },
        // Default privileges for every schema count too.
        { owner: 'postgres', schema: null, objtype: 'r', grantable: full },
        { owner: 'postgres', schema: null, objtype: 'S', grantable: 'USAGE' },
        // Another schema's do not.
        { owner: 'etl', schema: 'internal', objtype: 'r', grantable: full },
      ],
    });
    const { advice } = advise(db, gov(['wh/shop/sales/*']), roles);
    expect(advice.enforcement.filter((c) => c.what.startsWith('future tables')).map((c) => [c.what, c.ok, c.detail])).toEqual([
      ['future tables of "etl" in "shop"."sales"', true, 'granted at the next sync, not when created: Steward\'s account cannot act as "etl" (see the notes)'],
      ['future tables of "postgres" in "shop"."sales"', true, 'granted at the next sync, not when created: Steward\'s account cannot act as a superuser (see the notes)'],
    ]);
    const partial = facts({ defaults: [{ owner: 'etl', schema: 'sales', objtype: 'r', grantable: 'SELECT' }] });
    const { sql } = advise(partial, gov(['wh/shop/sales/*']), roles);
    expect(sql).toContain('ALTER DEFAULT PRIVILEGES FOR ROLE "etl" IN SCHEMA "sales" GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO "steward" WITH GRANT OPTION;');
  });

  it('asks nothing for what the account already holds or owns, and says default privileges work for an owner it is a member of', () => {
    const db = facts({
      access: { name: 'shop', owner: 'postgres', owned: false, grantable: true, creatable: false },
      schemas: facts().schemas.map((s) => ({ ...s, owned: true })),
      relations: facts().relations.map((r) => (r.owner === 'etl' ? { ...r, owned: true } : { ...r, grantable: 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE' })),
      sequences: facts().sequences.map((s) => ({ ...s, owned: true })),
      defaults: [
        { owner: 'postgres', schema: 'sales', objtype: 'r', grantable: 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE' },
        { owner: 'postgres', schema: null, objtype: 'S', grantable: 'USAGE' },
      ],
    });
    const { sql, advice } = advise(db, gov(['wh/shop/sales/*']), reach([['etl', { member: true }], ['postgres', { superuser: true }]]));
    expect(sql).toEqual([]);
    expect(advice.enforcement.every((c) => c.ok)).toBe(true);
    expect(advice.enforcement.find((c) => c.what === 'future tables of "etl" in "shop"."sales"')?.detail).toBe('granted when created (default privileges)');
  });

  it('finds earlier grants by others: revoked by Steward as a grantor it can act as, else by an administrator as the grantor', () => {
    const db = facts({
      relations: [
        rel('sales', 'payment', {
          kind: 'p',
          acl: [
            ['etl', 'etl', 'SELECT', true],
            ['etl', 'steward', 'SELECT', true],
            ['etl', 'analyst', 'SELECT', false],
            ['etl', 'analyst', 'UPDATE', false],
            ['etl', 'analyst', 'REFERENCES', false],
            ['etl', null, 'SELECT', false],
            ['etl', 'PUBLIC', 'SELECT', false],
            ['etl', 'lead', 'SELECT', true],
            ['lead', 'carol', 'SELECT', false],
            ['etl', 'dba', 'SELECT', false],
            ['etl', 'steward_wh__readers', 'SELECT', false],
          ],
        }),
        rel('sales', 'staff', { owner: 'postgres', acl: [['postgres', 'analyst', 'SELECT', false]] }),
      ],
      columns: [{ schema: 'sales', relation: 'payment', owner: 'etl', column: 'card no', acl: [['etl', 'analyst', 'SELECT', false]] }],
    });
    const { sql, advice } = advise(db, gov(['wh/shop/sales/*'], ['dba']), reach([['etl', {}], ['postgres', { superuser: true }], ['lead', { member: true }]]));
    const revokes = sql.slice(sql.findIndex((l) => l.includes('which granted what follows')));
    expect(revokes).toEqual([
      '-- as role "etl", which granted what follows (Steward\'s account is not a member of it): only it can revoke its grants',
      'SET ROLE "etl";',
      'REVOKE SELECT ("card no") ON TABLE "sales"."payment" FROM "analyst";',
      // The role named PUBLIC is a quoted name; the pseudo-role PUBLIC is the keyword.
      'REVOKE SELECT ON TABLE "sales"."payment" FROM "PUBLIC";',
      'REVOKE SELECT ON TABLE "sales"."payment" FROM "lead" CASCADE;',
      'REVOKE SELECT ON TABLE "sales"."payment" FROM PUBLIC;',
      'REVOKE SELECT, UPDATE ON TABLE "sales"."payment" FROM "analyst";',
      'RESET ROLE;',
      '-- as role "postgres", which granted what follows (a superuser): only it can revoke its grants',
      'SET ROLE "postgres";',
      'REVOKE SELECT ON TABLE "sales"."staff" FROM "analyst";',
      'RESET ROLE;',
    ]);
    const item = advice.enforcement.find((c) => c.what.startsWith('revoke earlier grants'))!;
    expect(item).toEqual({
      what: 'revoke earlier grants on protected objects in "shop"',
      ok: false,
      detail:
        'made by "etl" (5 grants), superuser "postgres" (1 grant), which Steward\'s account cannot act as: an administrator must revoke them (the SQL below), else every plan reports them as blocked; Steward revokes those made by "lead" as their grantor',
    });
    // The Steward role's grant recorded as made by the owner is not for an administrator to revoke: it is a note.
    expect(advice.stewardGrantsOutOfReach).toEqual(new Map([['etl', 1]]));
    const notes = notesFor(ACCOUNT, reach([['etl', {}], ['postgres', { superuser: true }]]), [advice], true, 'steward_wh__');
    expect(notes.some((n) => n.startsWith('1 grant to Steward\'s own roles is recorded as made by "etl"'))).toBe(true);
  });

  it('notes say what the grants imply and what each owner out of reach means, in plain words', () => {
    const { advice } = advise(facts(), gov(['wh/shop/sales/*']), roles);
    const notes = notesFor(ACCOUNT, roles, [advice], true, 'steward_wh__');
    expect(notes[0]).toMatch(/^CREATEROLE on PostgreSQL 15\.4 lets the account .* from PostgreSQL 16, CREATEROLE covers only the roles the account created\.$/);
    expect(notes[1]).toMatch(/^WITH GRANT OPTION: .* it cannot DROP or ALTER them\.$/);
    expect(notes[2]).toMatch(/^Default privileges for the account .* on a view created later in such a schema the account holds the write privileges as well\.$/);
    notes.splice(2, 1);
    expect(notes[2]).toMatch(/^"etl" owns protected tables \("shop"\."internal", "shop"\."sales"\) and Steward's account is not a member of it, .* Optional: `GRANT "etl" TO "steward";` .* can also DROP, ALTER and use everything "etl" owns\.$/);
    expect(notes[3]).toMatch(/^"postgres" is a superuser and owns protected tables \("shop"\."sales"\)\. Steward's account never acts as a superuser/);
    expect(notes[3]).not.toContain('GRANT "postgres"');
    expect(notesFor({ ...ACCOUNT, superuser: true }, roles, [], true, 'steward_wh__')).toEqual([
      '"steward" is a superuser: it can do anything in the cluster, far more than Steward needs. Register a dedicated account without SUPERUSER; this check then lists the few grants it needs.',
    ]);
    expect(notesFor({ ...ACCOUNT, version: '16.1', version_num: 160001 }, roles, [], false, 'steward_wh__')).toEqual([]);
  });

  it('asks nothing in a database without protected objects', () => {
    const { sql, advice } = advise(facts(), gov(['wh/other/*']), roles);
    expect(sql).toEqual([]);
    expect(advice.enforcement).toEqual([]);
  });
});
