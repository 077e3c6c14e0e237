/** Queries behind `check()`: the system account's attributes and what it may reach, in bulk. */
import { USER_SCHEMA, type SqlQuery } from './catalog.sql.js';

export interface AccountRow {
  readonly version: string;
  readonly user: string;
  readonly superuser: boolean;
  readonly createrole: boolean;
}

export interface NameRow {
  readonly name: string;
}

export interface RelationAccessRow {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'r' | 'p' | 'v' | 'm';
  readonly owner: string;
  /** The current user is the owner or inherits from it: it may grant anything on the relation. */
  readonly owned: boolean;
  /** Privileges the current user (or a role it inherits from) holds WITH GRANT OPTION, comma-joined. */
  readonly grantable: string;
}

export const checkSql = {
  account(): SqlQuery {
    return {
      text: `SELECT current_setting('server_version') AS version, current_user AS user,
  r.rolsuper AS superuser, r.rolcreaterole AS createrole
FROM pg_roles r WHERE r.rolname = current_user`,
      values: [],
    };
  },

  /** User schemas of the current database the current user lacks USAGE on (schemas are few: a per-row check is fine). */
  schemasWithoutUsage(): SqlQuery {
    return {
      text: `SELECT n.nspname AS name FROM pg_namespace n
WHERE ${USER_SCHEMA} AND NOT has_schema_privilege(n.oid, 'USAGE')
ORDER BY n.nspname`,
      values: [],
    };
  },

  /**
   * Every relation with what the current user may grant on it, read from the ACLs with
   * `aclexplode` in one pass (not `has_table_privilege` per table, ~50× slower). The roles it
   * inherits from are computed once.
   */
  relationAccess(): SqlQuery {
    return {
      text: `WITH me AS (SELECT oid FROM pg_roles WHERE pg_has_role(current_user, oid, 'USAGE'))
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
  c.relowner IN (SELECT oid FROM me) AS owned,
  coalesce((SELECT string_agg(DISTINCT a.privilege_type, ',')
              FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
             WHERE a.is_grantable AND a.grantee IN (SELECT oid FROM me)), '') AS grantable
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition AND ${USER_SCHEMA}`,
      values: [],
    };
  },
};
