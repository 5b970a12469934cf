-- Installed extensions with their versions; the objects they own are left out everywhere else.
SELECT
    quote_ident(e.extname) AS name,
    e.extversion AS version,
    quote_ident(n.nspname) AS schema,
    pg_get_userbyid(e.extowner)::text AS owner,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = e.oid AND d.classoid = 'pg_extension'::regclass AND d.objsubid = 0
    ) AS comment
FROM pg_extension e
JOIN pg_namespace n ON n.oid = e.extnamespace
