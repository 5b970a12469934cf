-- migrate upgrade 202511121400_create_counter:202511121420_add_events
-- The SQL `migrate` would execute, unit by unit. With psql: psql "$DATABASE_URL" -f <this file>.
-- Each revision's statements wait for a lock at most its lock_timeout; psql does not retry.
\set ON_ERROR_STOP on

-- The runner holds this lock for its whole run (it polls pg_try_advisory_lock, bounded by
-- --lock-timeout), so that concurrent runs wait for each other.
SELECT pg_catalog.pg_advisory_lock(-324209984690458005);

CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history"(
             version int8 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));
CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history_dirty" (
    version int8 PRIMARY KEY,
    name text NOT NULL,
    direction text NOT NULL,
    statement integer,
    line integer,
    error text,
    started_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history_repeatable" (
    name text PRIMARY KEY,
    checksum VARCHAR(255) NOT NULL,
    applied_on VARCHAR(255) NOT NULL
);

-- Running upgrade 202511121400_create_counter -> 202511121410_add_tenants
BEGIN;
SET LOCAL lock_timeout = '5s';
CREATE TABLE tenants (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL UNIQUE
);
INSERT INTO applications (revision) VALUES ('add_tenants');
RESET ALL;
RESET ROLE;
INSERT INTO "public"."refinery_schema_history" (version, name, applied_on, checksum) VALUES (202511121410, 'add_tenants', pg_catalog.to_char(pg_catalog.clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '6423675237681682484');
COMMIT;

-- Running upgrade 202511121410_add_tenants -> 202511121420_add_events
BEGIN;
SET LOCAL lock_timeout = '5s';
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id bigint NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    payload jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_tenant_idx ON events (tenant_id);
INSERT INTO applications (revision) VALUES ('add_events');
RESET ALL;
RESET ROLE;
INSERT INTO "public"."refinery_schema_history" (version, name, applied_on, checksum) VALUES (202511121420, 'add_events', pg_catalog.to_char(pg_catalog.clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), '3547563499169974410');
COMMIT;

SELECT pg_catalog.pg_advisory_unlock(-324209984690458005);
-- migrate downgrade 202511121400_create_counter:base
-- The SQL `migrate` would execute, unit by unit. With psql: psql "$DATABASE_URL" -f <this file>.
-- Each revision's statements wait for a lock at most its lock_timeout; psql does not retry.
\set ON_ERROR_STOP on

-- The runner holds this lock for its whole run (it polls pg_try_advisory_lock, bounded by
-- --lock-timeout), so that concurrent runs wait for each other.
SELECT pg_catalog.pg_advisory_lock(-324209984690458005);

CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history"(
             version int8 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));
CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history_dirty" (
    version int8 PRIMARY KEY,
    name text NOT NULL,
    direction text NOT NULL,
    statement integer,
    line integer,
    error text,
    started_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE TABLE IF NOT EXISTS "public"."refinery_schema_history_repeatable" (
    name text PRIMARY KEY,
    checksum VARCHAR(255) NOT NULL,
    applied_on VARCHAR(255) NOT NULL
);

-- Running downgrade 202511121400_create_counter -> 202511121302_baseline
BEGIN;
SET LOCAL lock_timeout = '5s';
DROP TABLE applications;
RESET ALL;
RESET ROLE;
DELETE FROM "public"."refinery_schema_history" WHERE version = 202511121400;
COMMIT;

-- Running downgrade 202511121302_baseline -> base
BEGIN;
SET LOCAL lock_timeout = '5s';
RESET ALL;
RESET ROLE;
DELETE FROM "public"."refinery_schema_history" WHERE version = 202511121302;
COMMIT;

SELECT pg_catalog.pg_advisory_unlock(-324209984690458005);
