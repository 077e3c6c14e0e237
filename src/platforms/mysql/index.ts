import { createMysqlPlatform } from './mysql-platform.js';

/** MariaDB 10.4+: one active role per session, `SET DEFAULT ROLE r FOR u`. */
export const mariadbPlatform = createMysqlPlatform('mariadb');

/** MySQL 8: roles are locked accounts, many active, `SET DEFAULT ROLE r TO u`. */
export const mysqlPlatform = createMysqlPlatform('mysql');

export { quoteIdent, quoteString, quoteAccount } from './quote.js';
