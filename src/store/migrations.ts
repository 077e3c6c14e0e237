/**
 * Versioned schema migrations, applied in order on start under an advisory lock. One schema
 * for the embedded and the external store. Never edit a released migration: add a new one.
 */
import type { Db } from './db.js';
import { HEALTH_SQL, OUTBOX_SQL, WEBHOOKS_SQL } from './migrations-jobs.js';
import { COMPACT_COLUMNS_SQL } from './object-columns.js';

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
CREATE TABLE connections (
  name text PRIMARY KEY,
  type text NOT NULL,
  options jsonb NOT NULL,
  url_encrypted text NOT NULL,
  url_redacted text NOT NULL,
  source text NOT NULL DEFAULT 'api',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE connection_status (
  connection text PRIMARY KEY REFERENCES connections(name) ON DELETE CASCADE,
  last_sync_at timestamptz,
  last_sync jsonb,
  last_sync_error text,
  last_apply_at timestamptz,
  last_apply_error text,
  last_plan_at timestamptz,
  drift_count integer NOT NULL DEFAULT 0,
  applied_state jsonb
);
CREATE TABLE objects (
  connection text NOT NULL REFERENCES connections(name) ON DELETE CASCADE,
  path text NOT NULL,
  parent text NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  depth smallint NOT NULL,
  owner text,
  comment text,
  columns jsonb,
  fingerprint text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  changed_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz,
  PRIMARY KEY (connection, path)
);
CREATE INDEX objects_parent ON objects (connection, parent, name);
CREATE TABLE users (
  name text PRIMARY KEY,
  email text,
  attributes jsonb NOT NULL DEFAULT '{}',
  source text NOT NULL DEFAULT 'api',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE groups (
  name text PRIMARY KEY,
  source text NOT NULL DEFAULT 'api',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE user_groups (
  user_name text NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  group_name text NOT NULL REFERENCES groups(name) ON DELETE CASCADE,
  PRIMARY KEY (user_name, group_name)
);
CREATE TABLE principals (
  user_name text NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  connection text NOT NULL,
  principal text NOT NULL,
  PRIMARY KEY (user_name, connection)
);
CREATE TABLE tags (
  connection text NOT NULL,
  path text NOT NULL,
  tag text NOT NULL,
  source text NOT NULL DEFAULT 'api',
  PRIMARY KEY (connection, path, tag)
);
CREATE TABLE policies (
  name text PRIMARY KEY,
  type text NOT NULL,
  spec jsonb NOT NULL,
  source text NOT NULL DEFAULT 'api',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  connection text,
  outcome text NOT NULL,
  summary text NOT NULL DEFAULT '',
  details jsonb
);
CREATE INDEX audit_events_at ON audit_events (at DESC);
CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
`,
  },
  {
    version: 2,
    name: 'applied-state-digest',
    sql: `ALTER TABLE connection_status ADD COLUMN applied_digest text;`,
  },
  {
    version: 3,
    name: 'object-columns-as-text',
    // Column lists are written in bulk by sync and read whole; jsonb's parse on write cost twice
    // the time of the rest of the insert in the embedded store. JSON text, parsed in the process.
    sql: `ALTER TABLE objects ALTER COLUMN columns TYPE text USING columns::text;`,
  },
  {
    version: 4,
    name: 'applied-state-as-text',
    // Written and read whole (9 MB at S1 size); never queried inside. jsonb's conversions in the
    // embedded store cost more than the JSON parse in the process.
    sql: `ALTER TABLE connection_status ALTER COLUMN applied_state TYPE text USING applied_state::text;`,
  },
  {
    version: 5,
    name: 'partitions-and-sequences',
    // A partition names the partitioned table it belongs to (encoded path below the connection);
    // a table lists the sequences its column defaults call (JSON text of [schema, name] pairs).
    // Kept beside the columns, not in them: the policy engine reads both without column lists.
    sql: `ALTER TABLE objects ADD COLUMN partition_of text; ALTER TABLE objects ADD COLUMN sequences text;`,
  },
  {
    version: 6,
    name: 'write-ahead-apply-log',
    // An apply is recorded before its first statement ("started", with its plan), each statement's
    // outcome as it runs, and its end. What a killed apply left is visible as "interrupted".
    sql: `
CREATE TABLE apply_statements (
  audit_id bigint NOT NULL REFERENCES audit_events(id) ON DELETE CASCADE,
  seq integer NOT NULL,
  op integer NOT NULL,
  database text,
  run_as text,
  sql text NOT NULL,
  ok boolean NOT NULL,
  ms real NOT NULL,
  error text,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (audit_id, seq)
);
ALTER TABLE connection_status
  ADD COLUMN last_apply_audit_id bigint,
  ADD COLUMN last_apply_outcome text,
  ADD COLUMN last_apply_started_at timestamptz,
  ADD COLUMN last_apply_process text,
  ADD COLUMN unconverged integer NOT NULL DEFAULT 0,
  ADD COLUMN blocked integer NOT NULL DEFAULT 0,
  ADD COLUMN reported_drift integer NOT NULL DEFAULT 0;
CREATE INDEX audit_events_started ON audit_events (connection) WHERE outcome = 'started';`,
  },
  {
    version: 7,
    name: 'compact-object-columns',
    // Column lists as arrays instead of objects with repeated keys: a third of the bytes that
    // sync writes (see object-columns.ts).
    sql: COMPACT_COLUMNS_SQL,
  },
  {
    version: 8,
    name: 'objects-cascade-by-trigger',
    // The foreign key from objects to connections checked every inserted row: 100,000 lookups
    // were half the cost of a first sync's write in the embedded store. Sync checks (and locks)
    // the connection once per run instead (objectsRepo.lockConnection); deleting or renaming a
    // connection still takes its catalog along, by trigger.
    sql: `
ALTER TABLE objects DROP CONSTRAINT objects_connection_fkey;
CREATE FUNCTION steward_connection_objects() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM objects WHERE connection = OLD.name;
    RETURN OLD;
  END IF;
  UPDATE objects SET connection = NEW.name WHERE connection = OLD.name;
  RETURN NEW;
END $$;
CREATE TRIGGER connections_objects_deleted AFTER DELETE ON connections FOR EACH ROW EXECUTE FUNCTION steward_connection_objects();
CREATE TRIGGER connections_objects_renamed AFTER UPDATE OF name ON connections FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION steward_connection_objects();
DELETE FROM objects o WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.name = o.connection);`,
  },
  // 10–19: continuous governance (jobs, outbox, webhooks, health).
  { version: 10, name: 'outbox-and-change-triggers', sql: OUTBOX_SQL },
  { version: 11, name: 'webhooks', sql: WEBHOOKS_SQL },
  { version: 12, name: 'connection-health-schedules-leases', sql: HEALTH_SQL },
  // 20–29: API tokens with roles, audit targets, data owners.
  {
    version: 20,
    name: 'api-token-roles',
    // Tokens made before roles existed were all admins. Names become unique among tokens not
    // revoked (`token revoke NAME`); the STEWARD_ADMIN_TOKEN rows all shared one display name,
    // so they take their id (`env-<hash prefix>`) as name.
    sql: `
ALTER TABLE api_tokens ADD COLUMN role text NOT NULL DEFAULT 'admin';
ALTER TABLE api_tokens ALTER COLUMN role DROP DEFAULT;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role CHECK (role IN ('admin', 'governor', 'owner', 'viewer', 'scim'));
ALTER TABLE api_tokens ADD COLUMN user_name text;
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN revoked_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN created_by text;
UPDATE api_tokens SET name = id WHERE name = 'admin (STEWARD_ADMIN_TOKEN)';
UPDATE api_tokens t SET name = t.name || '-' || t.id WHERE EXISTS (SELECT 1 FROM api_tokens o WHERE o.name = t.name AND o.id < t.id);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
`,
  },
  {
    version: 21,
    name: 'audit-target-before-after',
    // What a change was made to and how it looked before and after (secrets redacted on write);
    // 'via' names the token when the actor is the user a token acts as; request_id ties an
    // event to the server's log line of the request that made it.
    sql: `
ALTER TABLE audit_events ADD COLUMN target text;
ALTER TABLE audit_events ADD COLUMN before_state jsonb;
ALTER TABLE audit_events ADD COLUMN after_state jsonb;
ALTER TABLE audit_events ADD COLUMN via text;
ALTER TABLE audit_events ADD COLUMN request_id text;
CREATE INDEX audit_events_actor ON audit_events (actor, id DESC);
CREATE INDEX audit_events_connection ON audit_events (connection, id DESC);
`,
  },
  {
    version: 22,
    name: 'data-owners',
    // A user owns a subtree of a connection's catalog ('' = the whole connection). Gone with the
    // user or the connection: ownership of something that no longer exists means nothing.
    sql: `
CREATE TABLE data_owners (
  user_name text NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  connection text NOT NULL REFERENCES connections(name) ON DELETE CASCADE,
  path text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_name, connection, path)
);
CREATE INDEX data_owners_connection ON data_owners (connection, path);
`,
  },
  {
    version: 23,
    name: 'model-revision',
    // A counter of changes to what a configuration check reads (users, groups, memberships,
    // principals, tags, policies, connections): storing a configuration right after its preview
    // reuses that check when the counter has not moved (T10: a second check of 50,000 users,
    // ≈2 s). Bumped BEFORE each writing statement, so a writer holds the counter's row before any
    // row of those tables (no lock-order deadlock between two writers), and writers of the model
    // are serialised until they commit; a statement that changes no row bumps it too (harmless).
    sql: `
CREATE TABLE model_revision (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  n bigint NOT NULL
);
INSERT INTO model_revision (id, n) VALUES (true, 0);
CREATE FUNCTION steward_bump_model_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE model_revision SET n = n + 1;
  RETURN NULL;
END $$;
CREATE TRIGGER users_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_model_revision();
CREATE TRIGGER groups_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON groups FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_model_revision();
CREATE TRIGGER user_groups_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_groups FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_model_revision();
CREATE TRIGGER principals_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON principals FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_model_revision();
CREATE TRIGGER tags_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON tags FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_model_revision();
CREATE TRIGGER policies_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON policies FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_model_revision();
CREATE TRIGGER connections_revision BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON connections FOR EACH STATEMENT EXECUTE FUNCTION steward_bump_model_revision();
`,
  },
  {
    version: 24,
    name: 'objects-crawl-digest',
    // The platform's digest of what a crawl read about an object (DiscoveredObject.crawlDigest):
    // a re-sync reads digests first and reads in full only relations whose digest changed.
    // Null for objects stored before, and where a platform does not digest.
    sql: `ALTER TABLE objects ADD COLUMN crawl_digest text;`,
  },
  {
    version: 25,
    name: 'audit-details-json',
    // An apply's event holds its plan (S1's converge: 0.7 MB of operations and statements).
    // As json (text, checked but not converted) instead of jsonb it is written in about half
    // the time by the embedded store; and the outcome's details go to `result` instead of
    // being merged into it, which rewrote the whole value (≈60 ms). Read back merged.
    sql: `ALTER TABLE audit_events ALTER COLUMN details TYPE json USING details::json;
ALTER TABLE audit_events ADD COLUMN result jsonb;`,
  },
];

/** Apply every migration newer than the store's version, each in its own transaction. */
export async function migrate(db: Db): Promise<number> {
  // An up-to-date store (every command's case) is told by two reads, without the DDL and the
  // locked transaction below (≈20 ms of every command on the embedded store). Migrations are
  // never taken back, so a store found complete stays complete.
  const [found] = await db.query<{ ok: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS ok`);
  if (found?.ok === true) {
    const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    if (MIGRATIONS.every((m) => done.has(m.version))) return 0;
  } else {
    await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  }
  let applied = 0;
  await db.transaction(async (tx) => {
    // Serialise concurrent starters against an external store; harmless on PGlite.
    await tx.query('SELECT pg_advisory_xact_lock(7303620211)');
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => r.version));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied++;
    }
  });
  return applied;
}
