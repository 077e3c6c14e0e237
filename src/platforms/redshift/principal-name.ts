import type { PrincipalNameRule } from '../../domain/principal-name.js';

/**
 * Amazon Redshift user names (from its documentation; no Redshift server here): at most 127
 * bytes, folded to lowercase even when quoted (unless `enable_case_sensitive_identifier`),
 * and `public` is reserved.
 */
export const redshiftPrincipalName: PrincipalNameRule = {
  label: 'Redshift',
  maxLength: 127,
  lengthUnit: 'bytes',
  bmpOnly: false,
  trimsTrailingSpaces: false,
  foldsToLowercase: true,
  reserved: [{ pattern: /^public$/, why: 'is a reserved name in Redshift' }],
};
