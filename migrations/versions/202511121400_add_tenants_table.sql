-- revises: 202511121302_baseline
-- message: tenants, the organisations whose attribution data is kept apart

-- migrate:up
CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug text NOT NULL,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    CONSTRAINT tenants_name_not_blank CHECK (btrim(name) <> '')
);

COMMENT ON TABLE tenants IS 'Organisations whose attribution data is kept apart from each other';
COMMENT ON COLUMN tenants.slug IS 'Stable lower-case identifier used in URLs and API keys';

-- migrate:down
DROP TABLE tenants;
