-- Installed extensions with their versions; the objects they own are left out everywhere else.
SELECT
    quote_ident(e.extname) AS name,
    e.extversion AS version,
    quote_ident(n.nspname) AS schema,
    pg_get_userbyid(e.extowner)::text AS owner,
    description.description AS comment
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
LEFT JOIN pg_description description
    ON description.classoid = 'pg_extension'::regclass AND description.objoid = e.oid AND description.objsubid = 0
