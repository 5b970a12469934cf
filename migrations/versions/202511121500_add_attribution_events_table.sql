-- revises: 202511121400_add_tenants_table
-- message: attribution events, one row per tracked touchpoint of a tenant

-- migrate:up
CREATE TABLE attribution_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_type text NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT attribution_events_event_type_format CHECK (event_type ~ '^[a-z][a-z0-9_]*$'),
    CONSTRAINT attribution_events_payload_is_object CHECK (jsonb_typeof(payload) = 'object')
);

-- Per-tenant time-range queries, newest first; also serves the foreign key's cascading deletes.
CREATE INDEX attribution_events_tenant_occurred_idx
    ON attribution_events (tenant_id, occurred_at DESC);

-- Per-tenant queries for one kind of event.
CREATE INDEX attribution_events_tenant_type_occurred_idx
    ON attribution_events (tenant_id, event_type, occurred_at DESC);

COMMENT ON TABLE attribution_events IS 'Touchpoints (impressions, clicks, conversions) attributed to a tenant';

-- migrate:down
DROP TABLE attribution_events;
