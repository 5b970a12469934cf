-- Collations created in the user's schemas. The settings are read as JSON because their columns differ
-- between server versions.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(c.collname) AS name,
    (to_jsonb(c) - ARRAY['oid', 'collname', 'collnamespace', 'collowner', 'collversion'])::text AS settings,
    pg_get_userbyid(c.collowner)::text AS owner,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = c.oid AND d.classoid = 'pg_collation'::regclass AND d.objsubid = 0
    ) AS comment
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
WHERE n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_collation'::regclass AND member.objid = c.oid AND member.deptype = 'e'
  )
