-- matic-scan schema, version 1.
--
-- Workspaces hold spreadsheet-like data tables; a table has typed columns and rows whose
-- cells live in one JSONB object keyed by column name. Barcode columns are indexed through
-- barcode_values, which triggers keep in step with every write to table_rows, whoever makes
-- it (this service, the desktop app, or someone at a psql prompt). A lookup is therefore an
-- index probe on (column_id, normalized), never a scan of the table's rows.

CREATE TABLE workspaces (
  id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  slug       text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 64),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_tables (
  id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name         text        NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_tables_by_workspace ON data_tables (workspace_id);

CREATE TABLE table_columns (
  id          uuid    PRIMARY KEY DEFAULT gen_random_uuid(),
  table_id    uuid    NOT NULL REFERENCES data_tables (id) ON DELETE CASCADE,
  name        text    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  label       text    NOT NULL,
  column_type text    NOT NULL CHECK (column_type IN ('text', 'number', 'date', 'boolean', 'email', 'url', 'select', 'barcode')),
  position    integer NOT NULL,
  settings    jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(settings) = 'object'),
  UNIQUE (table_id, name),
  CHECK (column_type <> 'barcode' OR coalesce(settings ->> 'normalization', 'exact') IN ('exact', 'gtin'))
);

-- Row positions come from one sequence: new rows sort after existing ones without a
-- max()+1 race, and PATCH may move a row anywhere.
CREATE SEQUENCE table_rows_position_seq;

CREATE TABLE table_rows (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  table_id        uuid        NOT NULL REFERENCES data_tables (id) ON DELETE CASCADE,
  data            jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
  is_archived     boolean     NOT NULL DEFAULT false,
  position        bigint      NOT NULL DEFAULT nextval('table_rows_position_seq'),
  scan_count      integer     NOT NULL DEFAULT 0,
  last_scanned_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 85); -- room on each page so scan-counter updates stay HOT (no index churn)
CREATE INDEX table_rows_page ON table_rows (table_id, position, id);

-- One entry per (barcode column, normalised value, live row). Archived rows are not indexed.
CREATE TABLE barcode_values (
  column_id  uuid NOT NULL REFERENCES table_columns (id) ON DELETE CASCADE,
  normalized text NOT NULL,
  row_id     uuid NOT NULL REFERENCES table_rows (id) ON DELETE CASCADE,
  table_id   uuid NOT NULL,
  PRIMARY KEY (column_id, normalized, row_id)
);
CREATE INDEX barcode_values_by_row ON barcode_values (row_id);

CREATE TABLE scan_history (
  id                 uuid        PRIMARY KEY,
  workspace_id       uuid        NOT NULL,
  table_id           uuid        NOT NULL REFERENCES data_tables (id) ON DELETE CASCADE,
  column_id          uuid,
  column_name        text        NOT NULL,
  barcode            text        NOT NULL,
  normalized_barcode text        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('success', 'failure')),
  matched_row_ids    uuid[]      NOT NULL DEFAULT '{}',
  matched_rows       jsonb       NOT NULL DEFAULT '[]',
  source             text,
  device_id          text,
  metadata           jsonb       NOT NULL DEFAULT '{}',
  scanned_at         timestamptz NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scan_history_by_table ON scan_history (table_id, scanned_at DESC, id DESC);
CREATE INDEX scan_history_by_column ON scan_history (column_id, scanned_at DESC, id DESC);

