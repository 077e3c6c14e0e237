import type { Capabilities } from '../platform.js';
import { postgresPrincipalName } from './principal-name.js';

/** PostgreSQL: database → schema → table, transactional DDL, default privileges, 63-byte names. */
export const postgresCapabilities: Capabilities = {
  hierarchy: ['database', 'schema', 'table'],
  transactionalDdl: true,
  singleActiveRole: false,
  defaultRoles: false,
  maxRoleNameLength: 63,
  readPrivileges: ['SELECT'],
  writePrivileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'],
  containerPrivileges: { database: ['CONNECT'], schema: ['USAGE'] },
  defaultPrivileges: true,
  principalsAreAccounts: false,
  sequencePrivileges: true,
  groupRoles: true,
  principalName: postgresPrincipalName,
};
