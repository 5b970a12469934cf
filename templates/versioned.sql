-- revises: {{revises}}
-- message: {{message}}
--
-- {{name}}, created {{created}} by `{{new}}`.
--
-- How a revision works (docs/MIGRATIONS.md has the whole handbook):
-- * `-- migrate:up` applies the change; `-- migrate:down` undoes exactly that change, in reverse
--   order. `{{verify}}` runs up, down and up again on a throwaway database and fails when
--   the schema after down differs from the schema before up, naming the leftover object.
-- * Each section runs in one transaction together with its history row: a failure leaves the
--   database as it was. Statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY,
--   ALTER TYPE ... ADD VALUE before PostgreSQL 12) need `-- migrate:up transaction:false`; each
--   statement then runs on its own, in both sections.
-- * Once applied anywhere, the up section is frozen: its checksum is in the history table and a
--   changed up section is refused. The down section may still be corrected.
-- * Never write a password or a connection string here: `{{check}}` refuses them.
-- * Replace the example below. Name constraints and indexes, so that the down section can drop
--   them by name.

-- migrate:up
CREATE TABLE {{slug}}_example (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX {{slug}}_example_tenant_idx ON {{slug}}_example (tenant_id, created_at);

-- migrate:down
-- Undo in reverse order. Dropping the table drops its index, constraints and identity sequence.
DROP TABLE {{slug}}_example;