-- The one definition of barcode normalisation. NULL means "not a usable barcode":
--   exact: surrounding white space trimmed, lower-cased; empty is unusable.
--   gtin:  spaces and hyphens dropped; then 8, 12, 13 or 14 digits with a valid GS1 check
--          digit, left-padded to 14 digits, so EAN-8, UPC-A, EAN-13 and GTIN-14 prints of
--          the same product normalise to the same value.
CREATE FUNCTION matic_normalize_barcode(mode text, raw text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  v   text;
  sum integer := 0;
  i   integer;
BEGIN
  IF mode = 'gtin' THEN
    v := translate(raw, E' -\t\r\n', '');
    IF v !~ '^[0-9]+$' OR length(v) NOT IN (8, 12, 13, 14) THEN
      RETURN NULL;
    END IF;
    v := lpad(v, 14, '0');
    FOR i IN 1..13 LOOP
      sum := sum + (ascii(substr(v, i, 1)) - 48) * (CASE WHEN i % 2 = 1 THEN 3 ELSE 1 END);
    END LOOP;
    IF (10 - sum % 10) % 10 <> ascii(substr(v, 14, 1)) - 48 THEN
      RETURN NULL;
    END IF;
    RETURN v;
  END IF;
  v := lower(btrim(raw, E' \t\r\n\f\v'));
  RETURN nullif(v, '');
END
$$;

-- Index entries for rows inserted by one statement, all at once (bulk inserts stay one pass).
CREATE FUNCTION barcode_values_index_inserted_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO barcode_values (column_id, normalized, row_id, table_id)
  SELECT c.id, v.normalized, r.id, r.table_id
  FROM inserted_rows r
  JOIN table_columns c ON c.table_id = r.table_id AND c.column_type = 'barcode'
  CROSS JOIN LATERAL (
    SELECT matic_normalize_barcode(coalesce(c.settings ->> 'normalization', 'exact'), r.data ->> c.name) AS normalized
  ) v
  WHERE NOT r.is_archived
    AND jsonb_typeof(r.data -> c.name) IN ('string', 'number')
    AND v.normalized IS NOT NULL
    AND octet_length(v.normalized) <= 2000
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_index_barcodes_after_insert
  AFTER INSERT ON table_rows
  REFERENCING NEW TABLE AS inserted_rows
  FOR EACH STATEMENT EXECUTE FUNCTION barcode_values_index_inserted_rows();

-- Re-index one row whose cells or archive flag changed. Scan-counter updates do not fire it.
CREATE FUNCTION barcode_values_reindex_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM barcode_values WHERE row_id = NEW.id;
  IF NOT NEW.is_archived THEN
    INSERT INTO barcode_values (column_id, normalized, row_id, table_id)
    SELECT c.id, v.normalized, NEW.id, NEW.table_id
    FROM table_columns c
    CROSS JOIN LATERAL (
      SELECT matic_normalize_barcode(coalesce(c.settings ->> 'normalization', 'exact'), NEW.data ->> c.name) AS normalized
    ) v
    WHERE c.table_id = NEW.table_id
      AND c.column_type = 'barcode'
      AND jsonb_typeof(NEW.data -> c.name) IN ('string', 'number')
      AND v.normalized IS NOT NULL
      AND octet_length(v.normalized) <= 2000
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_reindex_barcodes_after_update
  AFTER UPDATE OF data, is_archived ON table_rows
  FOR EACH ROW
  WHEN (OLD.data IS DISTINCT FROM NEW.data OR OLD.is_archived IS DISTINCT FROM NEW.is_archived)
  EXECUTE FUNCTION barcode_values_reindex_row();

-- A column that becomes a barcode column, is renamed, or changes normalisation is re-indexed
-- over the rows its table already has.
CREATE FUNCTION barcode_values_reindex_column() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM barcode_values WHERE column_id = NEW.id;
  IF NEW.column_type = 'barcode' THEN
    INSERT INTO barcode_values (column_id, normalized, row_id, table_id)
    SELECT NEW.id, v.normalized, r.id, r.table_id
    FROM table_rows r
    CROSS JOIN LATERAL (
      SELECT matic_normalize_barcode(coalesce(NEW.settings ->> 'normalization', 'exact'), r.data ->> NEW.name) AS normalized
    ) v
    WHERE r.table_id = NEW.table_id
      AND NOT r.is_archived
      AND jsonb_typeof(r.data -> NEW.name) IN ('string', 'number')
      AND v.normalized IS NOT NULL
      AND octet_length(v.normalized) <= 2000
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_columns_reindex_barcodes_after_update
  AFTER UPDATE OF name, column_type, settings ON table_columns
  FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name
        OR OLD.column_type IS DISTINCT FROM NEW.column_type
        OR OLD.settings IS DISTINCT FROM NEW.settings)
  EXECUTE FUNCTION barcode_values_reindex_column();
