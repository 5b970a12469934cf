-- Enums, domains, composite types, range types and base types of the user's schemas. Array types,
-- multirange types and the row types of tables are made by the server and left out.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS name,
    t.typtype::text AS type_kind,
    pg_get_userbyid(t.typowner)::text AS owner,
    ARRAY(SELECT a::text FROM unnest(coalesce(t.typacl, acldefault('T', t.typowner))) a ORDER BY a::text COLLATE "C") AS acl,
    ARRAY(SELECT a::text FROM unnest(acldefault('T', t.typowner)) a ORDER BY a::text COLLATE "C") AS default_acl,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = t.oid AND d.classoid = 'pg_type'::regclass AND d.objsubid = 0
    ) AS comment,
    ARRAY(
        SELECT quote_literal(e.enumlabel) FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder
    ) AS enum_labels,
    CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END AS domain_base_type,
    CASE WHEN t.typtype = 'd' AND t.typcollation <> base.typcollation
        THEN quote_ident(collation_schema.nspname) || '.' || quote_ident(co.collname)
    END AS domain_collation,
    t.typnotnull AS domain_not_null,
    t.typdefault AS domain_default,
    ARRAY(
        SELECT 'CONSTRAINT ' || quote_ident(dc.conname) || ' ' || pg_get_constraintdef(dc.oid, true)
        FROM pg_constraint dc
        WHERE dc.contypid = t.oid
        ORDER BY dc.conname
    ) AS domain_constraints,
    ARRAY(
        SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
            || CASE WHEN a.attcollation <> at.typcollation
                   THEN ' COLLATE ' || quote_ident(acn.nspname) || '.' || quote_ident(aco.collname)
                   ELSE ''
               END
        FROM pg_attribute a
        JOIN pg_type at ON at.oid = a.atttypid
        LEFT JOIN pg_collation aco ON aco.oid = a.attcollation
        LEFT JOIN pg_namespace acn ON acn.oid = aco.collnamespace
        WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
    ) AS composite_attributes,
    coalesce(members.names, '{}') AS member_names,
    coalesce(members.comments, '{}') AS member_comments,
    format_type(r.rngsubtype, NULL) AS range_subtype,
    (
        SELECT quote_ident(opn.nspname) || '.' || quote_ident(opc.opcname)
        FROM pg_opclass opc JOIN pg_namespace opn ON opn.oid = opc.opcnamespace
        WHERE opc.oid = r.rngsubopc AND NOT opc.opcdefault
    ) AS range_operator_class,
    (
        SELECT quote_ident(rcn.nspname) || '.' || quote_ident(rco.collname)
        FROM pg_collation rco JOIN pg_namespace rcn ON rcn.oid = rco.collnamespace
        WHERE rco.oid = r.rngcollation
    ) AS range_collation,
    CASE WHEN r.rngcanonical <> 0 THEN r.rngcanonical::regproc::text END AS range_canonical,
    CASE WHEN r.rngsubdiff <> 0 THEN r.rngsubdiff::regproc::text END AS range_subtype_diff,
    CASE WHEN t.typtype = 'b' THEN
        'INPUT = ' || t.typinput::regproc::text
        || ', OUTPUT = ' || t.typoutput::regproc::text
        || CASE WHEN t.typreceive <> 0 THEN ', RECEIVE = ' || t.typreceive::regproc::text ELSE '' END
        || CASE WHEN t.typsend <> 0 THEN ', SEND = ' || t.typsend::regproc::text ELSE '' END
        || ', INTERNALLENGTH = ' || t.typlen::text
        || ', ALIGNMENT = ' || t.typalign::text
        || ', STORAGE = ' || t.typstorage::text
        || ', CATEGORY = ' || quote_literal(t.typcategory::text)
    END AS base_type_definition
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class relation ON relation.oid = t.typrelid
LEFT JOIN pg_type base ON base.oid = t.typbasetype
LEFT JOIN pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_namespace collation_schema ON collation_schema.oid = co.collnamespace
LEFT JOIN pg_range r ON r.rngtypid = t.oid
-- Comments on the constraints of a domain and on the attributes of a composite type.
LEFT JOIN LATERAL (
    SELECT
        array_agg(member.name ORDER BY member.name COLLATE "C") AS names,
        array_agg(member.comment ORDER BY member.name COLLATE "C") AS comments
    FROM (
        SELECT
            'constraint ' || quote_ident(dc.conname) AS name,
            (
                SELECT d.description FROM pg_description d
                WHERE d.objoid = dc.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
            ) AS comment
        FROM pg_constraint dc
        WHERE t.typtype = 'd' AND dc.contypid = t.oid
        UNION ALL
        SELECT
            'attribute ' || quote_ident(a.attname),
            (
                SELECT d.description FROM pg_description d
                WHERE d.objoid = a.attrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
            )
        FROM pg_attribute a
        WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
    ) AS member
    WHERE member.comment IS NOT NULL
) AS members ON true
WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r')
  AND n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND (t.typrelid = 0 OR relation.relkind = 'c')
  -- NOT IN over a hashed list: pg_type has no index on typarray, and a NOT EXISTS would scan it per type.
  AND t.oid NOT IN (SELECT element.typarray FROM pg_type element)
  AND NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_type'::regclass AND member.objid = t.oid AND member.deptype = 'e'
  )
