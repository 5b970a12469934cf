-- Indexes of the captured relations ($1), including those behind constraints.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
    pg_get_indexdef(i.indexrelid) AS definition,
    i.indisclustered AS clustered,
    i.indisvalid AS valid,
    (
        SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
        FROM pg_inherits inheritance
        JOIN pg_class pc ON pc.oid = inheritance.inhparent
        JOIN pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE inheritance.inhrelid = i.indexrelid
        LIMIT 1
    ) AS attached_to,
    tablespace.spcname::text AS tablespace,
    description.description AS comment
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_tablespace tablespace ON tablespace.oid = c.reltablespace
LEFT JOIN pg_description description
    ON description.classoid = 'pg_class'::regclass AND description.objoid = c.oid AND description.objsubid = 0
WHERE i.indrelid = ANY($1)
  AND NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_class'::regclass AND member.objid = c.oid AND member.deptype = 'e'
  )
