import type { PlatformType } from '../domain/connection.js';
import type { Platform } from './platform.js';
import { postgresPlatform } from './postgres/index.js';
import { mariadbPlatform, mysqlPlatform } from './mysql/index.js';
import { redshiftPlatform } from './redshift/index.js';

/** Every platform by type; a missing entry is a compile error. */
export const PLATFORMS: Readonly<Record<PlatformType, Platform>> = {
  postgres: postgresPlatform,
  mysql: mysqlPlatform,
  mariadb: mariadbPlatform,
  redshift: redshiftPlatform,
};
