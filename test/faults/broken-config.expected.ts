/**
 * What each file of fixtures/broken-config/ must be refused with: the line and field the
 * error names, and what its message says. Every error also carries a hint (checked by the test).
 * The files are variants of BASE_CONFIG (helpers/config-store.ts) with one fault each.
 */
export interface Expected {
  readonly line: number | null;
  readonly field: string;
  readonly message: RegExp;
}

export const EXPECTED: Readonly<Record<string, Expected>> = {
  // YAML syntax
  'syntax-unclosed-flow': { line: 2, field: 'yaml', message: /Flow sequence .* end with a \]/ },
  'syntax-tab-indent': { line: 2, field: 'yaml', message: /Tabs are not allowed/ },
  'syntax-duplicate-key': { line: 6, field: 'users.alice', message: /duplicate key "alice"/ },
  'syntax-two-documents': { line: 3, field: 'yaml', message: /multiple documents/ },
  'syntax-unterminated-string': { line: 3, field: 'yaml', message: /Missing closing "quote/ },
  'syntax-alias-bomb': { line: 3, field: 'yaml', message: /Excessive alias count/ },
  'syntax-bad-escape': { line: 1, field: 'yaml', message: /Invalid escape sequence \\q/ },
  'not-utf8': { line: 3, field: '(file)', message: /is not valid UTF-8/ },
  // empty
  empty: { line: 1, field: '(top level)', message: /the configuration is empty/ },
  'comment-only': { line: 1, field: '(top level)', message: /the configuration is empty/ },
  'empty-mapping': { line: 1, field: '(top level)', message: /the configuration is empty/ },
  'null-document': { line: 1, field: '(top level)', message: /the configuration is empty/ },
  // wrong types
  'type-top-level-list': { line: 1, field: '(top level)', message: /must be an object/ },
  'type-groups-scalar': { line: 1, field: 'groups', message: /must be an array/ },
  'type-policy-name-number': { line: 9, field: 'policies[0].name', message: /must be a string/ },
  'type-attributes-nested-map': { line: 6, field: 'users.alice.attributes.region', message: /must be an array/ },
  'type-protect-string': { line: 5, field: 'connections.lite.protect', message: /must be an array/ },
  'type-anyone-string': { line: 9, field: 'policies[0].to.anyone', message: /must be a boolean/ },
  // enums, required and unknown fields
  'enum-access': { line: 9, field: 'policies[0].access', message: /must be one of "read", "write"/ },
  'enum-connection-type': { line: 3, field: 'connections.lite.type', message: /must be one of "postgres", "mysql", "mariadb", "redshift"/ },
  'enum-policy-type': { line: 9, field: 'policies[0].type', message: /"grant" is not one of "subscription", "guardrail"/ },
  'missing-to': { line: 9, field: 'policies[0]', message: /missing required field "to"/ },
  'missing-url': { line: 2, field: 'connections.lite', message: /missing required field "url"/ },
  'unknown-field-policy': { line: 11, field: 'policies[0].acess', message: /unknown field "acess"/ },
  'unknown-field-top-level': { line: 2, field: 'polices', message: /unknown field "polices"/ },
  'unknown-field-user': { line: 5, field: 'users.alice.group', message: /unknown field "group"/ },
  'unknown-field-condition': { line: 9, field: 'policies[0].to.group', message: /unknown field "group"/ },
  // dates and formats
  'date-not-a-date': { line: 9, field: 'policies[0].expires', message: /is not a date and time/ },
  'date-february-30': { line: 9, field: 'policies[0].expires', message: /is not a date and time/ },
  'date-no-zone': { line: 9, field: 'policies[0].expires', message: /is not a date and time/ },
  'email-invalid': { line: 4, field: 'users.alice.email', message: /is not an e-mail address/ },
  // environment variables
  'env-not-set': { line: 4, field: 'connections.lite.url', message: /environment variable STEWARD_FAULTS_NOT_SET is not set/ },
  'env-malformed-name': { line: 4, field: 'connections.lite.url', message: /malformed \$\{…\} reference/ },
  'env-unterminated': { line: 4, field: 'connections.lite.url', message: /malformed \$\{…\} reference/ },
  // text no store keeps, names Steward cannot address
  'text-nul-in-user-name': { line: 4, field: 'users["al\\u0000ice"]', message: /contains a NUL character/ },
  'text-lone-surrogate': { line: 1, field: 'groups[0]', message: /lone surrogate/ },
  'login-nul': { line: 4, field: 'users.alice.principals.later', message: /contains a NUL character/ },
  'name-user-with-slash': { line: 4, field: 'users["alice/eu"]', message: /user name "alice\/eu" contains "\/"/ },
  'name-group-leading-space': { line: 1, field: 'groups[0]', message: /group " analysts" starts with whitespace/ },
  'name-tag-too-long': { line: 7, field: 'tags["lite/postgres/shop/orders"][0]', message: /is longer than 128 characters/ },
  'name-attribute-key-blank': { line: 4, field: 'users.alice.attributes[" "]', message: /attribute names must not be empty or blank/ },
  'name-connection-invalid': { line: 2, field: 'connections.Lite-DB', message: /"Lite-DB" is not a valid connection name/ },
  'name-role-prefix-invalid': { line: 5, field: 'connections.lite.rolePrefix', message: /not a plain lowercase identifier/ },
  // Every role under steward_ would be lite's, those of `later` (steward_later__) included.
  'name-role-prefix-nested': { line: 5, field: 'connections.lite.rolePrefix', message: /"steward_" nests with the role prefix of connection "later" \("steward_later__"\)/ },
  // globs and paths
  'glob-trailing-backslash': { line: 9, field: 'policies[0].on.paths[0]', message: /lone backslash/ },
  'glob-empty-segment': { line: 9, field: 'policies[0].on.paths[0]', message: /empty segment/ },
  'glob-protect-other-connection': { line: 5, field: 'connections.lite.protect[0]', message: /does not start with the connection name/ },
  'tag-path-unescaped-star': { line: 7, field: 'tags["lite/postgres/shop/*"]', message: /unescaped "\*"/ },
  'tag-path-too-deep': { line: 7, field: 'tags["lite/postgres/shop/orders/id/more"]', message: /5 names below the connection; paths of "lite" have at most 4/ },
  'tag-path-connection-only': { line: 7, field: 'tags.lite', message: /must name an object below a connection/ },
  'tag-path-unknown-connection': { line: 7, field: 'tags["warehouse/postgres/shop/orders"]', message: /no connection "warehouse"/ },
  'path-unknown-connection': { line: 9, field: 'policies[0].on.paths[0]', message: /no connection "lite2"/ },
  'path-too-deep': { line: 9, field: 'policies[0].on.paths[0]', message: /5 names below the connection/ },
  // duplicates
  'duplicate-policy-names': { line: 10, field: 'policies[1].name', message: /duplicate policy name "analysts-read-sales"/ },
  'duplicate-login': { line: 5, field: 'users.bob', message: /users "alice" and "bob" both map to login "shared" on connection "lite"/ },
  // dangling references
  'unknown-group': { line: 9, field: 'policies[0].to.groups[0]', message: /unknown group "anlysts"/ },
  'unknown-user': { line: 9, field: 'policies[0].to.users[0]', message: /unknown user "zoe"/ },
  'unknown-attribute-key': { line: 9, field: 'policies[0].to.attributes.regoin', message: /no user has the attribute "regoin"/ },
  'unknown-tag': { line: 9, field: 'policies[0].on.tags[0]', message: /unknown tag "sale"/ },
  'unknown-group-nested': { line: 15, field: 'policies[0].to.any[1].not.groups[0]', message: /unknown group "hrr"/ },
  'unknown-group-in-except': { line: 10, field: 'policies[1].except.groups[0]', message: /unknown group "auditor"/ },
  'unknown-connection-in-principals': { line: 4, field: 'users.alice.principals.warehouse', message: /no connection "warehouse"/ },
  'guardrail-typo-tag': { line: 11, field: 'policies[1].on.tags[0]', message: /unknown tag "PII"/ },
  'guardrail-selects-nothing': { line: 10, field: 'policies[1].on', message: /guardrail "orders-only-hr" selects no object on connection "lite"/ },
  'guardrail-tag-on-missing-object': { line: 11, field: 'policies[1].on', message: /guardrail "pii-only-hr" selects no object on connection "lite"/ },
  'policy-selects-nothing': { line: 9, field: 'policies[0].on', message: /selects nothing/ },
  // logins a platform would refuse or alter
  'login-postgres-64-bytes': { line: 4, field: 'users.alice.principals.lite', message: /user "alice" on connection "lite": login "a{64}" is 64 bytes long; PostgreSQL login names are at most 63 bytes/ },
  'login-postgres-reserved': { line: 4, field: 'users.alice.principals.lite', message: /login "pg_monitor" starts with "pg_"/ },
  'login-postgres-template-too-long': { line: 4, field: 'users["éééééééééééééééééééééééééééééééé"]', message: /is 64 bytes long.*\(from the principal template "\{user\}"\)/ },
  'login-role-prefix': { line: 4, field: 'users.alice.principals.lite', message: /starts with "steward_lite__"/ },
  'login-mariadb-trailing-space': { line: 4, field: 'users.alice.principals.later', message: /login "alice " ends with a space, which MariaDB drops/ },
  'login-mariadb-non-bmp': { line: 4, field: 'users.alice.principals.later', message: /outside the Basic Multilingual Plane/ },
  'login-mariadb-account-literal': { line: 4, field: 'users.alice.principals.later', message: /starts with a quote/ },
  // connections
  'connection-url-scheme': { line: 4, field: 'connections.lite.url', message: /scheme must be postgres:\/\/ or postgresql:\/\/, not http:\/\// },
  'connection-url-mysql-for-postgres': { line: 4, field: 'connections.lite.url', message: /not mysql:\/\// },
};
