/**
 * Actual-state queries: ACLs read with `aclexplode(coalesce(acl, acldefault(...)))` so that
 * implicit defaults and PUBLIC are seen, filters pushed into the inner WHERE, one query per
 * kind and database. Privileges come back comma-joined (`string_agg`) rather than as arrays:
 * plain text reads the same through every driver (pg, PGlite).
 */
import type { SqlQuery } from './catalog.sql.js';

export interface NameRow {
  readonly name: string;
}
export interface MembershipRow {
  readonly role: string;
  /** A JSON array of the role's member names. */
  readonly members: string;
}
export interface ContainerGrantRow {
  readonly object: string;
  readonly grantee: string;
  readonly privileges: string;
}
export interface RelationAclRow {
  readonly items: readonly string[];
  readonly owner: string;
  /** `S` for sequences; anything else is a table-like relation. */
  readonly kind: string;
  readonly schemas: readonly string[];
  readonly names: readonly string[];
}
export interface ColumnAclRow {
  readonly schema: string;
  readonly relation: string;
  readonly owner: string;
  readonly column: string;
  readonly items: readonly string[];
}
export interface DefaultGrantRow {
  readonly schema: string;
  readonly owner: string;
  /** `r` tables, `S` sequences. */
  readonly objtype: string;
  readonly grantee: string;
  readonly privileges: string;
}
export interface SessionRow {
  readonly user: string;
  readonly superuser: boolean;
}

/**
 * Names starting with a prefix, in a form the catalog's unique index on role names serves
 * (`name` compares bytewise): the range [prefix, prefixEnd) narrows, `starts_with` decides
 * (it treats `_` and `%` literally, unlike LIKE). On a cluster of 50,000 roles this reads a few
 * index entries instead of every role (0.1 ms instead of 40 ms per query).
 */
const PREFIX_RANGE = (column: string, prefix: string, end: string): string =>
  `(${column} >= ${prefix}::name AND (${end}::name IS NULL OR ${column} < ${end}::name) AND starts_with(${column}, ${prefix}))`;

/** The least string above every string starting with `prefix` (its last character + 1), or null. */
export function prefixEnd(prefix: string): string | null {
  const chars = [...prefix];
  while (chars.length > 0) {
    const last = chars.pop()!.codePointAt(0)!;
    // The last code point has no successor: carry to the previous character. Surrogates are no characters.
    if (last < 0x10ffff) return chars.join('') + String.fromCodePoint(last + 1 === 0xd800 ? 0xe000 : last + 1);
  }
  return null;
}

/**
 * One privilege held by prefix roles on the rows of a container catalog (databases, schemas):
 * the ACLs exploded once, each item's grantee named by `pg_get_userbyid` (see `databaseGrants`).
 * The arguments are fixed catalog and column names, never input.
 */
function containerGrants(prefix: string, on: { catalog: 'pg_database' | 'pg_namespace'; name: string; acl: string; privilege: 'CONNECT' | 'USAGE' }): SqlQuery {
  return {
    text: `WITH acl AS MATERIALIZED (
  SELECT c.${on.name} AS object, a.grantee, a.privilege_type FROM ${on.catalog} c CROSS JOIN LATERAL aclexplode(c.${on.acl}) a
  WHERE c.${on.acl} IS NOT NULL AND a.privilege_type = '${on.privilege}' AND a.grantee <> 0)
SELECT acl.object, pg_get_userbyid(acl.grantee) AS grantee, string_agg(DISTINCT acl.privilege_type, ',') AS privileges
FROM acl
WHERE starts_with(pg_get_userbyid(acl.grantee), $1)
GROUP BY acl.object, acl.grantee`,
    values: [prefix],
  };
}

const DEFAULT_PRIVILEGES = `('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'USAGE')`;

