-- Event triggers (they belong to the database, not to a schema).
SELECT
    quote_ident(t.evtname) AS name,
    'ON ' || t.evtevent
        || CASE WHEN t.evttags IS NOT NULL
               THEN ' WHEN TAG IN (' || array_to_string(ARRAY(SELECT quote_literal(tag) FROM unnest(t.evttags) tag ORDER BY tag COLLATE "C"), ', ') || ')'
               ELSE ''
           END
        || ' EXECUTE FUNCTION ' || t.evtfoid::regprocedure::text AS definition,
    t.evtenabled::text AS enabled,
    pg_get_userbyid(t.evtowner)::text AS owner,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = t.oid AND d.classoid = 'pg_event_trigger'::regclass AND d.objsubid = 0
    ) AS comment
FROM pg_event_trigger t
WHERE NOT EXISTS (
    SELECT FROM pg_depend member
    WHERE member.classid = 'pg_event_trigger'::regclass AND member.objid = t.oid AND member.deptype = 'e'
)
