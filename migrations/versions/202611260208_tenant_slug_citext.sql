-- revises: 202611260207_enable_citext
-- message: tenant slugs compare and stay unique case-insensitively
--
-- A slug arrives from URLs and API keys in whatever case a person typed. As citext,
-- `WHERE slug = $1` finds `acme` for `Acme` and still uses the unique index, and the unique
-- constraint holds case-insensitively.
--
-- Why the format check is dropped and added again: on a citext column `~` compares
-- case-insensitively, so `ALTER COLUMN ... TYPE citext` alone would silently let `ACME` through
-- the check. Checking `slug::text` keeps stored slugs lower case, exactly as before.
--
-- Locks and cost: text to citext is binary-coercible, so the table is not rewritten, but the
-- statement holds an ACCESS EXCLUSIVE lock on tenants while the unique index is rebuilt and the
-- new check scans the table. tenants is small (one row per customer).
-- lint: allow changing-column-type -- text to citext is binary-coercible: no rewrite, and tenants has one row per customer
-- lint: allow ban-drop-constraint, constraint-missing-not-valid -- the format check is replaced in the same transaction, and validating it scans one row per customer

-- migrate:up
ALTER TABLE tenants DROP CONSTRAINT tenants_slug_format;
ALTER TABLE tenants ALTER COLUMN slug TYPE citext;
ALTER TABLE tenants
    ADD CONSTRAINT tenants_slug_format CHECK (slug::text ~ '^[a-z0-9]+(-[a-z0-9]+)*$');
COMMENT ON COLUMN tenants.slug IS 'Stable lower-case identifier used in URLs and API keys; compared case-insensitively';

-- migrate:down
-- The reverse, in reverse order: the comment, the check on the text value, the type, the old check.
COMMENT ON COLUMN tenants.slug IS 'Stable lower-case identifier used in URLs and API keys';
ALTER TABLE tenants DROP CONSTRAINT tenants_slug_format;
ALTER TABLE tenants ALTER COLUMN slug TYPE text;
ALTER TABLE tenants
    ADD CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$');
