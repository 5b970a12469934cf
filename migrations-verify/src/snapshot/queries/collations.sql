-- Collations created in the user's schemas. The settings are read as JSON because their columns differ
-- between server versions.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(c.collname) AS name,
    (to_jsonb(c) - ARRAY['oid', 'collname', 'collnamespace', 'collowner', 'collversion'])::text AS settings,
    pg_get_userbyid(c.collowner)::text AS owner,
    description.description AS comment
FROM pg_collation c
JOIN pg_namespace n ON n.oid = c.collnamespace
LEFT JOIN pg_description description
    ON description.classoid = 'pg_collation'::regclass AND description.objoid = c.oid AND description.objsubid = 0
WHERE n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_collation'::regclass AND member.objid = c.oid AND member.deptype = 'e'
  )
