/**
 * The `aclitem` text parser, against what the server really prints for hostile role names,
 * PUBLIC, grant options and one grantee granted by two grantors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_GRANTEE, roleGrantee } from '../../src/domain/access.js';
import { parseAclItem, parseRelationAclItem, SEQUENCE_LETTERS } from '../../src/platforms/postgres/parse-aclitem.js';
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { pgAvailable } from '../helpers/databases.js';
import { HOSTILE_NAMES } from '../helpers/hostile-names.js';
import { dropRoles, freshDatabase, pgUrl, withPg } from '../helpers/pg-admin.js';

const DB = 'steward_it_aclitem';
const ROLES = HOSTILE_NAMES.filter((n) => n.length < 60).map((n) => `itacl ${n}`);

describe('parseRelationAclItem (unit)', () => {
  it('reads plain, quoted, PUBLIC and grant-option items', () => {
    expect(parseRelationAclItem('alice=arwdDxt/etl')).toEqual({ grantee: roleGrantee('alice'), privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'], grantor: 'etl' });
    expect(parseRelationAclItem('"we""ird=x/y"=r*a/"gr""an/tor"')).toEqual({ grantee: roleGrantee('we"ird=x/y'), privileges: ['SELECT', 'INSERT'], grantor: 'gr"an/tor' });
    // The empty grantee is the pseudo-role PUBLIC; a real role called PUBLIC is a role.
    expect(parseRelationAclItem('=r/etl')).toEqual({ grantee: PUBLIC_GRANTEE, privileges: ['SELECT'], grantor: 'etl' });
    expect(parseRelationAclItem('PUBLIC=r/etl')).toEqual({ grantee: roleGrantee('PUBLIC'), privileges: ['SELECT'], grantor: 'etl' });
    expect(parseAclItem('u=rwU/etl', SEQUENCE_LETTERS)).toEqual({ grantee: roleGrantee('u'), privileges: ['USAGE', 'SELECT', 'UPDATE'], grantor: 'etl' });
    expect(parseRelationAclItem('garbage')).toBeNull();
    expect(parseRelationAclItem('"unterminated=r/x')).toBeNull();
  });
});

describe.skipIf(!pgAvailable)('parseRelationAclItem against the server', () => {
  beforeAll(async () => {
    await freshDatabase(DB, [], [...ROLES, 'itacl_grantor']);
    await withPg(pgUrl(DB), async (c) => {
      await c.query('CREATE TABLE t (id int)');
      for (const r of ROLES) await c.query(`GRANT SELECT, UPDATE ON t TO ${quoteIdent(r)}`);
      await c.query('GRANT SELECT ON t TO PUBLIC');
      await c.query('GRANT SELECT ON t TO itacl_grantor WITH GRANT OPTION');
      await c.query(`SET ROLE itacl_grantor`);
      await c.query(`GRANT SELECT ON t TO ${quoteIdent(ROLES[0]!)}`);
    });
  });
  afterAll(async () => {
    await withPg(pgUrl('postgres'), async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
      await dropRoles(c, [...ROLES, 'itacl_grantor']);
    });
  });

  it('round-trips every hostile role name the server prints', async () => {
    const items = await withPg(pgUrl(DB), async (c) => (await c.query<{ items: string[] }>(`SELECT relacl::text[] AS items FROM pg_class WHERE oid = 't'::regclass`)).rows[0]!.items);
    const parsed = items.map(parseRelationAclItem);
    expect(parsed).not.toContain(null);
    const grantees = parsed.map((p) => (p!.grantee.kind === 'role' ? p!.grantee.name : p!.grantee.kind === 'public' ? 'PUBLIC' : '?'));
    for (const r of ROLES) expect(grantees).toContain(r);
    expect(grantees).toContain('PUBLIC');
    // The first role appears twice: granted by the owner and by itacl_grantor.
    expect(grantees.filter((g) => g === ROLES[0])).toHaveLength(2);
    expect(parsed.find((p) => p!.grantee.kind === 'role' && p!.grantee.name === ROLES[1])!.privileges).toEqual(['SELECT', 'UPDATE']);
  });
});
