/**
 * Queries behind `check()`: the system account's attributes and, per database, what it may
 * grant on every object and who granted what there — in bulk, one query per kind and
 * database, ACLs read with `aclexplode` (not `has_*_privilege` per object, ~50× slower).
 * Roles whose privileges the account uses without `SET ROLE` (itself and the roles it
 * inherits from) are computed once per query as `me`.
 */
import { NEXTVAL_DEFAULTS_FROM, USER_SCHEMA, type SqlQuery } from './catalog.sql.js';

export interface AccountRow {
  readonly version: string;
  /** `server_version_num`, e.g. 150004. */
  readonly version_num: number;
  readonly user: string;
  readonly superuser: boolean;
  readonly createrole: boolean;
}

/** Who may grant a database, schema or relation: its owner, and whether the account holds what it needs. */
interface OwnedRow {
  readonly owner: string;
  /** The current user is the owner or inherits from it: it may grant anything on the object. */
  readonly owned: boolean;
}

export interface DatabaseAccessRow extends OwnedRow {
  readonly name: string;
  /** The account holds CONNECT WITH GRANT OPTION (itself or through a role it inherits from). */
  readonly grantable: boolean;
  /** The account may create schemas in it (CREATE, itself or inherited). */
  readonly creatable: boolean;
}

export interface SchemaAccessRow extends OwnedRow {
  readonly name: string;
  /** The account holds USAGE WITH GRANT OPTION. */
  readonly grantable: boolean;
}

/**
 * One ACL entry as `aclexplode` reports it: `[grantor, grantee, privilege, with grant option]`;
 * the grantee is null for the pseudo-role PUBLIC (a role named "PUBLIC" comes back by name).
 */
export type AclEntry = readonly [string, string | null, string, boolean];

export interface RelationAccessRow extends OwnedRow {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'r' | 'p' | 'v' | 'm';
  /** Privileges the account holds WITH GRANT OPTION, comma-joined. */
  readonly grantable: string;
  /** A partition: `[schema, name]` of the root of its partition tree. */
  readonly root: readonly [string, string] | null;
  /** Explicit ACL entries; null when the relation has no ACL (only its owner has privileges). */
  readonly acl: readonly AclEntry[] | null;
}

export interface SequenceAccessRow extends OwnedRow {
  readonly schema: string;
  readonly name: string;
  /** `[schema, table]` of every table or partitioned table whose column default calls its nextval. */
  readonly tables: readonly (readonly [string, string])[];
  /** The account holds USAGE WITH GRANT OPTION. */
  readonly grantable: boolean;
  readonly acl: readonly AclEntry[] | null;
}

/** Default privileges for future objects of `owner` (in `schema`, or everywhere when null) the account holds WITH GRANT OPTION. */
export interface DefaultAccessRow {
  readonly owner: string;
  readonly schema: string | null;
  /** `r` tables (views included), `S` sequences. */
  readonly objtype: 'r' | 'S';
  /** Privileges comma-joined. */
  readonly grantable: string;
}

export interface ColumnAccessRow {
  readonly schema: string;
  readonly relation: string;
  readonly owner: string;
  readonly column: string;
  readonly acl: readonly AclEntry[];
}

const ME = `me AS (SELECT oid FROM pg_roles WHERE pg_has_role(current_user, oid, 'USAGE'))`;

/** `aclexplode` of an ACL as JSON `[[grantor, grantee, privilege, grantable], …]` (alias-free: `acl` is an expression). */
const entries = (acl: string): string => `(SELECT json_agg(json_build_array(pg_get_userbyid(a.grantor),
    CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, a.is_grantable))
   FROM aclexplode(${acl}) a)`;

/** Whether `me` holds `privilege` WITH GRANT OPTION in the ACL `acl`. */
const grantable = (acl: string, privilege: string): string => `EXISTS (SELECT 1 FROM aclexplode(${acl}) a
    WHERE a.privilege_type = '${privilege}' AND a.is_grantable AND a.grantee IN (SELECT oid FROM me))`;

