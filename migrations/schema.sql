-- The schema the revisions build at head, one block per object, written by `cargo xtask schema`
-- from a snapshot of a database upgraded to head. Do not edit it: a revision changes it in the
-- same commit, and review reads the change of schema here.
--
-- `psql -v ON_ERROR_STOP=1 -f schema.sql` builds it in an empty database, owned by the role that
-- runs it; the roles it grants to must exist (they belong to the cluster, not to a database). It
-- has no history tables: `migrate stamp head` puts such a database under migration control.
--
-- head: 202611260209_enable_tenant_row_level_security
-- source: 6 revisions, 2 repeatable migrations, checksum a9f3b4a116c5ba08
-- server: PostgreSQL 15

BEGIN;
SET LOCAL check_function_bodies = false;
SET LOCAL client_min_messages = warning;
SET LOCAL search_path = pg_catalog;

-- extension citext
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public VERSION '1.6';
COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';

-- table public.attribution_events
CREATE TABLE public.attribution_events (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    tenant_id uuid NOT NULL,
    event_type text NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL
);
COMMENT ON TABLE public.attribution_events IS 'Touchpoints (impressions, clicks, conversions) attributed to a tenant';
GRANT SELECT ON TABLE public.attribution_events TO app_readonly;
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.attribution_events TO app_user;
ALTER TABLE public.attribution_events ENABLE ROW LEVEL SECURITY;

-- table public.tenants
CREATE TABLE public.tenants (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    slug public.citext NOT NULL,
    name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);
COMMENT ON COLUMN public.tenants.slug IS 'Stable lower-case identifier used in URLs and API keys; compared case-insensitively';
COMMENT ON TABLE public.tenants IS 'Organisations whose attribution data is kept apart from each other';
GRANT SELECT ON TABLE public.tenants TO app_readonly;
GRANT SELECT, UPDATE ON TABLE public.tenants TO app_user;
ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;

-- constraint public.attribution_events.attribution_events_event_type_format
ALTER TABLE public.attribution_events ADD CONSTRAINT attribution_events_event_type_format CHECK (event_type ~ '^[a-z][a-z0-9_]*$'::text);

-- constraint public.attribution_events.attribution_events_payload_is_object
ALTER TABLE public.attribution_events ADD CONSTRAINT attribution_events_payload_is_object CHECK (jsonb_typeof(payload) = 'object'::text);

-- constraint public.attribution_events.attribution_events_pkey
ALTER TABLE ONLY public.attribution_events ADD CONSTRAINT attribution_events_pkey PRIMARY KEY (id);

-- constraint public.tenants.tenants_name_not_blank
ALTER TABLE public.tenants ADD CONSTRAINT tenants_name_not_blank CHECK (btrim(name) <> ''::text);

-- constraint public.tenants.tenants_pkey
ALTER TABLE ONLY public.tenants ADD CONSTRAINT tenants_pkey PRIMARY KEY (id);

-- constraint public.tenants.tenants_slug_format
ALTER TABLE public.tenants ADD CONSTRAINT tenants_slug_format CHECK (slug::text ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text);

-- constraint public.tenants.tenants_slug_key
ALTER TABLE ONLY public.tenants ADD CONSTRAINT tenants_slug_key UNIQUE (slug);

-- index public.attribution_events_tenant_occurred_idx
CREATE INDEX attribution_events_tenant_occurred_idx ON public.attribution_events USING btree (tenant_id, occurred_at DESC);

-- index public.attribution_events_tenant_type_occurred_idx
CREATE INDEX attribution_events_tenant_type_occurred_idx ON public.attribution_events USING btree (tenant_id, event_type, occurred_at DESC);

-- constraint public.attribution_events.attribution_events_tenant_id_fkey
ALTER TABLE public.attribution_events ADD CONSTRAINT attribution_events_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES public.tenants(id) ON DELETE CASCADE;

-- policy public.attribution_events.attribution_events_isolation
CREATE POLICY attribution_events_isolation ON public.attribution_events AS PERMISSIVE FOR ALL TO app_user USING (tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid) WITH CHECK (tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid);

-- policy public.attribution_events.attribution_events_read_only
CREATE POLICY attribution_events_read_only ON public.attribution_events AS PERMISSIVE FOR SELECT TO app_readonly USING (tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid);

-- policy public.tenants.tenants_isolation
CREATE POLICY tenants_isolation ON public.tenants AS PERMISSIVE FOR ALL TO app_user USING (id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid) WITH CHECK (id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid);

-- policy public.tenants.tenants_read_only
CREATE POLICY tenants_read_only ON public.tenants AS PERMISSIVE FOR SELECT TO app_readonly USING (id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid);

COMMIT;
