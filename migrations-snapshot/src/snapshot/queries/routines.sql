-- Functions, procedures and aggregates of the user's schemas, named by their identity arguments. The
-- constructors the server makes for a range type depend on it internally and are left out with it.
SELECT
    quote_ident(n.nspname) || '.' || quote_ident(p.proname)
        || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name,
    p.prokind::text AS routine_kind,
    CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END AS definition,
    pg_get_userbyid(p.proowner)::text AS owner,
    ARRAY(SELECT a::text FROM unnest(coalesce(p.proacl, acldefault('f', p.proowner))) a ORDER BY a::text COLLATE "C") AS acl,
    ARRAY(SELECT a::text FROM unnest(acldefault('f', p.proowner)) a ORDER BY a::text COLLATE "C") AS default_acl,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
    ) AS comment,
    CASE WHEN p.prokind = 'a' THEN
        'RETURNS ' || pg_get_function_result(p.oid)
        || ' (SFUNC = ' || agg.aggtransfn::regprocedure::text
        || ', STYPE = ' || format_type(agg.aggtranstype, NULL)
        || CASE WHEN agg.aggfinalfn <> 0 THEN ', FINALFUNC = ' || agg.aggfinalfn::regprocedure::text ELSE '' END
        || CASE WHEN agg.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || agg.aggcombinefn::regprocedure::text ELSE '' END
        || CASE WHEN agg.aggserialfn <> 0 THEN ', SERIALFUNC = ' || agg.aggserialfn::regprocedure::text ELSE '' END
        || CASE WHEN agg.aggdeserialfn <> 0 THEN ', DESERIALFUNC = ' || agg.aggdeserialfn::regprocedure::text ELSE '' END
        || CASE WHEN agg.aggmtransfn <> 0 THEN ', MSFUNC = ' || agg.aggmtransfn::regprocedure::text ELSE '' END
        || CASE WHEN agg.aggminvtransfn <> 0 THEN ', MINVFUNC = ' || agg.aggminvtransfn::regprocedure::text ELSE '' END
        || CASE WHEN agg.aggmfinalfn <> 0 THEN ', MFINALFUNC = ' || agg.aggmfinalfn::regprocedure::text ELSE '' END
        || CASE WHEN agg.aggsortop <> 0 THEN ', SORTOP = ' || agg.aggsortop::regoperator::text ELSE '' END
        || CASE WHEN agg.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(agg.agginitval) ELSE '' END
        || CASE WHEN agg.aggkind <> 'n' THEN ', KIND = ' || agg.aggkind::text ELSE '' END
        || ', PARALLEL = ' || p.proparallel::text
        || ')'
    END AS aggregate_definition
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_aggregate agg ON agg.aggfnoid = p.oid
WHERE n.nspname !~ '^pg_'
  AND n.nspname <> 'information_schema'
  AND NOT EXISTS (
      SELECT FROM pg_depend member
      WHERE member.classid = 'pg_proc'::regclass AND member.objid = p.oid AND member.deptype IN ('e', 'i')
  )
