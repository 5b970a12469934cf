-- Table constraints of the captured relations ($1): primary, unique, foreign, check, exclusion, and
-- the named NOT NULL constraints PostgreSQL 18 keeps here (`NOT NULL column`, with `NO INHERIT` or
-- `NOT VALID` when so; a column's nullability is read with the column on every version).
-- Constraint triggers are read as triggers.
SELECT
    co.conrelid AS relation,
    quote_ident(co.conname) AS name,
    pg_get_constraintdef(co.oid, true) AS definition,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = co.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
    ) AS comment
FROM unnest($1::oid[]) AS captured(oid)
JOIN pg_constraint co ON co.conrelid = captured.oid
WHERE co.contype IN ('c', 'f', 'n', 'p', 'u', 'x')
