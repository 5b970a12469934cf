-- Table constraints of the captured relations ($1): primary, unique, foreign, check and exclusion.
-- NOT NULL constraints are read as column nullability (newer servers also list them here), and
-- constraint triggers are read as triggers.
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
WHERE co.contype IN ('c', 'f', 'p', 'u', 'x')
