-- User triggers on the captured relations ($1); the internal ones behind foreign keys are left out.
SELECT
    t.tgrelid AS relation,
    quote_ident(t.tgname) AS name,
    pg_get_triggerdef(t.oid, true) AS definition,
    t.tgenabled::text AS enabled,
    (
        SELECT d.description FROM pg_description d
        WHERE d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
    ) AS comment
FROM unnest($1::oid[]) AS captured(oid)
JOIN pg_trigger t ON t.tgrelid = captured.oid
WHERE NOT t.tgisinternal
