-- matic-scan schema: imports applied in chunks (docs/architecture.md, "Imports and exports").
--
-- One statement that applied a whole import held the pipelined connection for as long as it
-- ran (3.3 s for 100,000 rows, half a minute for a million), and every scan waited behind it.
-- Now, once a file has been checked (nothing is written before that), its staging rows are
-- the job's to-do list: matched to the table's rows by key in one statement, then archived
-- missing rows and applied rows in chunks, each chunk one statement that also deletes the
-- staging rows it applied and records the progress. A chunk is all or nothing, the list of
-- what remains is always exact, so an interrupted job (a lost connection, a stopped process)
-- is carried on from where it stopped, by this or another instance, never left half-done.
--
--   apply_phase   NULL while reading and checking; 'archiving' (rows the file no longer has,
--                 walked in position order from apply_cursor), then 'applying' (staging rows
--                 in line order).
--   rows_applied  staging rows applied so far.
ALTER TABLE import_jobs
  ADD COLUMN apply_phase  text CHECK (apply_phase IN ('archiving', 'applying')),
  ADD COLUMN apply_cursor jsonb,
  ADD COLUMN rows_applied bigint NOT NULL DEFAULT 0;

-- The table row a staging row updates (upsert: matched by key once, before anything changes).
ALTER TABLE import_staging ADD COLUMN row_id uuid;
CREATE INDEX import_staging_by_row ON import_staging (job_id, row_id) WHERE row_id IS NOT NULL;
