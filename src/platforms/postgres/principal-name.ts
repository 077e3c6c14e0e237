import type { PrincipalNameRule } from '../../domain/principal-name.js';

/**
 * PostgreSQL role names (checked on 15): at most NAMEDATALEN-1 = 63 bytes, longer ones are
 * truncated with only a NOTICE (a 64-byte login then "already exists" on every later apply);
 * `public` and `none` are reserved, and so is every name starting with `pg_`. Case, spaces
 * and other characters are kept exactly, since Steward always quotes.
 */
export const postgresPrincipalName: PrincipalNameRule = {
  label: 'PostgreSQL',
  maxLength: 63,
  lengthUnit: 'bytes',
  bmpOnly: false,
  trimsTrailingSpaces: false,
  foldsToLowercase: false,
  reserved: [
    { pattern: /^(?:public|none)$/, why: 'is a reserved role name in PostgreSQL' },
    { pattern: /^pg_/, why: 'starts with "pg_", which PostgreSQL reserves for its own roles' },
  ],
};
