import type { ConnectionOptions, ConnectionSpec } from '../../domain/connection.js';
import type { Plan } from '../../domain/plan.js';
import type { Capabilities, Platform } from '../platform.js';
import { compile } from './compile.js';
import { traitsOf, type Dialect } from './dialect.js';
import { DATABASE_GRANTS } from './database-pattern.js';
import { mysqlPrincipalName } from './principal-name.js';
import { quoteIdent } from './quote.js';
import { connectSession } from './session.js';
import { parseUrl } from './url.js';
import { mysqlSecureViews } from './secure-views.js';

/** Capability flags of a dialect: core code reads these, never the platform type. */
export function capabilitiesOf(dialect: Dialect): Capabilities {
  return {
    hierarchy: ['database', 'table'],
    transactionalDdl: false,
    singleActiveRole: dialect === 'mariadb',
    defaultRoles: true,
    maxRoleNameLength: traitsOf(dialect).maxUserNameLength,
    readPrivileges: ['SELECT'],
    writePrivileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
    containerPrivileges: { database: [], schema: [] },
    defaultPrivileges: false,
    principalsAreAccounts: true,
    sequencePrivileges: false,
    databaseGrants: DATABASE_GRANTS,
    // MariaDB's GRANT takes one role (`GRANT 'a', 'b' TO u` is a syntax error); MySQL 8 takes lists.
    groupRoles: dialect === 'mariadb',
    principalName: mysqlPrincipalName(dialect),
  };
}

/** The Platform of one dialect: both share every part and differ only where the dialect says. */
export function createMysqlPlatform(dialect: Dialect): Platform {
  return {
    type: dialect,
    capabilities: capabilitiesOf(dialect),
    parseUrl,
    quoteIdent,
    compile: (plan: Plan, options: ConnectionOptions) => compile(plan, options, dialect),
    connect: (spec: ConnectionSpec) => connectSession(spec, dialect),
    secureViews: mysqlSecureViews(dialect),
  };
}
