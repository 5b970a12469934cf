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
FROM pg_trigger t
WHERE t.tgrelid = ANY($1)
  AND NOT t.tgisinternal
