-- matic-scan schema, version 19.1: editing a table after it was made (docs/architecture.md,
-- "Editing a table"): archiving a table, and converting a column's cells to another type.

-- An archived table is filed away: left out of the workspace's list unless asked for, closed to
-- imports, and otherwise whole (rows, history, lookups); unarchiving clears it.
ALTER TABLE data_tables ADD COLUMN archived_at timestamptz;

-- What CellRules (Java) accepts as a date cell, without raising: an ISO-8601 date (yyyy-mm-dd,
-- a real day of a year from 0001) or a timestamp with an offset. Stricter than java.time where
-- they differ, never looser, so a converted cell always passes the service's own check.
CREATE FUNCTION matic_is_iso_date(value text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value !~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?(Z|[+-]([01][0-9]|1[0-8]):[0-5][0-9]))?$'
      THEN false
    WHEN substr(value, 1, 4) = '0000' THEN false
    ELSE substr(value, 9, 2)::int <= extract(day FROM make_date(substr(value, 1, 4)::int, substr(value, 6, 2)::int, 1)
                                                     + interval '1 month - 1 day')::int
  END
$$;

-- A cell converted to a column type, or NULL when it does not convert. An empty cell stays
-- empty. Conservative: text takes strings, numbers and booleans (as "true"/"false"); a number
-- takes a plain decimal string; a boolean takes true/false/yes/no/1/0 (any case); dates, emails
-- and URLs take strings that already are one (white space around them trimmed). The caller
-- still checks the result with matic_cell_fits (length, the email and URL shapes) or, for
-- dates, matic_is_iso_date.
CREATE FUNCTION matic_convert_cell(target text, value jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value IS NULL OR jsonb_typeof(value) = 'null' THEN value
    WHEN target IN ('text', 'barcode') THEN
      CASE jsonb_typeof(value) WHEN 'string' THEN value WHEN 'number' THEN value
                               WHEN 'boolean' THEN to_jsonb(value #>> '{}') END
    WHEN target = 'select' THEN
      CASE WHEN jsonb_typeof(value) IN ('string', 'number', 'boolean') THEN to_jsonb(value #>> '{}') END
    WHEN target IN ('email', 'url', 'date') THEN
      CASE WHEN jsonb_typeof(value) = 'string' THEN to_jsonb(btrim(value #>> '{}', E' \t\r\n')) END
    WHEN target = 'number' THEN
      CASE jsonb_typeof(value)
        WHEN 'number' THEN value
        WHEN 'string' THEN
          CASE WHEN btrim(value #>> '{}') ~ '^[+-]?([0-9]{1,200}(\.[0-9]{0,200})?|\.[0-9]{1,200})([eE][+-]?[0-9]{1,2})?$'
               THEN to_jsonb(btrim(value #>> '{}')::numeric) END
      END
    WHEN target = 'boolean' THEN
      CASE jsonb_typeof(value)
        WHEN 'boolean' THEN value
        WHEN 'string' THEN
          CASE WHEN lower(btrim(value #>> '{}')) IN ('true', 'yes', '1') THEN 'true'::jsonb
               WHEN lower(btrim(value #>> '{}')) IN ('false', 'no', '0') THEN 'false'::jsonb END
        WHEN 'number' THEN
          CASE WHEN value = '1'::jsonb THEN 'true'::jsonb WHEN value = '0'::jsonb THEN 'false'::jsonb END
      END
  END
$$;

-- Whether a converted cell (or one kept as it is) fits its column type.
CREATE FUNCTION matic_converted_fits(target text, value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value IS NULL THEN false
    WHEN jsonb_typeof(value) = 'null' THEN true
    WHEN target = 'date' THEN jsonb_typeof(value) = 'string' AND length(value #>> '{}') <= 10000
                              AND matic_is_iso_date(value #>> '{}')
    ELSE matic_cell_fits(target, value)
  END
$$;
