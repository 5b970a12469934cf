-- requires: 202611260209_enable_tenant_row_level_security
-- message: tenant isolation, the application roles' grants and row-level-security policies
--
-- Repeatable: the runner runs this file again, in one transaction, whenever its text changes;
-- every statement can run twice with the same result. It runs after app_roles.sql (repeatable
-- migrations run in file-name order), which creates the roles.
--
-- The tenant of a session is the setting `app.tenant_id`, which the application sets in each
-- transaction, as in
--     BEGIN; SET LOCAL app.tenant_id = '<tenant uuid>'; ... COMMIT;
-- Unset or empty means no tenant: each policy then compares with NULL, so no row is visible and
-- no row can be written. A value that is not a uuid makes the statement fail.
--
-- The policies apply to app_user and app_readonly and to the roles that are their members. They
-- do not apply to the owner of the tables, the role that runs migrations (see the revision that
-- enables row-level security for why there is no FORCE).
--
-- Running this file takes an ACCESS EXCLUSIVE lock on both tables while the policies are
-- replaced. The lock timeout makes it fail, and roll back, rather than wait behind a long query
-- with the application's queries queued behind it.

SET LOCAL lock_timeout = '5s';

-- Privileges: everything revoked, then exactly what is listed granted, so that deleting a grant
-- here removes it from the database. Both happen in the same transaction.
REVOKE ALL ON TABLE tenants, attribution_events FROM app_user, app_readonly;
-- The application reads and renames its own tenant; tenants are created and deleted by the
-- provisioning path, as the owner.
GRANT SELECT, UPDATE ON TABLE tenants TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE attribution_events TO app_user;
GRANT SELECT ON TABLE tenants, attribution_events TO app_readonly;

-- Policies: DROP POLICY IF EXISTS, then CREATE POLICY (a bare CREATE POLICY fails the second
-- time). To remove a policy, keep its DROP POLICY IF EXISTS line and delete the CREATE POLICY.
DROP POLICY IF EXISTS tenants_isolation ON tenants;
CREATE POLICY tenants_isolation ON tenants
    FOR ALL TO app_user
    USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DROP POLICY IF EXISTS attribution_events_isolation ON attribution_events;
CREATE POLICY attribution_events_isolation ON attribution_events
    FOR ALL TO app_user
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The read-only role reads one tenant too; it has no write privilege, and no policy for writes.
DROP POLICY IF EXISTS tenants_read_only ON tenants;
CREATE POLICY tenants_read_only ON tenants
    FOR SELECT TO app_readonly
    USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

DROP POLICY IF EXISTS attribution_events_read_only ON attribution_events;
CREATE POLICY attribution_events_read_only ON attribution_events
    FOR SELECT TO app_readonly
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
