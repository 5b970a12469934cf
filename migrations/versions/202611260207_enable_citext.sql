-- revises: 202511121500_add_attribution_events_table
-- message: citext, case-insensitive text, for tenant slugs
--
-- 202611260207_enable_citext, created 2026-11-26 02:07 UTC by `cargo xtask new-migration --template enable-extension`.
--
-- Enables the PostgreSQL extension `citext`, used by 202611260208_tenant_slug_citext.
-- * citext is part of PostgreSQL's contrib: on Debian and Ubuntu it ships with
--   `postgresql-<version>`, and the official `postgres` images have it. The runner names the
--   package when an extension is missing on the server.
-- * citext is a trusted extension (PostgreSQL 13 and later): the role that runs migrations needs
--   the CREATE privilege on the database (the database owner has it), not superuser.
-- * The schema is pinned so that the type does not land wherever the search_path points.
-- * The down section drops the extension; it fails, as it should, while a column still uses the
--   type. The down section of 202611260208_tenant_slug_citext turns the slug back to text first.

-- migrate:up
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;

-- migrate:down
DROP EXTENSION IF EXISTS citext;
