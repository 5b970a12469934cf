-- Extended statistics objects on the captured relations ($1).
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(s.stxname) AS name,
    pg_get_statisticsobjdef(s.oid) AS definition,
    pg_get_userbyid(s.stxowner)::text AS owner,
    description.description AS comment
FROM pg_statistic_ext s
JOIN pg_namespace n ON n.oid = s.stxnamespace
LEFT JOIN pg_description description
    ON description.classoid = 'pg_statistic_ext'::regclass AND description.objoid = s.oid AND description.objsubid = 0
WHERE s.stxrelid = ANY($1)
