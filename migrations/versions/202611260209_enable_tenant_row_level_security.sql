-- revises: 202611260208_tenant_slug_citext
-- message: row-level security on the tenant tables; policies live in repeatable/tenant_isolation.sql
--
-- With row-level security on, a role other than the table owner sees and writes only the rows a
-- policy allows, and no row at all while no policy applies to it. The policies, the grants and
-- the roles are repeatable migrations (migrations/repeatable/), edited in place; the runner runs
-- them after this revision. Between the two (a dry run stopped here, a failed repeatable), the
-- application's roles see nothing: the safe side.
--
-- Not FORCE ROW LEVEL SECURITY: the owner of the tables is the role that runs migrations, and
-- later revisions (backfills, data fixes) must see every tenant's rows. FORCE would subject the
-- owner to the policies too, and with no policy for it an UPDATE would silently change no row.
-- The application must therefore never connect as the owner, a superuser or a BYPASSRLS role.
--
-- Locks: ENABLE ROW LEVEL SECURITY takes an ACCESS EXCLUSIVE lock on each table for a moment; no
-- rewrite, no scan.

-- migrate:up
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE attribution_events ENABLE ROW LEVEL SECURITY;

-- migrate:down
-- Below this revision the runner forgets the repeatable `tenant_isolation`, which requires it, and
-- runs it again at the next upgrade. What it made on these tables goes here: every policy, and
-- the application roles' grants. Without row-level security those grants would show the
-- application every tenant's rows; without them it sees nothing.
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT polname, polrelid::regclass AS tablename
        FROM pg_catalog.pg_policy
        WHERE polrelid IN ('tenants'::regclass, 'attribution_events'::regclass)
    LOOP
        EXECUTE format('DROP POLICY %I ON %s', item.polname, item.tablename);
    END LOOP;
    FOR item IN
        SELECT rolname FROM pg_catalog.pg_roles WHERE rolname IN ('app_user', 'app_readonly')
    LOOP
        EXECUTE format('REVOKE ALL ON TABLE tenants, attribution_events FROM %I', item.rolname);
    END LOOP;
END
$$;
ALTER TABLE attribution_events DISABLE ROW LEVEL SECURITY;
ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;
