/**
 * Schema of continuous governance (migrations 10–12): the outbox of changes and events, webhook
 * endpoints and their deliveries, per-connection health, schedules and leases.
 */

/**
 * The outbox. Every change that must reach a database is recorded here by a trigger, in the
 * same transaction as the change itself, whoever made it (API, CLI, a configuration file, a
 * future writer): a job dispatcher turns pending rows into reconcile jobs and webhook
 * deliveries. Public event types (`policy.created`, …) are kept after dispatch as the source of
 * webhook deliveries; internal ones (`internal.*`) are deleted once dispatched.
 *
 * Identity and tag changes are recorded once per statement (not per row): a configuration file
 * of 50,000 users adds a handful of rows, not 50,000; the dispatcher folds them into one
 * reconcile per connection.
 */
export const OUTBOX_SQL = `
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  type text NOT NULL,
  connection text,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz
);
CREATE INDEX events_pending ON events (id) WHERE dispatched_at IS NULL;

CREATE FUNCTION steward_note_model_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Always a new row: skipping it when one seems pending would race with a dispatcher that has
  -- claimed that row but not committed, and this change would wait for the next drift check.
  INSERT INTO events (type) VALUES ('internal.model_changed');
  RETURN NULL;
END $$;
CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION steward_note_model_change();
CREATE TRIGGER groups_changed AFTER INSERT OR UPDATE OR DELETE ON groups FOR EACH STATEMENT EXECUTE FUNCTION steward_note_model_change();
CREATE TRIGGER user_groups_changed AFTER INSERT OR UPDATE OR DELETE ON user_groups FOR EACH STATEMENT EXECUTE FUNCTION steward_note_model_change();
CREATE TRIGGER principals_changed AFTER INSERT OR UPDATE OR DELETE ON principals FOR EACH STATEMENT EXECUTE FUNCTION steward_note_model_change();
CREATE TRIGGER tags_changed AFTER INSERT OR UPDATE OR DELETE ON tags FOR EACH STATEMENT EXECUTE FUNCTION steward_note_model_change();

CREATE FUNCTION steward_note_policy_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO events (type, data) VALUES ('policy.deleted', jsonb_build_object('name', OLD.name, 'type', OLD.type, 'source', OLD.source));
    RETURN OLD;
  END IF;
  INSERT INTO events (type, data) VALUES (
    CASE TG_OP WHEN 'INSERT' THEN 'policy.created' ELSE 'policy.updated' END,
    jsonb_build_object('name', NEW.name, 'type', NEW.type, 'source', NEW.source, 'policy', NEW.spec));
  RETURN NEW;
END $$;
CREATE TRIGGER policies_inserted AFTER INSERT ON policies FOR EACH ROW EXECUTE FUNCTION steward_note_policy_change();
CREATE TRIGGER policies_updated AFTER UPDATE ON policies FOR EACH ROW
  WHEN (OLD.spec IS DISTINCT FROM NEW.spec OR OLD.type IS DISTINCT FROM NEW.type) EXECUTE FUNCTION steward_note_policy_change();
CREATE TRIGGER policies_deleted AFTER DELETE ON policies FOR EACH ROW EXECUTE FUNCTION steward_note_policy_change();

CREATE FUNCTION steward_note_connection_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO events (type, connection) VALUES ('internal.connection_removed', OLD.name);
    RETURN OLD;
  END IF;
  INSERT INTO events (type, connection) VALUES ('internal.connection_changed', NEW.name);
  RETURN NEW;
END $$;
CREATE TRIGGER connections_inserted AFTER INSERT ON connections FOR EACH ROW EXECUTE FUNCTION steward_note_connection_change();
CREATE TRIGGER connections_updated AFTER UPDATE ON connections FOR EACH ROW
  WHEN (OLD.options IS DISTINCT FROM NEW.options OR OLD.url_encrypted IS DISTINCT FROM NEW.url_encrypted) EXECUTE FUNCTION steward_note_connection_change();
CREATE TRIGGER connections_deleted AFTER DELETE ON connections FOR EACH ROW EXECUTE FUNCTION steward_note_connection_change();
`;

/**
 * Webhook endpoints (secrets sealed with the master key; the previous one kept for a grace
 * period after a rotation), one delivery per (event, endpoint) with its Standard Webhooks
 * message id, and every attempt with its response code and an excerpt of the body.
 */
export const WEBHOOKS_SQL = `
CREATE TABLE webhooks (
  id text PRIMARY KEY,
  url text NOT NULL,
  events text[] NOT NULL,
  secret_sealed text NOT NULL,
  previous_secret_sealed text,
  previous_secret_until timestamptz,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  webhook_id text NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  event_id bigint NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  type text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  response_code integer,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, created_at DESC);
CREATE TABLE webhook_attempts (
  id bigserial PRIMARY KEY,
  delivery_id text NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  response_code integer,
  ok boolean NOT NULL,
  duration_ms integer NOT NULL,
  response_excerpt text,
  error text
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);
`;

/**
 * Health per connection (probe results, last error, the status last announced), the next due
 * time of each periodic job per connection (claimed atomically by whichever server ticks
 * first), and the lease that keeps one reconcile per connection running cluster-wide.
 */
export const HEALTH_SQL = `
CREATE TABLE connection_health (
  connection text PRIMARY KEY REFERENCES connections(name) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'healthy',
  reachable boolean,
  last_probe_at timestamptz,
  last_ok_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  unsupported boolean NOT NULL DEFAULT false,
  privileges_ok boolean,
  privileges_missing jsonb,
  notified_plan_digest text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE job_schedules (
  connection text NOT NULL REFERENCES connections(name) ON DELETE CASCADE,
  kind text NOT NULL,
  next_at timestamptz NOT NULL,
  PRIMARY KEY (connection, kind)
);
CREATE TABLE connection_leases (
  connection text PRIMARY KEY,
  holder text NOT NULL,
  heartbeat_at timestamptz NOT NULL
);
`;
