/**
 * The MariaDB actual-state reader against the real server, as the least-privilege system
 * account `connection check` advises: table, column and database-level grants (exact names,
 * escaped names and wildcard patterns), narrowed and blocked revocations, and the planner's
 * revocations felt by the accounts that log in.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountGrantee, roleGrantee as R, type AccessScope, type AccessState, type Membership, type Securable } from '../../src/domain/access.js';
import { canonicalizeState } from '../../src/domain/canonical-state.js';
import { DEFAULT_OPTIONS, type ConnectionOptions } from '../../src/domain/connection.js';
import { mariadbPlatform } from '../../src/platforms/mysql/index.js';
import { quoteAccount, quoteIdent } from '../../src/platforms/mysql/quote.js';
import type { PlatformSession } from '../../src/platforms/platform.js';
import { planChanges } from '../../src/reconcile/diff.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { canRunAs, dropTestObjects, leastPrivilegeSession } from '../helpers/mariadb-accounts.js';

const SHOP = 'mdb_as_shop';
const WHOLE = 'mdb_as_whole';
const OTHER = 'mdb_as_other';
/** A database an unescaped `mdb_as_shop` pattern also reaches. */
const TWIN = 'mdb_asXshop';
const PREFIX = 'steward_mdbas__';
const SYSTEM = 'mdb_as_steward';
const options: ConnectionOptions = { ...DEFAULT_OPTIONS, rolePrefix: PREFIX, protect: [`mdbas/${SHOP}/orders`, `mdbas/${SHOP}/customers`, `mdbas/${WHOLE}`] };
const A = (user: string, host = '%') => accountGrantee(user, host);
const t = (db: string, table: string): Securable => ({ kind: 'table', segments: [db, table] });
const db = (name: string, pattern = false): Securable => ({ kind: 'database', segments: [name], ...(pattern ? { pattern: true as const } : {}) });

const scope: AccessScope = {
  rolePrefix: PREFIX,
  principals: [A('mdb_as_alice'), A('mdb_as_nobody')],
  protectedTables: [t(SHOP, 'orders'), t(SHOP, 'customers'), t(WHOLE, 'w')],
  protectedSequences: [],
  containers: [db(SHOP), db(WHOLE)],
  databases: [OTHER, SHOP, WHOLE],
  protectedDatabases: [WHOLE],
  unprotectedTables: [t(SHOP, 'free')],
  ignoredGrantees: ['mdb_as_backup'],
};

/** The planner's answer when Steward wants none of the foreign grants and keeps its own. */
function revokeForeign(actual: AccessState): ReturnType<typeof planChanges> {
  const own = actual.grants.filter((g) => g.grantee.kind === 'role' && g.grantee.name.startsWith(PREFIX));
  return planChanges(actual, { ...actual, grants: own }, { connection: 'mdbas', lastApplied: null });
}

