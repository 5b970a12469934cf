-- Indexes of the captured relations ($1), including those behind constraints.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
    pg_get_indexdef(i.indexrelid) AS definition,
    i.indisclustered AS clustered,
    i.indisvalid AS valid,
    i.indisreplident AS replica_identity,
    (
        SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
        FROM pg_inherits inheritance
        JOIN pg_class pc ON pc.oid = inheritance.inhparent
        JOIN pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE inheritance.inhrelid = i.indexrelid
        LIMIT 1
    ) AS attached_to,
    tablespace.spcname::text AS tablespace,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
    ) AS comment
FROM unnest($1::oid[]) AS captured(oid)
JOIN pg_index i ON i.indrelid = captured.oid
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_tablespace tablespace ON tablespace.oid = c.reltablespace
WHERE NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_class'::regclass AND member.objid = c.oid AND member.deptype = 'e'
  )
