-- Tables, partitions, foreign tables, views, materialised views and sequences of the user's schemas.
-- $1/$2: schema and name of the excluded (history) tables; their indexes, their sequences and their
-- TOAST tables are left out with them.
WITH excluded_table AS (
    SELECT c.oid
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN unnest($1::text[], $2::text[]) AS x(schema_name, table_name)
        ON x.schema_name = n.nspname AND x.table_name = c.relname
), excluded AS (
    SELECT oid FROM excluded_table
    UNION
    SELECT d.objid
    FROM pg_depend d
    JOIN excluded_table e ON e.oid = d.refobjid
    WHERE d.classid = 'pg_class'::regclass
      AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i')
)
SELECT
    c.oid,
    c.relkind::text AS relkind,
    quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name,
    pg_get_userbyid(c.relowner)::text AS owner,
    -- Without a relacl the privileges are the default ones: both lists are left empty, which compare
    -- equal as the sorted lists would, and the sorting subqueries do not run.
    CASE WHEN c.relacl IS NULL THEN '{}'::text[] ELSE ARRAY(
        SELECT a::text
        FROM unnest(c.relacl) a
        ORDER BY a::text COLLATE "C"
    ) END AS acl,
    CASE WHEN c.relacl IS NULL THEN '{}'::text[] ELSE ARRAY(
        SELECT a::text
        FROM unnest(acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)) a
        ORDER BY a::text COLLATE "C"
    ) END AS default_acl,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = c.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
    ) AS comment,
    c.relpersistence::text AS persistence,
    CASE WHEN c.reloptions IS NULL THEN '{}'::text[]
        ELSE ARRAY(SELECT o FROM unnest(c.reloptions) o ORDER BY o COLLATE "C")
    END AS options,
    c.relrowsecurity AS row_security,
    c.relforcerowsecurity AS force_row_security,
    c.relreplident::text AS replica_identity,
    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key,
    CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
    ARRAY(
        SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
        FROM pg_inherits i
        JOIN pg_class pc ON pc.oid = i.inhparent
        JOIN pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE i.inhrelid = c.oid
        ORDER BY i.inhseqno
    ) AS parents,
    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_definition,
    CASE WHEN c.relkind IN ('r', 'p', 'm') THEN am.amname::text END AS access_method,
    CASE WHEN c.reloftype <> 0 THEN format_type(c.reloftype, NULL) END AS of_type,
    tablespace.spcname::text AS tablespace,
    format_type(s.seqtypid, NULL) AS sequence_type,
    s.seqstart AS sequence_start,
    s.seqincrement AS sequence_increment,
    s.seqmin AS sequence_min,
    s.seqmax AS sequence_max,
    s.seqcache AS sequence_cache,
    s.seqcycle AS sequence_cycle,
    (
        SELECT quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) || '.' || quote_ident(ta.attname)
            || CASE WHEN d.deptype = 'i' THEN ' (identity)' ELSE '' END
        FROM pg_depend d
        JOIN pg_class tc ON tc.oid = d.refobjid
        JOIN pg_namespace tn ON tn.oid = tc.relnamespace
        JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
        WHERE c.relkind = 'S'
          AND d.classid = 'pg_class'::regclass
          AND d.objid = c.oid
          AND d.refclassid = 'pg_class'::regclass
          AND d.refobjsubid > 0
          AND d.deptype IN ('a', 'i')
        LIMIT 1
    ) AS sequence_owned_by,
    server.srvname::text AS foreign_server,
    CASE WHEN foreign_table.ftoptions IS NULL THEN '{}'::text[]
        ELSE ARRAY(SELECT o FROM unnest(foreign_table.ftoptions) o ORDER BY o COLLATE "C")
    END AS foreign_options
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_am am ON am.oid = c.relam
LEFT JOIN pg_tablespace tablespace ON tablespace.oid = c.reltablespace
LEFT JOIN pg_sequence s ON s.seqrelid = c.oid
LEFT JOIN pg_foreign_table foreign_table ON foreign_table.ftrelid = c.oid
LEFT JOIN pg_foreign_server server ON server.oid = foreign_table.ftserver
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND c.oid NOT IN (SELECT oid FROM excluded)
  AND NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_class'::regclass AND member.objid = c.oid AND member.deptype = 'e'
  )
