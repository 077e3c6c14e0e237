/**
 * The JSON Schema of steward.yaml, written once with TypeBox: it validates files, is printed by
 * `steward schema` for editors, and documents the shape. Names of fields follow INTERFACE.md.
 */
import { Type, type Static } from '@sinclair/typebox';

const StringList = Type.Array(Type.String({ minLength: 1 }));
const Name = Type.String({ minLength: 1, maxLength: 128 });

// Conditions nest (any / all / not). The self-reference points into the root's `$defs`, so the
// schema printed by `steward schema` stands alone for editors, with no `$id` to resolve.
const ConditionRef = Type.Unsafe<unknown>({ $ref: '#/$defs/Condition' });

export const ConditionSchema = Type.Object(
  {
    anyone: Type.Optional(Type.Boolean({ description: 'every user with a principal on the connection' })),
    groups: Type.Optional(StringList),
    users: Type.Optional(StringList),
    attributes: Type.Optional(Type.Record(Type.String(), StringList)),
    attributeMatch: Type.Optional(Type.Union([Type.Literal('any'), Type.Literal('all')])),
    any: Type.Optional(Type.Array(ConditionRef)),
    all: Type.Optional(Type.Array(ConditionRef)),
    not: Type.Optional(ConditionRef),
  },
  { additionalProperties: false, description: 'keys combine with AND; any/all/not combine conditions' },
);

const SelectorSchema = Type.Object(
  {
    all: Type.Optional(Type.Boolean()),
    tags: Type.Optional(StringList),
    paths: Type.Optional(StringList),
    columnTags: Type.Optional(StringList),
    columns: Type.Optional(Type.Array(Type.String({ minLength: 1, description: 'column path or glob: conn/db/schema/table/column' }))),
  },
  { additionalProperties: false },
);

const Expires = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const SubscriptionSchema = Type.Object(
  {
    name: Name,
    type: Type.Literal('subscription'),
    access: Type.Union([Type.Literal('read'), Type.Literal('write')]),
    to: ConditionRef,
    on: SelectorSchema,
    expires: Type.Optional(Expires),
  },
  { additionalProperties: false },
);

const GuardrailSchema = Type.Object(
  { name: Name, type: Type.Literal('guardrail'), to: ConditionRef, on: SelectorSchema },
  { additionalProperties: false },
);

// ---- Data policies (mask, rowFilter) ----------------------------------------------------------

const ScalarSchema = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
const RowPredicateRef = Type.Unsafe<unknown>({ $ref: '#/$defs/RowPredicate' });
const UserRefOrList = Type.Union([
  Type.String({ pattern: '^user\\.', description: 'user.groups or user.attributes.<name>' }),
  Type.Array(ScalarSchema, { minItems: 1 }),
]);

/**
 * A structured row predicate: a comparison on one column, or `and` / `or` / `not` of them.
 * Strings starting with `user.` are references to the asking user's groups or attributes.
 */
export const RowPredicateSchema = Type.Union(
  [
    Type.Object({ column: Type.String({ minLength: 1 }), in: UserRefOrList }, { additionalProperties: false }),
    Type.Object(
      {
        column: Type.String({ minLength: 1 }),
        op: Type.Union(['=', '!=', '<', '<=', '>', '>=', 'in', 'notIn', 'isNull', 'isNotNull'].map((o) => Type.Literal(o))),
        value: Type.Optional(Type.Union([ScalarSchema, Type.Array(ScalarSchema, { minItems: 1 })])),
      },
      { additionalProperties: false },
    ),
    Type.Object({ and: Type.Array(RowPredicateRef, { minItems: 1 }) }, { additionalProperties: false }),
    Type.Object({ or: Type.Array(RowPredicateRef, { minItems: 1 }) }, { additionalProperties: false }),
    Type.Object({ not: RowPredicateRef }, { additionalProperties: false }),
  ],
  { description: '{column, in}, {column, op, value}, {and: [...]}, {or: [...]} or {not: ...}' },
);

