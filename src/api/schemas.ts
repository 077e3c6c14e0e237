/**
 * TypeBox schemas of the HTTP API: fastify validates requests with them and @fastify/swagger
 * turns them into the OpenAPI document, so the documentation cannot drift from what is checked.
 * Response schemas also decide what is serialized: a field not declared here is not sent.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PLATFORM_TYPES } from '../domain/connection.js';
import { ROLES } from '../domain/roles.js';
import { ScheduleSchema } from '../config/schema.js';

/** A string enum as `{ type: string, enum }`: one clear validation message instead of an anyOf of literals. */
export const StringEnum = <T extends string>(values: readonly T[], opts: { description?: string; default?: T } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...opts });

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** An object whose shape belongs to another module (and evolves there): every field is passed through. */
const Open = (description: string) => Type.Object({}, { additionalProperties: true, description });

const Strings = Type.Array(Type.String());
const Limit = Type.Integer({ minimum: 1, maximum: 1000, description: 'page size (1–1000)' });
const ObjectPath = Type.String({
  minLength: 1,
  description: 'object path: connection/database/schema/table[/column]; "/", "*" and "\\" inside names escaped with a backslash',
});

// ---------------------------------------------------------------- errors

/** Shared by every route's 4xx/5xx responses (registered once with `addSchema`). */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable error code: invalid_input, not_found, conflict, unauthorized, …' }),
      message: Type.String(),
      hint: Type.Optional(Type.String()),
      details: Type.Optional(Type.Unknown()),
      requestId: Type.Optional(Type.String({ description: "the request's id, also in the server's log line for it (header x-request-id)" })),
    }),
  },
  { $id: 'Error', title: 'Error' },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** The route's success responses plus the shared error shape for 4xx and 5xx. */
export function responses<R extends Record<number, TSchema>>(ok: R): R & { '4xx': TSchema; '5xx': TSchema } {
  return { ...ok, '4xx': Type.Ref(ErrorBody), '5xx': Type.Ref(ErrorBody) };
}

export const NoContent = Type.Null({ description: 'no content' });

// ---------------------------------------------------------------- common

export const NameParams = Type.Object({ name: Type.String({ minLength: 1 }) });
export type NameParams = Static<typeof NameParams>;

// ---------------------------------------------------------------- connections

const ConnectionOptionsInput = Type.Partial(
  Type.Object({
    databases: Nullable(Strings),
    protect: Strings,
    principalTemplate: Type.String({ minLength: 1 }),
    drift: StringEnum(['enforce', 'report'] as const),
    mode: StringEnum(['enforce', 'notify'] as const),
    hostPattern: Type.String({ minLength: 1 }),
    ignoreGrantees: Strings,
    rolePrefix: Type.String({ minLength: 1 }),
    schedule: ScheduleSchema,
  }),
  { additionalProperties: false },
);

export const AddConnectionBody = Type.Object(
  {
    name: Type.String({ description: 'lowercase letters, digits, "_" or "-", starting with a letter (at most 63)' }),
    type: StringEnum(PLATFORM_TYPES),
    url: Type.String({ minLength: 1, description: 'stored encrypted; never returned with its password' }),
    options: Type.Optional(ConnectionOptionsInput),
  },
  { additionalProperties: false },
);
export type AddConnectionBody = Static<typeof AddConnectionBody>;

export const AddConnectionQuery = Type.Object(
  { verify: Type.Optional(Type.Boolean({ description: 'connect before storing (default true)' })) },
  { additionalProperties: false },
);
export type AddConnectionQuery = Static<typeof AddConnectionQuery>;

/**
 * Closed on purpose (no additional properties): whatever else a connection row may carry
 * (the sealed URL above all) can never reach a response by accident.
 */