export const actualStateSql = {
  /**
   * Roles starting with the prefix (`starts_with` treats `_` and `%` literally, unlike LIKE) or
   * named. `IN (SELECT unnest…)` is a hashed lookup; `= ANY(array)` scans the array per role,
   * which took 40 s for 50,000 names against 55,000 roles.
   */
  roles(prefix: string, names: readonly string[]): SqlQuery {
    return {
      text: `SELECT r.rolname AS name FROM pg_roles r WHERE ${PREFIX_RANGE('r.rolname', '$1', '$3')} OR r.rolname IN (SELECT unnest($2::text[]))`,
      values: [prefix, names, prefixEnd(prefix)],
    };
  },

  /**
   * Members of prefix roles, except ignored members: from PostgreSQL 16 a non-superuser
   * system account is made an ADMIN member of every role it creates, and that membership is
   * not Steward's to revoke. DISTINCT: since 16 one membership may have several grantors.
   * One row per role with its members as a JSON array: with 950,000 memberships (T10) a row
   * per membership cost ≈2.0 s of the client's CPU to decode, the array ≈1.0 s.
   */
  memberships(prefix: string, ignored: readonly string[]): SqlQuery {
    return {
      text: `SELECT r.rolname AS role, json_agg(DISTINCT m.rolname)::text AS members
FROM pg_auth_members am
JOIN pg_roles r ON r.oid = am.roleid
JOIN pg_roles m ON m.oid = am.member
WHERE ${PREFIX_RANGE('r.rolname', '$1', '$3')} AND NOT (m.rolname = ANY($2::text[]))
GROUP BY r.rolname`,
      values: [prefix, ignored, prefixEnd(prefix)],
    };
  },

  /**
   * CONNECT held by prefix roles on any database of the cluster. The ACLs are exploded once
   * (MATERIALIZED): left to the planner, a nested loop exploded every database's ACL once per
   * Steward role, and with one database granting CONNECT to 5,000 logins the query took 19 s.
   * Grantees are named with `pg_get_userbyid` (a catalog cache lookup per ACL item), not by a
   * join: the planner estimates one row for `aclexplode`, and joined with 5,450 Steward roles it
   * compared every pair in a nested loop (27 million comparisons, 1.2–2.6 s at T10's 5,000
   * policy roles; 0.17 s this way).
   */
  databaseGrants(prefix: string): SqlQuery {
    return containerGrants(prefix, { catalog: 'pg_database', name: 'datname', acl: 'datacl', privilege: 'CONNECT' });
  },

  /** USAGE held by prefix roles on any schema of the current database (ACLs exploded once and grantees named, as above). */
  schemaGrants(prefix: string): SqlQuery {
    return containerGrants(prefix, { catalog: 'pg_namespace', name: 'nspname', acl: 'nspacl', privilege: 'USAGE' });
  },

  /**
   * Relations with an explicit ACL, grouped by (ACL, owner): each group carries its ACL as
   * `aclitem` texts and the relations that share it. Relations without an ACL grant nothing to
   * anyone but their owner, so they cannot hold a grant in scope. Under policy roles most
   * tables of a schema share one ACL, so the rows are few; reading them and parsing the items
   * in the process measured ~6× faster than one aclexplode row per (relation, grantee) at 5,000
   * tables. The reader picks the entries in scope (protected relations, or a Steward role).
   * Grouped by the `aclitem[]` itself (hashable: a HashAggregate), not by its text: grouping by
   * `relacl::text, relacl::text[]` sorted 5,201 wide keys, spilled 5 MB to disk under the default
   * work_mem and converted every ACL to text twice; 74 ms on S1 against 15 ms this way. aclitem
   * equality is the text's (grantee, grantor, privileges and grant options).
   */
  relationAcls(): SqlQuery {
    return {
      text: `SELECT c.relacl::text[] AS items, pg_get_userbyid(c.relowner) AS owner,
  CASE WHEN c.relkind = 'S' THEN 'S' ELSE 'r' END AS kind,
  array_agg(n.nspname::text) AS schemas, array_agg(c.relname::text) AS names
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relacl IS NOT NULL AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
GROUP BY c.relacl, c.relowner, c.relkind = 'S'`,
      values: [],
    };
  },

  /**
   * Column ACLs (GRANT SELECT (col) ON t): they give access to a protected table as surely as
   * a table grant, so they are read too. Few rows: most columns have no ACL.
   */
  columnAcls(): SqlQuery {
    return {
      text: `SELECT n.nspname AS schema, c.relname AS relation, pg_get_userbyid(c.relowner) AS owner,
  a.attname AS column, a.attacl::text[] AS items
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
      values: [],
    };
  },

  /** Who the session is: grants it made are revoked by plain REVOKE. */
  session(): SqlQuery {
    return { text: `SELECT current_user AS user, r.rolsuper AS superuser FROM pg_roles r WHERE r.rolname = current_user`, values: [] };
  },

  /** Per-schema default privileges on future tables and sequences that name a prefix role as grantee (grantees named as above). */
  defaultGrants(prefix: string): SqlQuery {
    return {
      text: `WITH acl AS MATERIALIZED (
  SELECT d.defaclnamespace, d.defaclrole, d.defaclobjtype, a.grantee, a.privilege_type FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) a
  WHERE d.defaclobjtype IN ('r', 'S') AND a.privilege_type IN ${DEFAULT_PRIVILEGES} AND a.grantee <> 0)
SELECT n.nspname AS schema, pg_get_userbyid(acl.defaclrole) AS owner, acl.defaclobjtype::text AS objtype, pg_get_userbyid(acl.grantee) AS grantee,
  string_agg(DISTINCT acl.privilege_type, ',') AS privileges
FROM acl
JOIN pg_namespace n ON n.oid = acl.defaclnamespace
WHERE starts_with(pg_get_userbyid(acl.grantee), $1)
GROUP BY n.nspname, acl.defaclrole, acl.defaclobjtype, acl.grantee`,
      values: [prefix],
    };
  },
};
