-- Collations created in the user's schemas. $1/$2: the columns with the locale and the ICU rules on
-- this server version (NULL where it has none), read by name because their names differ between
-- versions (see server_version.rs). The settings come as SQL literals, NULL when not set.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(c.collname) AS name,
    CASE c.collprovider
        WHEN 'c' THEN 'libc'
        WHEN 'i' THEN 'icu'
        WHEN 'b' THEN 'builtin'
        WHEN 'd' THEN 'default'
        ELSE c.collprovider::text
    END AS provider,
    quote_literal(to_jsonb(c) ->> $1) AS locale,
    quote_literal(c.collcollate::text) AS lc_collate,
    quote_literal(c.collctype::text) AS lc_ctype,
    quote_literal(to_jsonb(c) ->> $2) AS rules,
    c.collisdeterministic AS deterministic,
    CASE WHEN c.collencoding <> -1 THEN pg_encoding_to_char(c.collencoding)::text END AS encoding,
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
