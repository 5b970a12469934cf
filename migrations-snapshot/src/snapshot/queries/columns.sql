-- Columns of the captured relations ($1), in their physical order; dropped columns are skipped, so the
-- position of a column is its rank among the live ones.
SELECT
    a.attrelid AS relation,
    quote_ident(a.attname) AS name,
    format_type(a.atttypid, a.atttypmod) AS data_type,
    a.attnotnull AS not_null,
    pg_get_expr(ad.adbin, ad.adrelid) AS default_expression,
    a.attidentity::text AS identity,
    a.attgenerated::text AS generated,
    CASE WHEN a.attcollation <> t.typcollation
        THEN quote_ident(collation_schema.nspname) || '.' || quote_ident(co.collname)
    END AS collation,
    CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
    CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::int4 END AS statistics_target,
    -- Most columns have no options and no privileges: the sorting subqueries run only when they do.
    CASE WHEN a.attoptions IS NULL THEN '{}'::text[]
        ELSE ARRAY(SELECT o FROM unnest(a.attoptions) o ORDER BY o COLLATE "C")
    END AS options,
    CASE WHEN a.attfdwoptions IS NULL THEN '{}'::text[]
        ELSE ARRAY(SELECT o FROM unnest(a.attfdwoptions) o ORDER BY o COLLATE "C")
    END AS foreign_options,
    CASE WHEN a.attacl IS NULL THEN '{}'::text[]
        ELSE ARRAY(SELECT x::text FROM unnest(a.attacl) x ORDER BY x::text COLLATE "C")
    END AS acl,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
    ) AS comment
FROM unnest($1::oid[]) AS captured(oid)
JOIN pg_attribute a ON a.attrelid = captured.oid
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace collation_schema ON collation_schema.oid = co.collnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