export const ConnectionView = Type.Object(
  {
    name: Type.String(),
    type: StringEnum(PLATFORM_TYPES),
    url: Type.String({ description: 'with the password replaced by ***' }),
    options: Open('databases, protect, principalTemplate, drift, mode, hostPattern, ignoreGrantees, rolePrefix'),
    source: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const PrivilegeCheck = Type.Object(
  { what: Type.String(), ok: Type.Boolean(), detail: Type.Optional(Type.String()) },
  { additionalProperties: true },
);

export const CheckReport = Type.Object(
  {
    serverVersion: Type.String(),
    user: Type.String(),
    databases: Strings,
    sync: Type.Array(PrivilegeCheck),
    enforcement: Type.Array(PrivilegeCheck),
    grantSql: Type.Array(Type.String(), { description: 'least-privilege SQL granting what is missing' }),
  },
  { additionalProperties: true },
);

export const SyncBody = Type.Object(
  { path: Type.Optional(Type.String({ minLength: 1, description: 'sync only this subtree (a path starting with the connection name)' })) },
  { additionalProperties: false },
);
export type SyncBody = Static<typeof SyncBody>;

const SyncChange = Type.Object({ path: Type.String(), kind: Type.String() }, { additionalProperties: true });

export const SyncReport = Type.Object(
  {
    connection: Type.String(),
    added: Type.Array(SyncChange),
    changed: Type.Array(SyncChange),
    removed: Type.Array(SyncChange),
    objects: Type.Integer(),
    ms: Type.Number(),
  },
  { additionalProperties: true },
);

// ---------------------------------------------------------------- catalog

export const CatalogQuery = Type.Object(
  {
    path: Type.Optional(Type.String({ description: 'where to browse; omitted: the connections' })),
    limit: Type.Optional(Limit),
    after: Type.Optional(Type.String({ description: 'the `next` of the previous page' })),
    removed: Type.Optional(Type.Boolean({ description: 'include objects that have disappeared' })),
  },
  { additionalProperties: false },
);
export type CatalogQuery = Static<typeof CatalogQuery>;

export const ObjectView = Type.Object(
  {
    path: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    owner: Type.Optional(Nullable(Type.String())),
    comment: Type.Optional(Nullable(Type.String())),
    type: Type.Optional(Type.String()),
    nullable: Type.Optional(Type.Boolean()),
    position: Type.Optional(Type.Integer()),
    columns: Type.Optional(Type.Integer()),
    tags: Type.Optional(Strings),
    firstSeenAt: Type.Optional(Type.String({ format: 'date-time' })),
    changedAt: Type.Optional(Type.String({ format: 'date-time' })),
    removedAt: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  },
  { additionalProperties: true },
);

export const BrowseResult = Type.Object(
  {
    object: Nullable(ObjectView),
    children: Type.Array(ObjectView),
    next: Nullable(Type.String({ description: 'pass as `after` for the next page; null at the end' })),
  },
  { additionalProperties: true },
);

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, description: 'part of an object name' }),
    connection: Type.Optional(Type.String({ minLength: 1 })),
    limit: Type.Optional(Limit),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

// ---------------------------------------------------------------- plan, config, apply

/**
 * The configuration as JSON, `${VAR}` already substituted by the caller. Its full JSON Schema is
 * what `steward schema` prints; it is checked by the same validator as a file (see `config-body.ts`).
 */
const ConfigJson = Open('steward.yaml as JSON, environment variables already substituted; schema: `steward schema`');

export const PlanBody = Type.Object(
  { config: ConfigJson, connection: Type.Optional(Type.String({ minLength: 1, description: 'plan only this connection' })) },
  { additionalProperties: false },
);
export type PlanBody = Static<typeof PlanBody>;

export const ConfigBody = Type.Object({ config: ConfigJson }, { additionalProperties: false });
export type ConfigBody = Static<typeof ConfigBody>;


export const PlanView = Type.Object(
  {
    connection: Type.String(),
    type: Type.String(),
    mode: StringEnum(['enforce', 'notify'] as const),
    drift: StringEnum(['enforce', 'report'] as const),
    operations: Type.Array(Open('a platform-neutral operation, tagged by `kind`')),
    statements: Type.Array(Open('{ sql, database, op }: the exact SQL, in order')),
    reportedDrift: Type.Array(Open('drift found and left alone (report mode)')),
    driftCount: Type.Integer(),
    revocationRatio: Type.Number(),
    digest: Type.String({ description: 'identifies the operations: pass it back in expect to run only this plan' }),
    blocked: Type.Array(Open('{ operation, reason }: what Steward cannot do with its account, and why')),
    unsynced: Type.Integer({ description: 'revocations left out: their objects are not synced yet' }),
  },
  { additionalProperties: true },
);

export const ConfigApplyResult = Type.Object(
  {
    connections: Type.Record(Type.String(), StringEnum(['created', 'updated', 'unchanged'] as const)),
    users: Type.Integer(),
    groups: Type.Integer(),
    policies: Type.Integer(),
    tags: Type.Integer(),
    unchanged: Type.Boolean({ description: 'the store already held exactly what the file declares: nothing was written, no config.store event' }),
  },
  { additionalProperties: true },
);

