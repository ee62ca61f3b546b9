-- matic-scan schema, version 14.1: importing files, and erasing personal data.
--
-- An import is a job (import_jobs). Its parsed rows are written in chunks, one statement
-- each, to import_staging; one final statement then applies the whole job to the table
-- (append, or upsert keyed by a column, optionally archiving the rows the file no longer
-- has) and clears its staging rows, so a failure anywhere before that leaves the table as it
-- was, and the pipelined client never needs a transaction held across round trips.

CREATE TABLE import_jobs (
  id            uuid        PRIMARY KEY,
  table_id      uuid        NOT NULL REFERENCES data_tables (id) ON DELETE CASCADE,
  status        text        NOT NULL CHECK (status IN ('receiving', 'running', 'succeeded', 'failed')),
  options       jsonb       NOT NULL CHECK (jsonb_typeof(options) = 'object'),
  rows_read     bigint      NOT NULL DEFAULT 0,
  rows_staged   bigint      NOT NULL DEFAULT 0,
  error_count   bigint      NOT NULL DEFAULT 0,
  report        jsonb,
  created_by    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
CREATE INDEX import_jobs_by_table ON import_jobs (table_id, created_at DESC);
-- One import at a time per table: a second one is refused (409) while the first is active.
CREATE UNIQUE INDEX import_jobs_one_active_per_table ON import_jobs (table_id) WHERE status IN ('receiving', 'running');

-- Unlogged: staging rows are worthless after a crash (the job is failed and started again),
-- so they need not be written to the WAL twice.
CREATE UNLOGGED TABLE import_staging (
  job_id uuid   NOT NULL,
  line   bigint NOT NULL,
  key    text,
  data   jsonb  NOT NULL,
  PRIMARY KEY (job_id, line)
);

-- How long scan_history keeps its copies of the matched rows' cells, per workspace (NULL:
-- for as long as the scan is kept). Older copies are emptied by the retention sweep; the fact,
-- time and barcode of the scan stay.
ALTER TABLE workspaces ADD COLUMN history_retention_days integer CHECK (history_retention_days BETWEEN 0 AND 36500);
-- No new index on scan_history: the sweep and the erasure of a row walk scan_history_by_table
-- (table_id, scanned_at) for the tables concerned, and the scan hot path pays for nothing more.
