-- Rewrite rules of the captured relations ($1); the `_RETURN` rule of a view is its definition.
SELECT
    r.ev_class AS relation,
    quote_ident(r.rulename) AS name,
    pg_get_ruledef(r.oid, true) AS definition,
    r.ev_enabled::text AS enabled,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = r.oid AND d.classoid = 'pg_rewrite'::regclass AND d.objsubid = 0
    ) AS comment
FROM unnest($1::oid[]) AS captured(oid)
JOIN pg_rewrite r ON r.ev_class = captured.oid
WHERE r.rulename <> '_RETURN'
