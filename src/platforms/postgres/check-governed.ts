/**
 * What `connection check` governs in one database, decided as the policy engine does
 * (`src/policy/catalog-index.ts`): relations covered by the protect globs over
 * `[connection, database, schema, relation]`, partitions with the root of their tree, the
 * sequences of protected tables' nextval defaults, the schemas to reach them, and the schemas
 * protected as a whole (whose future tables are protected too).
 */
import { cmp } from '../../domain/canonical-state.js';
import { globCovers, globCoversAnyChildOf, type Glob } from '../../domain/glob.js';
import type { ColumnAccessRow, DatabaseAccessRow, DefaultAccessRow, RelationAccessRow, SchemaAccessRow, SequenceAccessRow } from './check.sql.js';

/** Everything `check.ts` read in one database the account can connect to. */
export interface DatabaseFacts {
  readonly name: string;
  readonly access: DatabaseAccessRow;
  readonly schemas: readonly SchemaAccessRow[];
  readonly relations: readonly RelationAccessRow[];
  readonly sequences: readonly SequenceAccessRow[];
  readonly columns: readonly ColumnAccessRow[];
  readonly defaults: readonly DefaultAccessRow[];
}

export interface Governance {
  readonly connection: string;
  readonly globs: readonly Glob[];
  readonly rolePrefix: string;
  /** `ignoreGrantees`: never revoked, so never reported. */
  readonly ignored: ReadonlySet<string>;
}

/** What Steward governs in one database, as the policy engine would see it. */
export interface Governed {
  /** Protected relations; a partition is protected with the root of its tree. */
  readonly relations: readonly RelationAccessRow[];
  /** Sequences whose nextval is a default of a protected table (writers get USAGE). */
  readonly sequences: readonly SequenceAccessRow[];
  readonly columns: readonly ColumnAccessRow[];
  /** Schemas Steward's roles get USAGE on: of protected relations and sequences, and whole protected schemas. */
  readonly schemas: ReadonlySet<string>;
  /** Schemas whose future tables are protected → owners of their protected relations (default privileges are set FOR ROLE each). */
  readonly future: ReadonlyMap<string, ReadonlySet<string>>;
}

const key2 = (a: string, b: string): string => `${a}\u0000${b}`;
const bySchemaName = (a: { schema: string; name: string }, b: { schema: string; name: string }): number => cmp(a.schema, b.schema) || cmp(a.name, b.name);

export function governedIn(db: DatabaseFacts, gov: Governance): Governed {
  const covered = (schema: string, name: string): boolean => gov.globs.some((g) => globCovers(g, [gov.connection, db.name, schema, name]));
  const relations = db.relations.filter((r) => (r.root !== null ? covered(r.root[0], r.root[1]) : covered(r.schema, r.name))).sort(bySchemaName);
  const protectedKeys = new Set(relations.map((r) => key2(r.schema, r.name)));
  const sequences = db.sequences.filter((s) => s.tables.some(([schema, table]) => protectedKeys.has(key2(schema, table)))).sort(bySchemaName);
  const columns = db.columns
    .filter((c) => protectedKeys.has(key2(c.schema, c.relation)))
    .sort((a, b) => bySchemaName({ schema: a.schema, name: a.relation }, { schema: b.schema, name: b.relation }) || cmp(a.column, b.column));
  const schemas = new Set<string>();
  for (const r of relations) schemas.add(r.schema);
  for (const s of sequences) schemas.add(s.schema);
  const future = new Map<string, Set<string>>();
  for (const s of db.schemas) {
    if (!gov.globs.some((g) => globCoversAnyChildOf(g, [gov.connection, db.name, s.name]))) continue;
    schemas.add(s.name);
    future.set(s.name, new Set());
  }
  for (const r of relations) future.get(r.schema)?.add(r.owner);
  return { relations, sequences, columns, schemas, future };
}

/** Roles the account may have to act as in this database: owners of what it governs, grantors of grants there. */
export function rolesInvolved(db: DatabaseFacts, g: Governed): Set<string> {
  const out = new Set<string>([db.access.owner]);
  for (const s of db.schemas) if (g.schemas.has(s.name)) out.add(s.owner);
  for (const r of [...g.relations, ...g.sequences]) {
    out.add(r.owner);
    for (const [grantor] of r.acl ?? []) out.add(grantor);
  }
  for (const c of g.columns) for (const [grantor] of c.acl) out.add(grantor);
  return out;
}

