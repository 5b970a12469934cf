-- Extended statistics objects on the captured relations ($1).
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(s.stxname) AS name,
    pg_get_statisticsobjdef(s.oid) AS definition,
    -- The default is -1 up to PostgreSQL 16 and NULL from 17.
    CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget::int4 END AS statistics_target,
    pg_get_userbyid(s.stxowner)::text AS owner,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = s.oid AND d.classoid = 'pg_statistic_ext'::regclass AND d.objsubid = 0
    ) AS comment
FROM unnest($1::oid[]) AS captured(oid)
JOIN pg_statistic_ext s ON s.stxrelid = captured.oid
JOIN pg_namespace n ON n.oid = s.stxnamespace
