-- The extension of the rich schema, at a version every supported PostgreSQL has, and a column of its
-- type (after the others: the parent and the child table get it last).
CREATE EXTENSION citext VERSION '1.6';
ALTER TABLE app.tenants ADD COLUMN email citext;