export const ApplyBody = Type.Object(
  {
    force: Type.Optional(Type.Boolean({ description: 'run a plan that revokes more than half of the managed access' })),
    sync: Type.Optional(Type.Boolean({ description: 'sync the catalog first (default true); false when only identities or policies changed' })),
  },
  { additionalProperties: false },
);
export type ApplyBody = Static<typeof ApplyBody>;

export const ApplyView = Type.Object(
  {
    connection: Type.String(),
    status: StringEnum(['applied', 'unconverged', 'no-op', 'notified', 'failed', 'declined'] as const),
    plan: PlanView,
    sync: Nullable(Open('objects, ms, added, changed, removed')),
    results: Type.Array(Open('{ statement, ok, ms, error? }')),
    unconverged: Type.Array(Open('an operation the database did not reflect when read back')),
    readBackFailed: Type.Optional(Type.Literal(true, { description: 'the database could not be read back after the run: unconverged lists the whole plan, whose effect is unknown' })),
    error: Type.Optional(Type.String()),
    auditId: Nullable(Type.Integer()),
  },
  { additionalProperties: true },
);

export const ApplyConfigBody = Type.Object(
  {
    config: ConfigJson,
    connection: Type.Optional(Type.String({ minLength: 1, description: 'enforce only this connection (the whole file is stored)' })),
    force: Type.Optional(Type.Boolean({ description: 'run plans that revoke more than half of the managed access' })),
    sync: Type.Optional(Type.Boolean({ description: 'plan against the live catalog (default) or, false, the stored one' })),
    expect: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          { digest: Type.String({ minLength: 1 }), statements: Type.Optional(Type.Array(Type.String())) },
          { additionalProperties: false },
        ),
        { description: 'per connection, the digest of the plan that was shown: anything else is refused and nothing is stored' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ApplyConfigBody = Static<typeof ApplyConfigBody>;

export const ApplyConfigView = Type.Object(
  { stored: ConfigApplyResult, connections: Type.Array(ApplyView) },
  { additionalProperties: false },
);

export const RemoveConnectionQuery = Type.Object(
  {
    revoke: Type.Optional(Type.Boolean({ description: 'first take away everything Steward holds in the database (its roles and what they hold)' })),
    keep: Type.Optional(Type.Boolean({ description: 'leave what Steward holds in the database in place, knowingly' })),
  },
  { additionalProperties: false },
);
export type RemoveConnectionQuery = Static<typeof RemoveConnectionQuery>;

export const RemoveConnectionView = Open('connection, footprint (what Steward held there: roles, grants, memberships, defaultGrants, defaultRoles, secureViews, viewObjects), footprintError?, teardown?');

// ---------------------------------------------------------------- status, explain, audit

export const ConnectionStatus = Open(
  'connection, lastSyncAt, lastSync, lastSyncError, lastApplyAt, lastApplyError, lastPlanAt, driftCount',
);

export const ExplainQuery = Type.Object({ user: Type.String({ minLength: 1 }), path: ObjectPath }, { additionalProperties: false });
export type ExplainQuery = Static<typeof ExplainQuery>;

export const WhoCanQuery = Type.Object({ path: ObjectPath }, { additionalProperties: false });
export type WhoCanQuery = Static<typeof WhoCanQuery>;

export const Explanation = Type.Unknown({ description: 'the explanation: policies, groups and grants involved' });

export const AuditQuery = Type.Object(
  {
    connection: Type.Optional(Type.String({ minLength: 1 })),
    action: Type.Optional(Type.String({ minLength: 1, description: 'e.g. connection.add, apply, policy.put; a family: policy.*' })),
    actor: Type.Optional(Type.String({ minLength: 1, description: 'e.g. user:alice, token:ci, cli:root' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'events at or after this time' })),
    limit: Type.Optional(Limit),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'events with a smaller id (paging, newest first)' })),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export type AuditIdParams = Static<typeof AuditIdParams>;

export const AuditEvent = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actor: Type.String({ description: 'user:<name> (a token acting as that user), token:<name>, cli:<os user>, scheduler' }),
    action: Type.String(),
    connection: Nullable(Type.String()),
    target: Nullable(Type.String({ description: 'what was changed: connection:wh, policy:p, user:u, object:wh/db/t, token:ci, …' })),
    outcome: Type.String(),
    summary: Type.String(),
    before: Type.Unknown({ description: 'the target before the change (null: it did not exist); secrets redacted' }),
    after: Type.Unknown({ description: 'the target after the change (null: it is gone); secrets redacted' }),
    via: Nullable(Type.String({ description: 'the token an acting user came through' })),
    requestId: Nullable(Type.String({ description: 'the API request that made the change (see the server log)' })),
    details: Type.Unknown(),
  },
  { additionalProperties: true },
);