const Count = Type.Integer({ minimum: 0, maximum: 1000 });
const MaskSpecSchema = Type.Union(
  [
    Type.Null({ description: 'hide the value' }),
    Type.Literal('null'),
    Type.Literal('hash'),
    Type.Object({ constant: Type.Union([ScalarSchema, Type.Null()]) }, { additionalProperties: false }),
    Type.Object({ hash: Type.Object({ salt: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }) }, { additionalProperties: false }),
    Type.Object(
      { regex: Type.Object({ pattern: Type.String({ minLength: 1 }), replacement: Type.String() }, { additionalProperties: false }) },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        round: Type.Union([
          Type.Object({ step: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
          Type.Object({ unit: Type.Union(['year', 'month', 'day', 'hour', 'minute'].map((u) => Type.Literal(u))) }, { additionalProperties: false }),
        ]),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      { partial: Type.Object({ keepFirst: Type.Optional(Count), keepLast: Type.Optional(Count) }, { additionalProperties: false }) },
      { additionalProperties: false },
    ),
  ],
  { description: 'null | hash | {constant} | {hash: {salt}} | {regex: {pattern, replacement}} | {round: {step} | {unit}} | {partial: {keepFirst, keepLast}}' },
);

const MaskSchema = Type.Object(
  {
    name: Name,
    type: Type.Literal('mask'),
    on: SelectorSchema,
    mask: MaskSpecSchema,
    except: Type.Optional(ConditionRef),
    when: Type.Optional(RowPredicateRef),
  },
  { additionalProperties: false },
);

const RowFilterSchema = Type.Object(
  {
    name: Name,
    type: Type.Literal('rowFilter'),
    on: SelectorSchema,
    where: RowPredicateRef,
    except: Type.Optional(ConditionRef),
  },
  { additionalProperties: false },
);

const ViewsSchema = Type.Object(
  {
    schema: Type.Optional(Type.String({ minLength: 1, description: 'PostgreSQL: schema of secure views, with {schema}; default "{schema}_secure"' })),
    database: Type.Optional(Type.String({ minLength: 1, description: 'MySQL/MariaDB: database of secure views, with {database}; default "{database}_secure"' })),
    system: Type.Optional(Type.String({ minLength: 1, description: "schema (PostgreSQL, in each database) or database (MySQL/MariaDB) of Steward's profile table; default steward_<connection>" })),
    hashSalt: Type.Optional(Type.String({ minLength: 1, description: 'salt of hash masks without their own' })),
  },
  { additionalProperties: false, description: 'where secure views (masks, row filters) live' },
);

// oneOf with a discriminator: a validator reports the errors of the branch the `type` names,
// not of every branch.
const PolicyUnion = Type.Unsafe<Static<typeof SubscriptionSchema> | Static<typeof GuardrailSchema> | Static<typeof MaskSchema> | Static<typeof RowFilterSchema>>({
  type: 'object',
  required: ['type'],
  discriminator: { propertyName: 'type' },
  oneOf: [SubscriptionSchema, GuardrailSchema, MaskSchema, RowFilterSchema],
});

/** One policy, standalone (with the condition definition), for the API and `policy put`. */
export const PolicySchema = { ...PolicyUnion, $defs: { Condition: ConditionSchema, RowPredicate: RowPredicateSchema } };

/** Background jobs per connection (`steward serve`): durations such as 30s, 5m, 1h; 0 or off. */
export const ScheduleSchema = Type.Object(
  {
    sync: Type.Optional(Type.String({ pattern: '^(0|off|\\d+(\\.\\d+)?(ms|s|m|h))$', description: 'object sync interval (default: serve --sync-interval, 1h)' })),
    drift: Type.Optional(Type.String({ pattern: '^(0|off|\\d+(\\.\\d+)?(ms|s|m|h))$', description: 'drift check interval (default: serve --drift-interval, 5m)' })),
  },
  { additionalProperties: false },
);

export const ConnectionConfigSchema = Type.Object(
  {
    type: Type.Union(['postgres', 'mysql', 'mariadb', 'redshift'].map((t) => Type.Literal(t))),
    url: Type.String({ minLength: 1, description: '${VAR} is read from the environment' }),
    protect: Type.Optional(StringList),
    databases: Type.Optional(StringList),
    principalTemplate: Type.Optional(Type.String({ minLength: 1 })),
    drift: Type.Optional(Type.Union([Type.Literal('enforce'), Type.Literal('report')])),
    mode: Type.Optional(Type.Union([Type.Literal('enforce'), Type.Literal('notify')])),
    hostPattern: Type.Optional(Type.String({ minLength: 1 })),
    ignoreGrantees: Type.Optional(StringList),
    rolePrefix: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]*$' })),
    schedule: Type.Optional(ScheduleSchema),
    views: Type.Optional(ViewsSchema),
  },
  { additionalProperties: false },
);

const UserSchema = Type.Object(
  {
    email: Type.Optional(Type.String({ format: 'email' })),
    groups: Type.Optional(StringList),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Union([StringList, Type.String()]))),
    principals: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    connections: Type.Optional(Type.Record(Type.String({ pattern: '^(?=.{1,40}$)[a-z][a-z0-9]*(?:_[a-z0-9]+)*$' }), ConnectionConfigSchema)),
    groups: Type.Optional(StringList),
    users: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.Union([UserSchema, Type.Null()]))),
    tags: Type.Optional(Type.Record(Type.String({ minLength: 1 }), StringList)),
    policies: Type.Optional(Type.Array(PolicyUnion)),
  },
  { additionalProperties: false, title: 'steward.yaml', $defs: { Condition: ConditionSchema, RowPredicate: RowPredicateSchema } },
);

export type ConfigFile = Static<typeof ConfigSchema>;
