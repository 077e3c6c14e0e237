/**
 * A real-schema test on MariaDB: a sakila-like database (tables, an auto-increment key, a view)
 * and a partly governed HR database, with access left by others beforehand — database-wide
 * grants, column grants, a table grant by root. Steward runs as the least-privilege account
 * `connection check` advises. One apply leaves exactly the access the policies say, felt by
 * every governed user logging in with their own password; foreign access to protected data is
 * gone, foreign access to what is not protected is kept; the next plan is empty.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import { parseConfig } from '../../src/config/load-config.js';
import { quoteAccount, quoteString } from '../../src/platforms/mysql/quote.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';
import { MARIADB_URL, mariadbAvailable } from '../helpers/databases.js';
import { canRunAs, dropTestObjects } from '../helpers/mariadb-accounts.js';

const SAKILA = 'mdb_sakila';
const HR = 'mdb_sakila_hr';
const CONN = 'mdbsk';
const SYSTEM = 'mdb_sk_steward';
const url = new URL(MARIADB_URL);
/** Governed users (with their groups) and accounts others use. */
const GOVERNED = { alice: ['analysts'], erin: ['analysts'], bob: ['clerks'], dave: ['hr'], carol: [] } as const;
const OTHERS = ['legacy', 'auditor', 'intern'] as const;
const login = (name: string): string => `mdb_sk_${name}`;

const yaml = `
connections:
  ${CONN}:
    type: mariadb
    url: \${SK_URL}
    databases: [${SAKILA}, ${HR}]
    protect: [${CONN}/${SAKILA}, ${CONN}/${HR}/salary]
users:
${Object.entries(GOVERNED)
  .map(([name, groups]) => `  ${name}: { groups: [${groups.join(', ')}], principals: { ${CONN}: ${login(name)} } }`)
  .join('\n')}
tags:
  ${CONN}/${SAKILA}/customer: [pii]
  ${CONN}/${SAKILA}/customer_list: [pii]
policies:
  - name: analysts-read
    type: subscription
    access: read
    to: { groups: [analysts] }
    on: { paths: ["${CONN}/${SAKILA}/*"] }
  - name: clerks-write
    type: subscription
    access: write
    to: { groups: [clerks] }
    on: { paths: ["${CONN}/${SAKILA}/rental", "${CONN}/${SAKILA}/payment"] }
  - name: hr-read
    type: subscription
    access: read
    to: { groups: [hr] }
    on: { paths: ["${CONN}/${HR}/salary"] }
  - name: pii-alice-only
    type: guardrail
    to: { users: [alice] }
    on: { tags: [pii] }
`;

/** The probes every account is tried with. */
const PROBES: Record<string, string> = {
  readActor: `SELECT * FROM ${SAKILA}.actor`,
  readFilm: `SELECT * FROM ${SAKILA}.film`,
  readCustomer: `SELECT * FROM ${SAKILA}.customer`,
  readEmail: `SELECT email FROM ${SAKILA}.customer`,
  readCustomerList: `SELECT * FROM ${SAKILA}.customer_list`,
  readPayment: `SELECT * FROM ${SAKILA}.payment`,
  writeRental: `INSERT INTO ${SAKILA}.rental (customer_id, film_id) VALUES (1, 1)`,
  writePayment: `INSERT INTO ${SAKILA}.payment (customer_id, amount) VALUES (1, 2.5)`,
  writeFilm: `INSERT INTO ${SAKILA}.film (title) VALUES ('X')`,
  readSalary: `SELECT * FROM ${HR}.salary`,
  readHoliday: `SELECT * FROM ${HR}.holiday`,
};

const canRun = (user: string, sql: string): Promise<boolean> => canRunAs(user, `pw-${user}`, sql);

async function accessOf(names: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const name of names) {
    out[name] = [];
    for (const [probe, sql] of Object.entries(PROBES)) if (await canRun(login(name), sql)) out[name].push(probe);
  }
  return out;
}

