-- revises: {{revises}}
-- message: {{message}}
--
-- {{name}}, created {{created}} by `{{new}} --template enable-extension`.
--
-- Enables the PostgreSQL extension `{{extension}}`.
-- * Extensions are per database, but their files come from the server's packages: on Debian and
--   Ubuntu most ship with `postgresql-<version>` (contrib), others need their own package
--   (e.g. `postgresql-<version>-postgis-3`). The runner names the package when one is missing.
-- * CREATE EXTENSION needs the CREATE privilege on the database, and a superuser for untrusted
--   extensions. Run it with the role that owns the schema.
-- * Pin the schema so that objects of the extension do not land wherever the search_path points.
-- * The down section drops the extension; it fails, as it should, while objects still use it
--   (e.g. a column of type citext): drop those first in the revision that added them.

-- migrate:up
CREATE EXTENSION IF NOT EXISTS {{extension}} WITH SCHEMA public;

-- migrate:down
DROP EXTENSION IF EXISTS {{extension}};
