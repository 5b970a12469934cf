-- Default privileges (ALTER DEFAULT PRIVILEGES), per role, schema and kind of object.
SELECT
    quote_ident(pg_get_userbyid(d.defaclrole)::text)
        || CASE WHEN d.defaclnamespace <> 0
               THEN ' in schema ' || quote_ident(n.nspname)
               ELSE ''
           END
        || ' on ' || CASE d.defaclobjtype
               WHEN 'r' THEN 'tables'
               WHEN 'S' THEN 'sequences'
               WHEN 'f' THEN 'functions'
               WHEN 'T' THEN 'types'
               WHEN 'n' THEN 'schemas'
               ELSE 'objects of kind ' || d.defaclobjtype::text
           END AS name,
    ARRAY(SELECT a::text FROM unnest(d.defaclacl) a ORDER BY a::text COLLATE "C") AS acl
FROM pg_default_acl d
LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
