-- The user's schemas. $1/$2: schema and name of the excluded (history) tables; a schema other than
-- `public` that holds one is reported, so that it can be left out while it holds nothing else.
SELECT
    quote_ident(n.nspname) AS name,
    pg_get_userbyid(n.nspowner)::text AS owner,
    ARRAY(SELECT a::text FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) a ORDER BY a::text COLLATE "C") AS acl,
    ARRAY(SELECT a::text FROM unnest(acldefault('n', n.nspowner)) a ORDER BY a::text COLLATE "C") AS default_acl,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = n.oid AND d.classoid = 'pg_namespace'::regclass AND d.objsubid = 0
    ) AS comment,
    n.nspname <> 'public' AND EXISTS (
        SELECT FROM pg_class c
        JOIN unnest($1::text[], $2::text[]) AS x(schema_name, table_name)
            ON x.schema_name = n.nspname AND x.table_name = c.relname
        WHERE c.relnamespace = n.oid
    ) AS holds_excluded_table
FROM pg_namespace n
WHERE n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_namespace'::regclass AND member.objid = n.oid AND member.deptype = 'e'
  )
