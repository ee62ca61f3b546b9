-- matic-scan schema, version 12.2: helpers of the deciding scan statement (docs/scan-rules.md).

-- The cells of a row a phone shows at the door: the column's display_columns (those the row
-- has), or every cell when the column names none.
CREATE FUNCTION matic_display(settings jsonb, data jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN settings ? 'display_columns'
              THEN (SELECT coalesce(jsonb_object_agg(k, data -> k), '{}')
                    FROM jsonb_array_elements_text(settings -> 'display_columns') AS k WHERE data ? k)
              ELSE data END
$$;

-- Timestamps inside JSON (scan state, cell values) in the API's one format: UTC, microseconds.
CREATE FUNCTION matic_json_time(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- The epoch minute the minute ring of scan_counters is kept by.
CREATE FUNCTION matic_epoch_minute(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT floor(extract(epoch FROM t) / 60)::bigint $$;