describe.skipIf(!mariadbAvailable)('MariaDB end to end on a real schema, as the least-privilege account', () => {
  let admin: mysql.Connection;
  let client: StewardClient;
  const env = { SK_URL: `mysql://${SYSTEM}:Sys-pw-sk@${url.hostname}:${url.port || 3306}/` };
  const config = () => parseConfig(yaml, 'steward.yaml', env);

  const dropAll = () => dropTestObjects(admin, ['steward\\_mdbsk\\_\\_%', 'mdb\\_sk\\_%'], [SAKILA, HR]);

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: MARIADB_URL });
    await dropAll();
    const q = (...statements: string[]) => statements.reduce((p, s) => p.then(() => admin.query(s).then(() => undefined)), Promise.resolve());
    await q(
      `CREATE DATABASE ${SAKILA}`,
      `CREATE TABLE ${SAKILA}.actor (actor_id INT PRIMARY KEY, first_name VARCHAR(45), last_name VARCHAR(45))`,
      `CREATE TABLE ${SAKILA}.film (film_id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(255))`,
      `CREATE TABLE ${SAKILA}.customer (customer_id INT PRIMARY KEY, first_name VARCHAR(45), last_name VARCHAR(45), email VARCHAR(50))`,
      `CREATE TABLE ${SAKILA}.rental (rental_id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT, film_id INT)`,
      `CREATE TABLE ${SAKILA}.payment (payment_id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT, amount DECIMAL(5,2))`,
      `CREATE VIEW ${SAKILA}.customer_list AS SELECT customer_id, first_name, last_name FROM ${SAKILA}.customer`,
      `INSERT INTO ${SAKILA}.actor VALUES (1, 'PENELOPE', 'GUINESS')`,
      `INSERT INTO ${SAKILA}.film (title) VALUES ('ACADEMY DINOSAUR')`,
      `INSERT INTO ${SAKILA}.customer VALUES (1, 'MARY', 'SMITH', 'mary@example.com')`,
      `CREATE DATABASE ${HR}`,
      `CREATE TABLE ${HR}.salary (staff_id INT, amount INT)`,
      `CREATE TABLE ${HR}.holiday (day DATE)`,
    );
    for (const name of [...Object.keys(GOVERNED), ...OTHERS]) await admin.query(`CREATE USER ${quoteAccount(login(name), '%')} IDENTIFIED BY ${quoteString(`pw-${login(name)}`)}`);
    // Access others left behind: database-wide grants (escaped, as careful admins write them),
    // a column grant, and a table grant made by root.
    await q(
      `GRANT SELECT, INSERT ON \`mdb\\_sakila\`.* TO 'mdb_sk_legacy'@'%'`,
      `GRANT SELECT ON \`mdb\\_sakila\\_hr\`.* TO 'mdb_sk_legacy'@'%'`,
      `GRANT SELECT (email) ON ${SAKILA}.customer TO 'mdb_sk_auditor'@'%'`,
      `GRANT SELECT ON ${SAKILA}.payment TO 'mdb_sk_intern'@'%'`,
      `GRANT SELECT ON ${SAKILA}.customer TO 'mdb_sk_erin'@'%'`,
    );
    await admin.query(`CREATE USER ${quoteAccount(SYSTEM, '%')} IDENTIFIED BY 'Sys-pw-sk'`);

    const db = await openPglite(null);
    await migrate(db);
    client = createLocalClient(createServices({ db, masterKey: randomBytes(32) }), 'test');
    await client.storeConfig(config());
    for (const statement of (await client.checkConnection(CONN)).grantSql) await admin.query(statement);
    const check = await client.checkConnection(CONN);
    expect(check.user).toBe(`${SYSTEM}@%`);
    expect(check.grantSql).toEqual([]);
  });

  afterAll(async () => {
    await client?.close();
    if (admin) await dropAll();
    await admin?.end();
  });

  it('before: others hold access to protected data', async () => {
    expect(await accessOf(['legacy', 'auditor', 'intern', 'erin'])).toEqual({
      legacy: ['readActor', 'readFilm', 'readCustomer', 'readEmail', 'readCustomerList', 'readPayment', 'writeRental', 'writePayment', 'writeFilm', 'readSalary', 'readHoliday'],
      auditor: ['readEmail'],
      intern: ['readPayment'],
      erin: ['readCustomer', 'readEmail'],
    });
  });

  it('the plan revokes foreign access, narrows the partly protected database, and grants the whole database at once', async () => {
    const [plan] = await client.plan(config());
    const sql = plan!.statements.map((s) => s.sql);
    expect(plan!.blocked).toEqual([]);
    // Foreign grants on protected data: database-wide, by column, by table.
    expect(sql).toContain("REVOKE SELECT, INSERT ON `mdb\\_sakila`.* FROM 'mdb_sk_legacy'@'%'");
    expect(sql).toContain("REVOKE SELECT (`email`) ON `mdb_sakila`.`customer` FROM 'mdb_sk_auditor'@'%'");
    expect(sql).toContain("REVOKE SELECT ON `mdb_sakila`.`payment` FROM 'mdb_sk_intern'@'%'");
    // The HR database is protected in part: the grant is narrowed to what is not protected, first.
    const narrowed = sql.indexOf("GRANT SELECT ON `mdb_sakila_hr`.`holiday` TO 'mdb_sk_legacy'@'%'");
    expect(narrowed).toBeGreaterThanOrEqual(0);
    expect(sql[narrowed + 1]).toBe("REVOKE SELECT ON `mdb\\_sakila\\_hr`.* FROM 'mdb_sk_legacy'@'%'");
    expect(plan!.operations.find((o) => o.kind === 'revoke' && o.narrowTo !== undefined)).toMatchObject({ narrowTo: [{ kind: 'table', segments: [HR, 'holiday'] }] });
    // The analysts' policy covers the whole database: one database grant, to the role that the
    // pii guardrail restricts (alice); erin's role gets the other tables by name.
    expect(sql.filter((s) => s.startsWith('GRANT SELECT ON `mdb\\_sakila`.*'))).toHaveLength(1);
    expect(plan!.driftCount).toBeGreaterThan(0);
  });

  it('one apply leaves exactly the access the policies say, felt by every user', async () => {
    const r = await client.applyConnection(CONN, { force: true });
    expect(r.status).toBe('applied');
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(await accessOf([...Object.keys(GOVERNED), ...OTHERS])).toEqual({
      // Whole database, pii included (the guardrail lets alice through).
      alice: ['readActor', 'readFilm', 'readCustomer', 'readEmail', 'readCustomerList', 'readPayment'],
      // Whole database but the pii table and view; her own old grant on customer is gone.
      erin: ['readActor', 'readFilm', 'readPayment'],
      // Write on two tables only.
      bob: ['readPayment', 'writeRental', 'writePayment'],
      dave: ['readSalary'],
      carol: [],
      // Others keep only what was never protected.
      legacy: ['readHoliday'],
      auditor: [],
      intern: [],
    });
  });

  it('the next plan is empty', async () => {
    const [plan] = await client.plan(config());
    expect(plan!.operations).toEqual([]);
    expect(plan!.blocked).toEqual([]);
  });

  it('a table created later in the whole-protected database is covered at once, guardrails included', async () => {
    await admin.query(`CREATE TABLE ${SAKILA}.language (language_id INT PRIMARY KEY, name CHAR(20))`);
    // Before any sync: the database grant reaches it for alice. It belongs to the role the pii
    // guardrail restricts (it covers `customer` too), so erin, who fails that guardrail, reads
    // the other tables by name and gets the new one at the next apply.
    expect(await canRun(login('alice'), `SELECT * FROM ${SAKILA}.language`)).toBe(true);
    expect(await canRun(login('erin'), `SELECT * FROM ${SAKILA}.language`)).toBe(false);
    const r = await client.applyConnection(CONN, {});
    expect(r.status).toBe('applied');
    expect(await canRun(login('erin'), `SELECT * FROM ${SAKILA}.language`)).toBe(true);
  });
});
