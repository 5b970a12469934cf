-- message: the empty schema every database starts from
--
-- The baseline records that a database is under migration control. A database that already has
-- the schema of a later revision is adopted with `migrate stamp <revision>`.

-- migrate:up

-- migrate:down
