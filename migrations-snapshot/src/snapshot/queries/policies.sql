-- Row-level-security policies of the captured relations ($1), with their roles sorted by name.
SELECT
    p.polrelid AS relation,
    quote_ident(p.polname) AS name,
    p.polcmd::text AS command,
    p.polpermissive AS permissive,
    ARRAY(
        SELECT role_name
        FROM unnest(p.polroles) r,
            LATERAL (SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)::text) END) AS x(role_name)
        ORDER BY role_name COLLATE "C"
    ) AS roles,
    pg_get_expr(p.polqual, p.polrelid) AS using_expression,
    pg_get_expr(p.polwithcheck, p.polrelid) AS with_check_expression,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = p.oid AND d.classoid = 'pg_policy'::regclass AND d.objsubid = 0
    ) AS comment
FROM unnest($1::oid[]) AS captured(oid)
JOIN pg_policy p ON p.polrelid = captured.oid
