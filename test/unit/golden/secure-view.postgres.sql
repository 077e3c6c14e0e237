-- database: shop
GRANT "steward_wh__views" TO CURRENT_USER;

-- database: shop
CREATE SCHEMA IF NOT EXISTS "steward_wh" AUTHORIZATION "steward_wh__views";

-- database: shop
CREATE TABLE IF NOT EXISTS "steward_wh"."profile" (principal text NOT NULL, kind text NOT NULL, name text NOT NULL, value text NOT NULL, PRIMARY KEY (principal, kind, name, value));

-- database: shop
CREATE TABLE IF NOT EXISTS "steward_wh"."salt" (name text PRIMARY KEY, value text NOT NULL);

-- database: shop
CREATE TABLE IF NOT EXISTS "steward_wh"."views" (schema_name text NOT NULL, view_name text NOT NULL, desired text NOT NULL, rendered text, PRIMARY KEY (schema_name, view_name));

-- database: shop
CREATE OR REPLACE VIEW "steward_wh"."user_profile" WITH (security_barrier) AS SELECT p.kind, p.name, p.value FROM "steward_wh"."profile" AS p WHERE p.principal = session_user;

-- database: shop
ALTER TABLE "steward_wh"."profile" OWNER TO "steward_wh__views";

-- database: shop
ALTER TABLE "steward_wh"."salt" OWNER TO "steward_wh__views";

-- database: shop
ALTER TABLE "steward_wh"."views" OWNER TO "steward_wh__views";

-- database: shop
ALTER TABLE "steward_wh"."user_profile" OWNER TO "steward_wh__views";

-- database: shop
CREATE SCHEMA IF NOT EXISTS "public_secure" AUTHORIZATION "steward_wh__views";

-- database: shop; params: [["hide-pii"],["s3cret"]]
INSERT INTO "steward_wh"."salt" (name, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;

-- database: shop; params: [["o'brien"],["attribute"],["region"],["eu\\west"]]
DELETE FROM "steward_wh"."profile" WHERE (principal, kind, name, value) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]));

-- database: shop; params: [["alice","o'brien"],["user","attribute"],["","region"],["","eu\\west"]]
INSERT INTO "steward_wh"."profile" (principal, kind, name, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING;

-- database: shop
DROP VIEW IF EXISTS "public_secure"."customers";

-- database: shop
CREATE VIEW "public_secure"."customers" WITH (security_barrier) AS
SELECT
  t."id" AS "id",
  CASE WHEN EXISTS (SELECT 1 FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'exempt' AND p."value" = 'hide-pii') THEN t."email"::text ELSE encode(sha256(convert_to((SELECT s."value" FROM "steward_wh"."salt" AS s WHERE s."name" = 'hide-pii') || t."email"::text, 'UTF8')), 'hex') END AS "email",
  encode(sha256(convert_to(t."ssn"::text, 'UTF8')), 'hex') AS "ssn",
  regexp_replace(t."name"::text, E'([A-Z])''\\w+', E'\\1.$', 'g') AS "name",
  CAST(round(t."amount"::numeric / 100) * 100 AS integer) AS "amount",
  round(t."price"::numeric / 0.5) * 0.5 AS "price",
  CAST(date_trunc('year', t."born") AS date) AS "born",
  date_trunc('hour', t."seen") AS "seen",
  CASE WHEN char_length(t."phone"::text) > 5 THEN left(t."phone"::text, 1) || repeat('*', char_length(t."phone"::text) - 5) || right(t."phone"::text, 4) ELSE repeat('*', char_length(t."phone"::text)) END AS "phone",
  CASE WHEN FALSE THEN t."notes" END AS "notes",
  CASE WHEN ((NOT (CASE WHEN EXISTS (SELECT 1 FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'attribute' AND p."name" = 'region') THEN t."region"::text = ANY (ARRAY(SELECT p."value" FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'attribute' AND p."name" = 'region')) END)) IS FALSE) THEN t."region" ELSE 'it''s $$ */' END AS "region",
  CASE WHEN FALSE THEN t."Wé""ird`" ELSE (-1) END AS "Wé""ird`"
FROM "public"."customers" AS t
WHERE (EXISTS (SELECT 1 FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'user') AND (EXISTS (SELECT 1 FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'exempt' AND p."value" = 'own-region') OR ((CASE WHEN EXISTS (SELECT 1 FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'attribute' AND p."name" = 'region') THEN t."region"::text = ANY (ARRAY(SELECT p."value" FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'attribute' AND p."name" = 'region')) END) AND (CASE WHEN EXISTS (SELECT 1 FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'group') THEN t."amount"::text <> ALL (ARRAY(SELECT p."value" FROM "steward_wh"."user_profile" AS p WHERE p."kind" = 'group')) END) AND (t."amount" <> (-5)) AND (t."name" >= 'M') AND (t."name" NOT IN ('a', 'b''c')) AND (t."notes" IS NOT NULL) AND (NOT (t."born" IS NULL)))));

-- database: shop
ALTER VIEW "public_secure"."customers" OWNER TO "steward_wh__views";

-- database: shop
GRANT SELECT ON TABLE "public_secure"."customers" TO "steward_wh__read_r", "steward_wh__x_r";

-- database: shop; params: ["public_secure","customers","9ddfce7f3f610b5bdcc49fec19d57dbfee40b090b8274b416ac52600a0244747"]
INSERT INTO "steward_wh"."views" (schema_name, view_name, desired, rendered) SELECT $1, $2, $3, (SELECT encode(sha256(convert_to(concat_ws(E'\n', r.ev_action::text, array_to_string(c.reloptions, ','), c.relowner::regrole::text), 'UTF8')), 'hex')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
WHERE n.nspname = $1::text AND c.relname = $2::text AND c.relkind = 'v') ON CONFLICT (schema_name, view_name) DO UPDATE SET desired = EXCLUDED.desired, rendered = EXCLUDED.rendered;

-- database: shop
DROP VIEW IF EXISTS "public_secure"."customers";

-- database: shop; params: ["public_secure","customers"]
DELETE FROM "steward_wh"."views" WHERE schema_name = $1 AND view_name = $2;

-- database: shop; params: [["old"]]
DELETE FROM "steward_wh"."salt" WHERE name = ANY($1::text[]);