export const checkSql = {
  account(): SqlQuery {
    return {
      text: `SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS version_num,
  current_user AS user, r.rolsuper AS superuser, r.rolcreaterole AS createrole
FROM pg_roles r WHERE r.rolname = current_user`,
      values: [],
    };
  },

  /** The named databases: owner, and whether the account may grant CONNECT. */
  databases(names: readonly string[]): SqlQuery {
    return {
      text: `WITH ${ME}
SELECT d.datname AS name, pg_get_userbyid(d.datdba) AS owner, d.datdba IN (SELECT oid FROM me) AS owned,
  ${grantable(`coalesce(d.datacl, acldefault('d', d.datdba))`, 'CONNECT')} AS grantable,
  has_database_privilege(d.oid, 'CREATE') AS creatable
FROM pg_database d WHERE d.datname = ANY($1::text[])`,
      values: [names],
    };
  },

  /** User schemas of the current database: owner, and whether the account may grant USAGE. */
  schemas(): SqlQuery {
    return {
      text: `WITH ${ME}
SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner, n.nspowner IN (SELECT oid FROM me) AS owned,
  ${grantable(`coalesce(n.nspacl, acldefault('n', n.nspowner))`, 'USAGE')} AS grantable
FROM pg_namespace n WHERE ${USER_SCHEMA}`,
      values: [],
    };
  },

  /**
   * Every table, partitioned table, partition, view and materialized view: what the account
   * may grant on it, the root of a partition's tree (a partition is governed with it), and
   * its explicit ACL entries (to find grants made by others).
   */
  relations(): SqlQuery {
    return {
      text: `WITH ${ME}
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
  c.relowner IN (SELECT oid FROM me) AS owned,
  coalesce((SELECT string_agg(DISTINCT a.privilege_type, ',')
              FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
             WHERE a.is_grantable AND a.grantee IN (SELECT oid FROM me)), '') AS grantable,
  CASE WHEN c.relispartition THEN (SELECT json_build_array(rn.nspname, r.relname)
      FROM pg_class r JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE r.oid = pg_partition_root(c.oid)) END AS root,
  CASE WHEN c.relacl IS NOT NULL THEN ${entries('c.relacl')} END AS acl
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND ${USER_SCHEMA}`,
      values: [],
    };
  },

  /**
   * Sequences whose nextval is a column default of a table (serial, DEFAULT nextval): the
   * tables using them, what the account may grant on them, their ACL entries (the catalog's
   * dependency walk, `NEXTVAL_DEFAULTS_FROM`).
   */
  sequences(): SqlQuery {
    return {
      text: `WITH ${ME}
SELECT sn.nspname AS schema, s.relname AS name, pg_get_userbyid(s.relowner) AS owner, s.relowner IN (SELECT oid FROM me) AS owned,
  ${grantable(`coalesce(s.relacl, acldefault('s', s.relowner))`, 'USAGE')} AS grantable,
  CASE WHEN s.relacl IS NOT NULL THEN ${entries('s.relacl')} END AS acl,
  json_agg(DISTINCT jsonb_build_array(n.nspname, c.relname)) AS tables
${NEXTVAL_DEFAULTS_FROM}
WHERE ${USER_SCHEMA}
GROUP BY s.oid, sn.nspname, s.relname, s.relowner, s.relacl`,
      values: [],
    };
  },

  /**
   * Default privileges (pg_default_acl) that give the account a grant option on future tables
   * and sequences: per owner and schema (or every schema).
   */
  defaults(): SqlQuery {
    return {
      text: `WITH ${ME}
SELECT pg_get_userbyid(d.defaclrole) AS owner, n.nspname AS schema, d.defaclobjtype::text AS objtype,
  coalesce((SELECT string_agg(DISTINCT a.privilege_type, ',') FROM aclexplode(d.defaclacl) a
             WHERE a.is_grantable AND a.grantee IN (SELECT oid FROM me)), '') AS grantable
FROM pg_default_acl d
LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
WHERE d.defaclobjtype IN ('r', 'S')`,
      values: [],
    };
  },

  /** Column ACLs (few: most columns have none), to find column grants made by others. */
  columns(): SqlQuery {
    return {
      text: `SELECT n.nspname AS schema, c.relname AS relation, pg_get_userbyid(c.relowner) AS owner, a.attname AS column,
  ${entries('a.attacl')} AS acl
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND ${USER_SCHEMA}`,
      values: [],
    };
  },
};
