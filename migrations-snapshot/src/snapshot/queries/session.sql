-- Fixes every setting that changes how the catalog functions print names, constants and expressions,
-- so that two sessions with different settings read the same text.
SET LOCAL search_path = pg_catalog;
SET LOCAL "DateStyle" = 'ISO, YMD';
SET LOCAL "IntervalStyle" = 'postgres';
SET LOCAL "TimeZone" = 'UTC';
SET LOCAL extra_float_digits = 1;
SET LOCAL bytea_output = 'hex';
SET LOCAL quote_all_identifiers = off;
SET LOCAL standard_conforming_strings = on;
-- The catalog queries join small lookups in the order written; searching for another order costs
-- more planning time than it could save.
SET LOCAL join_collapse_limit = 1;
SET LOCAL from_collapse_limit = 1;
-- Compiling a catalog query would take longer than running it.
SET LOCAL jit = off;
