import type { Privilege } from '../../domain/access.js';

/**
 * `aclexplode(...).privilege_type` names Steward models, mapped to the neutral privilege.
 * Others (REFERENCES, TRIGGER, CREATE, TEMPORARY, MAINTAIN…) are not Steward's to manage and
 * are ignored when reading actual state.
 */
export const ACL_PRIVILEGES: ReadonlyMap<string, Privilege> = new Map<string, Privilege>([
  ['SELECT', 'SELECT'],
  ['INSERT', 'INSERT'],
  ['UPDATE', 'UPDATE'],
  ['DELETE', 'DELETE'],
  ['TRUNCATE', 'TRUNCATE'],
  ['USAGE', 'USAGE'],
  ['CONNECT', 'CONNECT'],
]);
