/**
 * A small database shaped like the film-rental sample (pagila): serial keys, a `payment` table
 * partitioned by month, views and a materialized view, most tables owned by a non-superuser
 * owner and two by the superuser, and grants made before Steward by the owner and the
 * superuser — to other roles, to the pseudo-role PUBLIC, to a real role named "PUBLIC", on a
 * column and on a partition.
 */
import { quoteIdent } from '../../src/platforms/postgres/quote.js';
import { PG_URL } from './databases.js';
import { dropRoles, freshDatabase, pgUrl, withPg } from './pg-admin.js';

export const FILM_DB = 'pgt_film';
export const FILM_OWNER = 'pgt_film_owner';
/** Governed users' logins. */
export const FILM_USERS = { alice: 'pgt_film_alice', bob: 'pgt_film_bob', carol: 'pgt_film_carol' } as const;
/** Logins holding grants made before Steward; not governed. */
export const FILM_OTHERS = { analyst: 'pgt_film_analyst', clerk: 'pgt_film_clerk', nobody: 'pgt_film_nobody' } as const;
/** A real role named PUBLIC (not the pseudo-role): cluster-wide, created only if absent, dropped only if created here. */
export const PUBLIC_ROLE = 'PUBLIC';

let createdPublicRole = false;

const SCHEMA = `
CREATE TABLE actor (actor_id serial PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
CREATE TABLE film (film_id serial PRIMARY KEY, title text NOT NULL, rental_rate numeric(4,2) NOT NULL DEFAULT 4.99);
CREATE TABLE film_actor (actor_id int REFERENCES actor, film_id int REFERENCES film, PRIMARY KEY (actor_id, film_id));
CREATE TABLE customer (customer_id serial PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL, email text);
CREATE TABLE rental (rental_id serial PRIMARY KEY, rental_date timestamptz NOT NULL DEFAULT now(),
  customer_id int NOT NULL REFERENCES customer, film_id int NOT NULL REFERENCES film);
CREATE TABLE payment (payment_id serial, customer_id int NOT NULL, rental_id int, amount numeric(5,2) NOT NULL,
  payment_date timestamptz NOT NULL, PRIMARY KEY (payment_date, payment_id)) PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p2022_01 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
CREATE TABLE payment_p2022_02 PARTITION OF payment FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
CREATE TABLE payment_p2022_03 PARTITION OF payment FOR VALUES FROM ('2022-03-01') TO ('2022-04-01');
CREATE VIEW film_list AS
  SELECT f.film_id, f.title, string_agg(a.first_name || ' ' || a.last_name, ', ') AS actors
  FROM film f LEFT JOIN film_actor fa USING (film_id) LEFT JOIN actor a USING (actor_id) GROUP BY f.film_id, f.title;
CREATE VIEW customer_list AS SELECT customer_id, first_name || ' ' || last_name AS name FROM customer;
INSERT INTO actor (first_name, last_name) VALUES ('Penelope', 'Guiness'), ('Nick', 'Wahlberg');
INSERT INTO film (title) VALUES ('Academy Dinosaur'), ('Ace Goldfinger');
INSERT INTO film_actor VALUES (1, 1), (2, 2);
INSERT INTO customer (first_name, last_name, email) VALUES ('Mary', 'Smith', 'mary@example.com');
INSERT INTO rental (customer_id, film_id) VALUES (1, 1);
INSERT INTO payment (customer_id, rental_id, amount, payment_date) VALUES (1, 1, 2.99, '2022-02-14');
CREATE MATERIALIZED VIEW sales_by_film AS
  SELECT r.film_id, sum(p.amount) AS total FROM payment p JOIN rental r USING (rental_id) GROUP BY r.film_id;
`;

/** Tables the superuser owns, in the same schema. */
const SUPERUSER_TABLES = `
CREATE TABLE staff (staff_id serial PRIMARY KEY, username text NOT NULL, password text);
CREATE TABLE store (store_id serial PRIMARY KEY, manager_staff_id int REFERENCES staff);
INSERT INTO staff (username) VALUES ('mike');
`;

/** Grants made before Steward, by the owner (first) and by the superuser on its own table. */
const EARLIER_GRANTS_BY_OWNER = [
  `GRANT SELECT ON film, actor TO ${FILM_OTHERS.analyst}`,
  `GRANT SELECT ON payment_p2022_02 TO ${FILM_OTHERS.analyst}`,
  `GRANT SELECT, INSERT, UPDATE ON rental TO ${FILM_OTHERS.clerk}`,
  `GRANT SELECT (email) ON customer TO ${FILM_OTHERS.clerk}`,
  'GRANT SELECT ON customer TO PUBLIC',
  `GRANT SELECT ON film_list TO ${quoteIdent(PUBLIC_ROLE)}`,
];
const EARLIER_GRANTS_BY_SUPERUSER = [`GRANT SELECT ON staff TO ${FILM_OTHERS.clerk}`];

export async function createFilmRental(): Promise<void> {
  await freshDatabase(FILM_DB, [...Object.values(FILM_USERS), ...Object.values(FILM_OTHERS)], [FILM_OWNER]);
  await withPg(PG_URL, async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [PUBLIC_ROLE]);
    if (exists.rowCount === 0) {
      await c.query(`CREATE ROLE ${quoteIdent(PUBLIC_ROLE)} LOGIN PASSWORD 'pw'`);
      createdPublicRole = true;
    }
  });
  await withPg(pgUrl(FILM_DB), async (c) => {
    // The owner may create in public (PostgreSQL 15 leaves CREATE to the database owner only).
    await c.query(`GRANT CREATE ON SCHEMA public TO ${FILM_OWNER}`);
    await c.query(`SET ROLE ${FILM_OWNER}`);
    await c.query(SCHEMA);
    for (const g of EARLIER_GRANTS_BY_OWNER) await c.query(g);
    await c.query('RESET ROLE');
    await c.query(SUPERUSER_TABLES);
    for (const g of EARLIER_GRANTS_BY_SUPERUSER) await c.query(g);
  });
}

export async function dropFilmRental(): Promise<void> {
  await withPg(PG_URL, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${FILM_DB} WITH (FORCE)`);
    await dropRoles(c, [...Object.values(FILM_USERS), ...Object.values(FILM_OTHERS), FILM_OWNER]);
    if (createdPublicRole) await c.query(`DROP ROLE IF EXISTS ${quoteIdent(PUBLIC_ROLE)}`);
  });
}