describe.skipIf(!mariadbAvailable)('MariaDB actual state', () => {
  let admin: mysql.Connection;
  let s: PlatformSession;
  const sql = async (...statements: string[]): Promise<void> => {
    for (const st of statements) await admin.query(st);
  };
  const can = (user: string, statement: string): Promise<boolean> => canRunAs(user, 'pw', statement);

  const dropAll = () => dropTestObjects(admin, ['steward\\_mdbas\\_\\_%', 'mdb\\_as\\_%'], [SHOP, WHOLE, OTHER, TWIN]);

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropAll();
    for (const d of [SHOP, WHOLE, OTHER, TWIN]) await sql(`CREATE DATABASE ${quoteIdent(d)}`);
    for (const table of ['orders', 'customers', 'free']) await sql(`CREATE TABLE ${SHOP}.${table} (id INT, email TEXT)`);
    await sql(`CREATE TABLE ${WHOLE}.w (id INT)`, `CREATE TABLE ${OTHER}.o (id INT)`, `CREATE TABLE ${TWIN}.x (id INT)`);
    for (const u of ['alice', 'bob', 'carol', 'eve', 'backup']) await sql(`CREATE USER 'mdb_as_${u}'@'%' IDENTIFIED BY 'pw'`);
    // Hand-made state, as an admin would leave it.
    await sql(
      `CREATE ROLE ${PREFIX}read_r`,
      `CREATE ROLE ${PREFIX}u_alice`,
      'CREATE ROLE mdb_as_analyst',
      "CREATE USER 'mdb_as_bob'@'localhost' ACCOUNT LOCK",
      `GRANT SELECT ON ${SHOP}.orders TO ${PREFIX}read_r`,
      `GRANT SELECT, UPDATE ON ${SHOP}.customers TO ${PREFIX}read_r`,
      `GRANT SELECT, INSERT, ALTER ON ${SHOP}.orders TO 'mdb_as_bob'@'%'`,
      `GRANT DELETE ON ${SHOP}.orders TO 'mdb_as_bob'@'localhost'`,
      `GRANT SELECT ON ${SHOP}.orders TO mdb_as_analyst`,
      `GRANT SELECT ON ${SHOP}.orders TO 'mdb_as_backup'@'%'`,
      `GRANT SELECT ON ${SHOP}.free TO ${PREFIX}read_r`,
      `GRANT SELECT ON ${SHOP}.free TO 'mdb_as_bob'@'%'`,
      // Steward's own database grant, exact (escaped) as Steward writes it.
      `GRANT SELECT, DELETE ON \`mdb\\_as\\_whole\`.* TO ${PREFIX}read_r`,
      // Foreign database-level grants: exact on the whole-protected database; exact on the
      // partly protected one; a wildcard pattern reaching all three; one outside the scope.
      `GRANT SELECT ON \`mdb\\_as\\_whole\`.* TO 'mdb_as_bob'@'%'`,
      `GRANT SELECT ON \`mdb\\_as\\_shop\`.* TO 'mdb_as_bob'@'%'`,
      `GRANT INSERT ON \`mdb\\_as\\_%\`.* TO 'mdb_as_carol'@'%'`,
      `GRANT SELECT ON \`mdb\\_as\\_other\`.* TO 'mdb_as_eve'@'%'`,
      // Column grants: on a protected table (in scope), on an unprotected one (not).
      `GRANT SELECT (email), UPDATE (email) ON ${SHOP}.customers TO 'mdb_as_eve'@'%'`,
      `GRANT SELECT (email) ON ${SHOP}.free TO 'mdb_as_eve'@'%'`,
      `GRANT ${PREFIX}read_r TO ${PREFIX}u_alice`,
      `GRANT ${PREFIX}u_alice TO 'mdb_as_alice'@'%'`,
      `GRANT ${PREFIX}read_r TO 'mdb_as_bob'@'localhost'`,
      `SET DEFAULT ROLE ${PREFIX}u_alice FOR 'mdb_as_alice'@'%'`,
    );
    s = await leastPrivilegeSession(admin, { name: 'mdbas', account: SYSTEM, password: 'Sys-pw-as', options });
  });

  afterAll(async () => {
    await s?.close();
    await dropAll();
    await admin.end();
  });

  it('reads roles, memberships, default roles, and every table, column and database grant reaching protected tables', async () => {
    const read = await s.readActualState(scope);
    // The roles were made by root here, which MariaDB records as their admin: hand-made admin
    // rows are memberships (access), only the system account's own are hidden.
    const creator = (m: Membership): boolean => m.member.kind === 'account' && m.member.user === 'root';
    expect(read.memberships.filter(creator).map((m) => m.role)).toEqual([`${PREFIX}read_r`, `${PREFIX}u_alice`]);
    const state = { ...read, memberships: read.memberships.filter((m) => !creator(m)) };
    expect(state).toEqual(
      canonicalizeState({
        roles: [
          { grantee: A('mdb_as_alice'), purpose: 'principal' },
          { grantee: R(`${PREFIX}read_r`), purpose: 'policy' },
          { grantee: R(`${PREFIX}u_alice`), purpose: 'personal' },
        ],
        memberships: [
          { role: `${PREFIX}read_r`, member: A('mdb_as_bob', 'localhost') },
          { role: `${PREFIX}read_r`, member: R(`${PREFIX}u_alice`) },
          { role: `${PREFIX}u_alice`, member: A('mdb_as_alice') },
        ],
        grants: [
          { securable: db(WHOLE), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT', 'DELETE'] },
          { securable: db(WHOLE), grantee: A('mdb_as_bob'), privileges: ['SELECT'] },
          // Exact grant on a partly protected database: revoking it keeps its unprotected table.
          { securable: db(SHOP), grantee: A('mdb_as_bob'), privileges: ['SELECT'], narrowTo: [t(SHOP, 'free')] },
          // A wildcard pattern, kept verbatim; the system account may not revoke it (it holds no
          // privilege on that pattern), and says so.
          {
            securable: db('mdb\\_as\\_%', true),
            grantee: A('mdb_as_carol'),
            privileges: ['INSERT'],
            revokeBlocked: expect.stringMatching(/^the database-level grant on `mdb\\_as\\_%`\.\* reaches protected tables.*It also reaches mdb_as_other, mdb_as_shop \(its unprotected tables\)/),
          },
          { securable: t(SHOP, 'customers'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT', 'UPDATE'] },
          // A Steward role's grant is in scope on any table, protected or not.
          { securable: t(SHOP, 'free'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT'] },
          { securable: t(SHOP, 'orders'), grantee: R('mdb_as_analyst'), privileges: ['SELECT'] },
          { securable: t(SHOP, 'orders'), grantee: A('mdb_as_bob', 'localhost'), privileges: ['DELETE'] },
          { securable: t(SHOP, 'orders'), grantee: A('mdb_as_bob'), privileges: ['SELECT', 'INSERT'] },
          { securable: t(SHOP, 'orders'), grantee: R(`${PREFIX}read_r`), privileges: ['SELECT'] },
          { securable: { kind: 'column', segments: [SHOP, 'customers', 'email'] }, grantee: A('mdb_as_eve'), privileges: ['SELECT', 'UPDATE'] },
        ],
        defaultGrants: [],
        defaultRoles: [{ user: A('mdb_as_alice'), role: `${PREFIX}u_alice` }],
      }),
    );
  });

  it('the planned revocations take the foreign access away, keep what lay outside the scope, and report what they cannot', async () => {
    expect(await can('mdb_as_bob', `SELECT * FROM ${WHOLE}.w`)).toBe(true);
    expect(await can('mdb_as_eve', `SELECT email FROM ${SHOP}.customers`)).toBe(true);
    const plan = revokeForeign(await s.readActualState(scope));
    expect(plan.blocked?.map((b) => b.operation)).toEqual([
      { kind: 'revoke', privileges: ['INSERT'], securables: [db('mdb\\_as\\_%', true)], grantees: [A('mdb_as_carol')], drift: true },
    ]);
    const statements = mariadbPlatform.compile(plan, options);
    expect(statements.map((x) => x.sql)).toContain(`REVOKE SELECT (\`email\`), UPDATE (\`email\`) ON \`${SHOP}\`.\`customers\` FROM 'mdb_as_eve'@'%'`);
    const result = await s.execute(statements, { lockKey: 'steward:mdbas' });
    expect(result.error).toBeUndefined();

    // Felt by the accounts: protected tables closed, what lay outside the scope still open.
    expect(await can('mdb_as_bob', `SELECT * FROM ${WHOLE}.w`)).toBe(false);
    expect(await can('mdb_as_bob', `SELECT * FROM ${SHOP}.orders`)).toBe(false);
    expect(await can('mdb_as_bob', `SELECT * FROM ${SHOP}.free`)).toBe(true);
    expect(await can('mdb_as_eve', `SELECT email FROM ${SHOP}.customers`)).toBe(false);
    expect(await can('mdb_as_eve', `SELECT email FROM ${SHOP}.free`)).toBe(true);
    expect(await can('mdb_as_eve', `SELECT * FROM ${OTHER}.o`)).toBe(true);
    // What Steward reported as blocked is indeed still there: the server refuses the REVOKE.
    expect(await can('mdb_as_carol', `INSERT INTO ${WHOLE}.w VALUES (1)`)).toBe(true);
    const refused = await s.execute(mariadbPlatform.compile({ connection: 'mdbas', operations: plan.blocked!.map((b) => b.operation) }, options), { lockKey: 'steward:mdbas' });
    expect(refused.error).toMatch(/Access denied/);
  });

  it('given the privileges on the pattern, it narrows the wildcard grant: revoked, and kept where it reached beyond the scope', async () => {
    // What the blocked reason asks for, for an administrator who wants Steward to handle it.
    await sql(`GRANT INSERT ON \`mdb\\_as\\_%\`.* TO ${quoteAccount(SYSTEM, '%')} WITH GRANT OPTION`);
    const plan = revokeForeign(await s.readActualState(scope));
    expect(plan.blocked).toBeUndefined();
    expect(plan.operations).toEqual([
      {
        kind: 'revoke',
        privileges: ['INSERT'],
        securables: [db('mdb\\_as\\_%', true)],
        grantees: [A('mdb_as_carol')],
        narrowTo: [db(OTHER), t(SHOP, 'free')],
        drift: true,
      },
    ]);
    const statements = mariadbPlatform.compile(plan, options);
    expect(statements.map((x) => x.sql)).toEqual([
      `GRANT INSERT ON \`mdb\\_as\\_other\`.* TO 'mdb_as_carol'@'%'`,
      `GRANT INSERT ON \`${SHOP}\`.\`free\` TO 'mdb_as_carol'@'%'`,
      `REVOKE INSERT ON \`mdb\\_as\\_%\`.* FROM 'mdb_as_carol'@'%'`,
    ]);
    const result = await s.execute(statements, { lockKey: 'steward:mdbas' });
    expect(result.error).toBeUndefined();
    expect(await can('mdb_as_carol', `INSERT INTO ${WHOLE}.w VALUES (1)`)).toBe(false);
    expect(await can('mdb_as_carol', `INSERT INTO ${SHOP}.orders VALUES (1, 'x')`)).toBe(false);
    expect(await can('mdb_as_carol', `INSERT INTO ${SHOP}.free VALUES (1, 'x')`)).toBe(true);
    expect(await can('mdb_as_carol', `INSERT INTO ${OTHER}.o VALUES (1)`)).toBe(true);
    await sql(`REVOKE INSERT ON \`mdb\\_as\\_%\`.* FROM ${quoteAccount(SYSTEM, '%')}`);

    // Nothing foreign is left in scope: the next plan is empty.
    const after = await s.readActualState(scope);
    expect(revokeForeign(after).operations).toEqual([]);
    expect(after.grants.every((g) => g.grantee.kind === 'role' && g.grantee.name.startsWith(PREFIX))).toBe(true);
    // Out of scope and left alone: ALTER on a protected table, the ignored grantee.
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT User AS u, Table_priv AS p FROM mysql.tables_priv WHERE Db = ? AND Table_name = 'orders' ORDER BY User`, [SHOP]);
    expect(rows.map((r): unknown[] => [r.u, r.p])).toEqual([
      ['mdb_as_backup', 'Select'],
      ['mdb_as_bob', 'Alter'],
      [`${PREFIX}read_r`, 'Select'],
    ]);
  });

  it('reports an unescaped grant as blocked (it is a pattern), and revokes exact ones', async () => {
    await sql(
      // What people usually type: `mdb_as_shop` unescaped also matches `mdb_asXshop`.
      `GRANT SELECT ON mdb_as_shop.* TO 'mdb_as_carol'@'%'`,
      `GRANT SELECT ON \`mdb\\_as\\_whole\`.* TO 'mdb_as_eve'@'%'`,
    );
    const plan = revokeForeign(await s.readActualState(scope));
    expect(plan.blocked).toEqual([
      {
        operation: { kind: 'revoke', privileges: ['SELECT'], securables: [db('mdb_as_shop', true)], grantees: [A('mdb_as_carol')], drift: true },
        reason: expect.stringMatching(/An administrator can run: REVOKE SELECT ON `mdb_as_shop`\.\* FROM 'mdb_as_carol'@'%'\. It also reaches mdb_asXshop, mdb_as_shop \(its unprotected tables\)/),
      },
    ]);
    expect(mariadbPlatform.compile(plan, options).map((x) => x.sql)).toEqual([`REVOKE SELECT ON \`mdb\\_as\\_whole\`.* FROM 'mdb_as_eve'@'%'`]);
    // The server agrees on both counts.
    const result = await s.execute(mariadbPlatform.compile(plan, options), { lockKey: 'steward:mdbas' });
    expect(result.error).toBeUndefined();
    expect(await can('mdb_as_eve', `SELECT * FROM ${WHOLE}.w`)).toBe(false);
    const blocked = mariadbPlatform.compile({ connection: 'mdbas', operations: plan.blocked!.map((b) => b.operation) }, options);
    const refused = await s.execute(blocked, { lockKey: 'steward:mdbas' });
    expect(refused.error).toMatch(/Access denied/);
    expect(await can('mdb_as_carol', `SELECT * FROM ${TWIN}.x`)).toBe(true);
  });

  it('reads an empty scope without querying principals or tables', async () => {
    expect(
      await s.readActualState({
        rolePrefix: 'steward_mdbas_none_',
        principals: [],
        protectedTables: [],
        protectedSequences: [],
        containers: [],
        databases: [],
        protectedDatabases: [],
        ignoredGrantees: [],
      }),
    ).toEqual({ roles: [], memberships: [], grants: [], defaultGrants: [], defaultRoles: [] });
  });
});
