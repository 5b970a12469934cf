-- Rewrite rules of the captured relations ($1); the `_RETURN` rule of a view is its definition.
SELECT
    r.ev_class AS relation,
    quote_ident(r.rulename) AS name,
    pg_get_ruledef(r.oid, true) AS definition,
    r.ev_enabled::text AS enabled,
    description.description AS comment
FROM pg_rewrite r
LEFT JOIN pg_description description
    ON description.classoid = 'pg_rewrite'::regclass AND description.objoid = r.oid AND description.objsubid = 0
WHERE r.ev_class = ANY($1)
  AND r.rulename <> '_RETURN'
