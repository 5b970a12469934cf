-- message: the application's roles, app_user (reads and writes) and app_readonly (reads)
--
-- Repeatable: the runner runs this file again whenever its text changes; each run must leave the
-- same result (docs/MIGRATIONS.md, "Repeatable migrations"). It has no `-- requires:` header, so
-- it runs as soon as the baseline is applied.
--
-- Roles are cluster-wide: every database of the server shares them, and dropping a database or
-- downgrading it to base leaves them in place. So this file creates them only when missing, and
-- never alters or drops them (an operator may have given them members or settings). They carry
-- no privilege here: grants and policies are per database, in tenant_isolation.sql.
--
-- Both are NOLOGIN group roles without a password. The application logs in as a role that an
-- operator creates outside migrations and makes a member, e.g.
--     CREATE ROLE attribution_api LOGIN IN ROLE app_user;
-- with its password set by the operator (psql's \password) and kept in the deployment's
-- secrets. A password never goes into a migration: `cargo xtask check` refuses one.
--
-- CREATE ROLE needs CREATEROLE (or a superuser) for the role that runs migrations, unless an
-- operator created both roles beforehand: then this file only finds them.

DO $$
BEGIN
    -- Two databases of one server migrated at the same moment may both find a role missing:
    -- the second CREATE ROLE then fails with unique_violation, which means it exists now.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app_user') THEN
        BEGIN
            CREATE ROLE app_user NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app_readonly') THEN
        BEGIN
            CREATE ROLE app_readonly NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;
