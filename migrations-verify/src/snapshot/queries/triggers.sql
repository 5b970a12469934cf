-- User triggers on the captured relations ($1); the internal ones behind foreign keys are left out.
SELECT
    t.tgrelid AS relation,
    quote_ident(t.tgname) AS name,
    pg_get_triggerdef(t.oid, true) AS definition,
    t.tgenabled::text AS enabled,
    description.description AS comment
FROM pg_trigger t
LEFT JOIN pg_description description
    ON description.classoid = 'pg_trigger'::regclass AND description.objoid = t.oid AND description.objsubid = 0
WHERE t.tgrelid = ANY($1)
  AND NOT t.tgisinternal
