-- requires: {{revises}}
-- message: {{message}}
--
-- {{name}}, created {{created}} by `{{new}} --template repeatable`.
--
-- A repeatable migration keeps in one file, edited in place, what is easier to review whole:
-- roles, grants, row-level-security policies, views, functions. There are no up and down
-- sections (docs/MIGRATIONS.md, "Repeatable migrations", has the whole story).
-- * The runner runs this file after the revisions of each upgrade when its text changed since it
--   last ran (the checksum covers the text below these header comments), in one transaction
--   together with its row in the history table `<history table>_repeatable`. Repeatable
--   migrations run in file-name order, so a file that needs another's roles sorts after it.
-- * The `-- requires:` header names the oldest revision the file needs (the head when it was
--   written; without the header, the baseline). The file does not run before that revision is
--   applied, and a downgrade below that revision forgets it, so the next upgrade runs it again.
-- * It runs again and again on the same database, so every statement must give the same result
--   when run twice in a row. `{{verify}}` runs it twice and compares the schemas.
-- * No down section removes what it creates. Policies and grants on a table go with the table;
--   other objects (views, functions) must be dropped by the down section of the required
--   revision, or `verify` reports them as left behind after a downgrade to base.
-- * Roles are cluster-wide, shared by every database of the server, and outlive any downgrade:
--   create them only when missing, NOLOGIN and without a password, and never drop them here.
--   A password or a connection string is refused by `{{check}}`.
--
-- Idempotent forms, each safe to run twice:
--   CREATE OR REPLACE VIEW / FUNCTION / PROCEDURE    (a view may only gain columns at the end;
--                                                      for other changes DROP VIEW IF EXISTS first)
--   DROP POLICY IF EXISTS p ON t; then CREATE POLICY p ON t ...
--   a DO block that creates a role only when pg_roles has no row for it
--   REVOKE ALL ... FROM r; then GRANT exactly what r needs
--   COMMENT ON ... IS '...'
-- Not idempotent, so they fail or pile up on the second run and belong in versioned revisions:
--   a bare CREATE POLICY, CREATE TABLE, ALTER TABLE ... ADD COLUMN, CREATE INDEX, CREATE TYPE,
--   INSERT without ON CONFLICT.
--
-- Replace the example below.

-- Replacing policies takes an ACCESS EXCLUSIVE lock on their table: fail fast rather than queue
-- behind a long query with the application's queries queued behind this one.
SET LOCAL lock_timeout = '5s';

CREATE OR REPLACE FUNCTION {{slug}}_example_now() RETURNS timestamptz
    LANGUAGE sql STABLE
    AS $$ SELECT now() $$;

CREATE OR REPLACE VIEW {{slug}}_example AS
    SELECT {{slug}}_example_now() AS checked_at;

COMMENT ON VIEW {{slug}}_example IS 'Example of a repeatable migration: replace it';

REVOKE ALL ON {{slug}}_example FROM PUBLIC;
GRANT SELECT ON {{slug}}_example TO PUBLIC;

-- A role, created only when missing (concurrent migrations of two databases of one server may
-- both find it missing: the loser's CREATE ROLE fails with unique_violation, meaning it exists):
--
-- DO $$
-- BEGIN
--     IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app_user') THEN
--         BEGIN
--             CREATE ROLE app_user NOLOGIN;
--         EXCEPTION WHEN duplicate_object OR unique_violation THEN
--             NULL;
--         END;
--     END IF;
-- END
-- $$;
--
-- Grants that can run twice, and converge: what is removed here is removed from the database.
--
-- REVOKE ALL ON TABLE tenants FROM app_user;
-- GRANT SELECT, UPDATE ON TABLE tenants TO app_user;
--
-- A row-level-security policy (the table's revision enables row-level security). An unset or
-- empty app.tenant_id compares with NULL: no row is visible, none can be written.
--
-- DROP POLICY IF EXISTS tenants_isolation ON tenants;
-- CREATE POLICY tenants_isolation ON tenants
--     FOR ALL TO app_user
--     USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
--     WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