// ---------------------------------------------------------------- users, groups, policies, tags

export const UserView = Type.Object(
  {
    name: Type.String(),
    email: Nullable(Type.String()),
    groups: Strings,
    attributes: Type.Record(Type.String(), Strings),
    principals: Type.Record(Type.String(), Type.String()),
    source: Type.String({ description: '`file` (owned by the configuration) or `api`' }),
  },
  { additionalProperties: true },
);

/** The user's name comes from the URL; defaults make a partial body a complete user. */
export const PutUserBody = Type.Object(
  {
    email: Type.Optional(Nullable(Type.String({ minLength: 1 }))),
    groups: Type.Optional(Type.Array(Type.String(), { default: [] })),
    attributes: Type.Optional(Type.Record(Type.String(), Strings, { default: {} })),
    principals: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }), { default: {}, description: 'database login per connection' })),
  },
  { additionalProperties: false },
);
export type PutUserBody = Static<typeof PutUserBody>;

export const GroupView = Type.Object(
  { name: Type.String(), source: Type.String(), members: Type.Integer() },
  { additionalProperties: true },
);

export const AddGroupBody = Type.Object({ name: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export type AddGroupBody = Static<typeof AddGroupBody>;

export const PolicyJson = Open('a policy (subscription, guardrail, mask or rowFilter); schema: `steward schema`');

/** Only what the route needs to read; the policy service validates the rest against the policy schema. */
export const PutPolicyBody = Type.Object(
  { name: Type.String({ minLength: 1 }), type: Type.String({ minLength: 1 }) },
  { additionalProperties: true, description: 'a policy (subscription, guardrail, mask or rowFilter); schema: `steward schema`' },
);
export type PutPolicyBody = Static<typeof PutPolicyBody>;

export const PolicyView = Type.Object(
  { policy: PolicyJson, source: Type.String(), updatedAt: Type.String() },
  { additionalProperties: true },
);

export const TagsQuery = Type.Object({ connection: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false });
export type TagsQuery = Static<typeof TagsQuery>;

export const TagBody = Type.Object({ path: ObjectPath, tag: Type.String({ minLength: 1 }) }, { additionalProperties: false });
export type TagBody = Static<typeof TagBody>;

export const TagView = Type.Object(
  {
    connection: Type.String(),
    path: Type.String({ description: 'below the connection' }),
    tag: Type.String(),
    source: Type.String(),
  },
  { additionalProperties: true },
);

// ---------------------------------------------------------------- data owners

export const OwnerView = Type.Object(
  { user: Type.String(), path: Type.String({ description: 'the owned subtree: connection[/database[/schema[/table]]]' }) },
  { additionalProperties: false },
);

export const OwnerBody = Type.Object({ user: Type.String({ minLength: 1 }), path: ObjectPath }, { additionalProperties: false });
export type OwnerBody = Static<typeof OwnerBody>;

export const OwnersQuery = Type.Object({ user: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false });
export type OwnersQuery = Static<typeof OwnersQuery>;

// ---------------------------------------------------------------- tokens

const Role = StringEnum(ROLES, { description: 'admin | governor | owner | viewer | scim (scim: no routes yet)' });

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'unique among tokens not revoked; 1–64 letters, digits, ".", "_", "-"' }),
    role: Role,
    user: Type.Optional(Type.String({ minLength: 1, description: 'the Steward user the token acts as (required for owner)' })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'omitted: never expires' })),
  },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

const tokenFields = {
  name: Type.String(),
  role: Role,
  user: Nullable(Type.String()),
  status: StringEnum(['active', 'expired', 'revoked'] as const),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Nullable(Type.String()),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
};

/** Closed: neither the token nor its hash can reach a listing. */
export const TokenView = Type.Object(tokenFields, { additionalProperties: false });

export const CreatedTokenView = Type.Object(
  { ...tokenFields, token: Type.String({ description: 'the bearer token: shown this once, only its hash is kept' }) },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- health

export const HealthBody = Type.Object({ status: Type.String() });
