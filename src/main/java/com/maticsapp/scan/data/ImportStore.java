package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Import jobs and their staging rows (V14_1, V20_1 migrations). Every step is one statement:
 * the job is created, its parsed rows are staged chunk by chunk and counted; nothing in the
 * table changes until the whole file has been checked. Then the staging rows are the job's
 * to-do list: matched to the table's rows ({@link #BEGIN_APPLY}), applied chunk by chunk
 * ({@link #ARCHIVE_CHUNK}, {@link #APPLY_CHUNK}), each chunk deleting what it applied and
 * counting it in the same statement, so what remains is always exact and an interrupted job
 * is carried on, not left half-done ({@link #CLAIM_STALLED}). No transaction is held across
 * round trips, and no statement holds the pipelined connection for longer than a chunk.
 */
final class ImportStore {

  static final String JOB_COLUMNS = """
      id, table_id, status, options, rows_read, rows_staged, rows_applied, apply_phase, error_count, report, created_by,
      created_at, updated_at, finished_at""";

  static final String SELECT_COLUMNS = """
      SELECT id, name, label, column_type,
             CASE WHEN column_type = 'barcode' THEN coalesce(settings ->> 'normalization', 'exact') END AS normalization
      FROM table_columns WHERE table_id = $1 ORDER BY position
      """;

  /**
   * A new job for the table, unless another is active (the partial unique index answers 23505,
   * a 409). An active job without progress for {@code $5} ms that had not begun to apply is
   * presumed dead with its process: it is failed and its staging rows dropped first, in the
   * same statement, so it no longer blocks the table (one that had begun is carried on by
   * {@link #CLAIM_STALLED}, never failed half-applied). An archived table takes no import: no row back.
   */
  static final String CREATE_JOB = """
      WITH abandoned AS (
        UPDATE import_jobs
        SET status = 'failed', finished_at = now(), updated_at = now(),
            report = coalesce(report, '{}') || '{"failure": "abandoned: no progress within transfer.importAbandonedAfter"}'
        WHERE table_id = $1 AND status IN ('receiving', 'running') AND apply_phase IS NULL
          AND updated_at < now() - $5 * interval '1 millisecond'
        RETURNING id
      ), cleared AS (
        DELETE FROM import_staging WHERE job_id IN (SELECT id FROM abandoned)
      )
      INSERT INTO import_jobs (id, table_id, status, options, created_by)
      SELECT $2, $1, 'receiving', $3, $4 FROM (SELECT count(*) FROM abandoned) AS reclaimed
      WHERE NOT EXISTS (SELECT 1 FROM data_tables WHERE id = $1 AND archived_at IS NOT NULL)
      RETURNING\s""" + JOB_COLUMNS;

  /** The uploaded file is complete: its creator starts reading it. */
  static final String START_JOB = """
      UPDATE import_jobs SET status = 'running', updated_at = now()
      WHERE id = $1 AND status = 'receiving' AND created_by IS NOT DISTINCT FROM $2
      RETURNING\s""" + JOB_COLUMNS;

  /** One chunk of parsed rows, and the job's progress with it. No row back: the job was ended meanwhile. */
  static final String STAGE_CHUNK = """
      WITH staged AS (
        INSERT INTO import_staging (job_id, line, key, data)
        SELECT $1, s.line, s.key, s.data::jsonb
        FROM unnest($2::bigint[], $3::text[], $4::text[]) AS s(line, key, data)
        RETURNING 1
      )
      UPDATE import_jobs
      SET rows_read = $5, error_count = $6, rows_staged = rows_staged + (SELECT count(*) FROM staged), updated_at = now()
      WHERE id = $1 AND status = 'running'
      RETURNING\s""" + JOB_COLUMNS;

  /**
   * What applying the job would do, writing nothing: rows to insert, to update (cells that
   * change, or archived rows that come back), matched unchanged, to archive; keys the file
   * holds more than once; GTIN cells without a valid check digit (by matic_normalize_barcode,
   * the one definition). $3: the key column's name, $4: its normalisation (null: compared as
   * text), $5: archive missing rows, $6: how many problems to list.
   */
  static final String PLAN = """
      WITH s AS (
        SELECT line, CASE WHEN $4::text IS NULL THEN key ELSE matic_normalize_barcode($4, key) END AS k, data
        FROM import_staging WHERE job_id = $1
      ), t AS (
        SELECT id, is_archived, data,
               CASE WHEN $4::text IS NULL THEN data ->> $3 ELSE matic_normalize_barcode($4, data ->> $3) END AS k
        FROM table_rows WHERE table_id = $2 AND $3::text IS NOT NULL
      ), dup AS (
        SELECT k, array_agg(line ORDER BY line) AS lines FROM s
        WHERE $3::text IS NOT NULL AND k IS NOT NULL GROUP BY k HAVING count(*) > 1
      ), gtin AS (
        SELECT s.line, c.name FROM s
        JOIN table_columns c ON c.table_id = $2 AND c.column_type = 'barcode' AND c.settings ->> 'normalization' = 'gtin'
        WHERE jsonb_typeof(s.data -> c.name) IN ('string', 'number')
          AND matic_normalize_barcode('gtin', s.data ->> c.name) IS NULL
      )
      SELECT
        (SELECT count(*) FROM s) AS staged,
        (SELECT count(*) FROM s WHERE $3::text IS NULL OR NOT EXISTS (SELECT 1 FROM t WHERE t.k = s.k)) AS inserts,
        (SELECT count(*) FROM t JOIN s ON t.k = s.k
          WHERE t.is_archived OR t.data IS DISTINCT FROM jsonb_strip_nulls(t.data || s.data)) AS updates,
        (SELECT count(*) FROM t JOIN s ON t.k = s.k) AS matched,
        (SELECT count(*) FROM t WHERE $5 AND NOT t.is_archived AND NOT EXISTS (SELECT 1 FROM s WHERE s.k = t.k)) AS archives,
        (SELECT count(*) FROM dup) AS duplicate_keys,
        (SELECT coalesce(jsonb_agg(to_jsonb(lines)), '[]') FROM (SELECT lines FROM dup ORDER BY lines[1] LIMIT $6) d) AS duplicates,
        (SELECT count(*) FROM gtin) AS bad_gtins,
        (SELECT coalesce(jsonb_agg(jsonb_build_object('line', line, 'column', name)), '[]')
           FROM (SELECT line, name FROM gtin ORDER BY line LIMIT $6) g) AS gtin_errors
      """;

  /**
   * The file is checked: keeps the report so far (mapping, counts planned), matches each staging
   * row of an upsert to the table row it updates (by the key column, normalised as the column's
   * barcodes are; one hash join over both sides, as {@link #PLAN} does) and starts applying:
   * with archive-missing first the archiving walk, else the applying chunks. $1: job, $2: report.
   */
  static final String BEGIN_APPLY = """
      WITH job AS (
        SELECT j.id, j.table_id, j.options ->> 'key' AS key_name,
               coalesce((j.options ->> 'archive_missing')::boolean, false) AS archive_missing,
               CASE WHEN c.column_type = 'barcode' THEN coalesce(c.settings ->> 'normalization', 'exact') END AS norm
        FROM import_jobs j
        LEFT JOIN table_columns c ON c.table_id = j.table_id AND c.name = j.options ->> 'key'
        WHERE j.id = $1 AND j.status = 'running' AND j.apply_phase IS NULL
      ), s AS (
        SELECT st.line, CASE WHEN job.norm IS NULL THEN st.key ELSE matic_normalize_barcode(job.norm, st.key) END AS k
        FROM import_staging st JOIN job ON st.job_id = job.id AND job.key_name IS NOT NULL
      ), t AS (
        SELECT r.id, CASE WHEN job.norm IS NULL THEN r.data ->> job.key_name
                          ELSE matic_normalize_barcode(job.norm, r.data ->> job.key_name) END AS k
        FROM table_rows r JOIN job ON r.table_id = job.table_id AND job.key_name IS NOT NULL
      ), matched AS (
        UPDATE import_staging st SET row_id = t.id
        FROM s JOIN t ON t.k = s.k
        WHERE st.job_id = $1 AND st.line = s.line
        RETURNING 1
      )
      UPDATE import_jobs j
      SET updated_at = now(),
          apply_phase = CASE WHEN job.archive_missing THEN 'archiving' ELSE 'applying' END,
          report = $2 || jsonb_build_object('matched', (SELECT count(*) FROM matched))
      FROM job WHERE j.id = job.id
      RETURNING\s""" + prefixed("j.");

  /**
   * One chunk of archive-missing: the next {@code %2$d} rows of the table in position order
   * after the job's cursor; those no staging row matched (and not archived already) are
   * archived. The chunk that finds fewer rows ends the walk and starts the applying chunks.
   * Sent with {@link #applyStatement}: {@code %1$s} is the job's id, {@code %3$d} the
   * applying time so far.
   */
  static final String ARCHIVE_CHUNK = """
      WITH job AS (
        SELECT j.id, j.table_id, (j.apply_cursor ->> 'position')::bigint AS after_position,
               (j.apply_cursor ->> 'id')::uuid AS after_id
        FROM import_jobs j WHERE j.id = '%1$s' AND j.status = 'running' AND j.apply_phase = 'archiving'
      ), examined AS (
        SELECT r.id, r.position, r.is_archived
        FROM table_rows r JOIN job ON r.table_id = job.table_id
        WHERE job.after_position IS NULL OR (r.position, r.id) > (job.after_position, job.after_id)
        ORDER BY r.position, r.id
        LIMIT %2$d
      ), archived AS (
        UPDATE table_rows r SET is_archived = true, updated_at = now()
        FROM examined e
        WHERE r.id = e.id AND NOT e.is_archived
          AND NOT EXISTS (SELECT 1 FROM import_staging st WHERE st.job_id = '%1$s' AND st.row_id = e.id)
        RETURNING r.id
      ), walk AS (
        SELECT count(*) < %2$d AS ended,
               (SELECT jsonb_build_object('position', position, 'id', id) FROM examined
                ORDER BY position DESC, id DESC LIMIT 1) AS last
        FROM examined
      )
      UPDATE import_jobs j
      SET apply_phase = CASE WHEN walk.ended THEN 'applying' ELSE 'archiving' END,
          apply_cursor = CASE WHEN walk.ended THEN NULL ELSE walk.last END,
          updated_at = now(),
          report = j.report || jsonb_build_object(
            'archived', coalesce((j.report ->> 'archived')::bigint, 0) + (SELECT count(*) FROM archived),
            'timings', coalesce(j.report -> 'timings', '{}') || jsonb_build_object('applying_ms', %3$d))
      FROM job CROSS JOIN walk WHERE j.id = job.id
      RETURNING\s""" + prefixed("j.");

  /**
   * One applying chunk: the first {@code %2$d} staging rows left, in line order, are taken out
   * of staging; matched ones update their row (cells merged, an empty cell in the file empties
   * it, an archived row comes back), the others are inserted in line order; the job counts them.
   * The chunk that leaves no staging row behind ends the job as succeeded. A row's new cells are
   * merged into its current ones ({@code r.data}), so a scan or an edit that changed it
   * meanwhile is kept. {@code %1$s}: the job, {@code %3$d}: the applying time so far.
   */
  static final String APPLY_CHUNK = """
      WITH job AS (
        SELECT j.id, j.table_id, j.created_by
        FROM import_jobs j WHERE j.id = '%1$s' AND j.status = 'running' AND j.apply_phase = 'applying'
      ), chunk AS (
        DELETE FROM import_staging st
        WHERE st.job_id = '%1$s' AND EXISTS (SELECT 1 FROM job)
          AND st.line IN (SELECT line FROM import_staging WHERE job_id = '%1$s' ORDER BY line LIMIT %2$d)
        RETURNING st.line, st.row_id, st.data
      ), updated AS (
        UPDATE table_rows r SET data = jsonb_strip_nulls(r.data || c.data), is_archived = false, updated_at = now()
        FROM chunk c
        WHERE r.id = c.row_id AND (r.is_archived OR r.data IS DISTINCT FROM jsonb_strip_nulls(r.data || c.data))
        RETURNING r.id
      ), inserted AS (
        INSERT INTO table_rows (table_id, data, created_by)
        SELECT job.table_id, jsonb_strip_nulls(c.data), job.created_by
        FROM chunk c CROSS JOIN job
        WHERE c.row_id IS NULL
        ORDER BY c.line
        RETURNING id
      ), progress AS (
        SELECT count(*) AS applied,
               NOT EXISTS (SELECT 1 FROM import_staging WHERE job_id = '%1$s' AND line > coalesce(max(chunk.line), -1)) AS ended
        FROM chunk
      )
      UPDATE import_jobs j
      SET rows_applied = j.rows_applied + progress.applied,
          status = CASE WHEN progress.ended THEN 'succeeded' ELSE 'running' END,
          finished_at = CASE WHEN progress.ended THEN clock_timestamp() END,
          updated_at = now(),
          report = j.report || jsonb_build_object(
            'inserted', coalesce((j.report ->> 'inserted')::bigint, 0) + (SELECT count(*) FROM inserted),
            'updated', coalesce((j.report ->> 'updated')::bigint, 0) + (SELECT count(*) FROM updated),
            'archived', coalesce((j.report ->> 'archived')::bigint, 0),
            'timings', coalesce(j.report -> 'timings', '{}') || jsonb_build_object('applying_ms', %3$d))
      FROM job CROSS JOIN progress WHERE j.id = job.id
      RETURNING\s""" + prefixed("j.");

  /**
   * Jobs that had begun to apply and made no progress for {@code $1} ms (their process is
   * gone, or lost its connection for good): claimed by this instance, in the same statement,
   * to be carried on from where they stopped.
   */
  static final String CLAIM_STALLED = """
      UPDATE import_jobs SET updated_at = now()
      WHERE status = 'running' AND apply_phase IS NOT NULL AND updated_at < now() - $1 * interval '1 millisecond'
      RETURNING\s""" + JOB_COLUMNS;

  /** Ends a job that will not be applied (failed, or a dry run), and drops its staging rows. */
  static final String FINISH = """
      WITH cleared AS (
        DELETE FROM import_staging WHERE job_id = $1
      )
      UPDATE import_jobs SET status = $2, report = $3, finished_at = now(), updated_at = now()
      WHERE id = $1 AND status IN ('receiving', 'running')
      RETURNING\s""" + JOB_COLUMNS;

  /** The job and the caller's role on its table (NULL: not theirs to see, or no such job). */
  static final String SELECT_JOB = "SELECT " + prefixed("j.") + """
      , a.role
      FROM import_jobs j
      LEFT JOIN LATERAL matic_access(j.table_id, $2, $3) a ON true
      WHERE j.id = $1
      """;

  private final SqlClient client;

  ImportStore(SqlClient client) {
    this.client = client;
  }

  private static String prefixed(String prefix) {
    return String.join(", ", java.util.Arrays.stream(JOB_COLUMNS.split(","))
        .map(column -> prefix + column.strip()).toList());
  }

  Future<List<ImportCells.Column>> columns(UUID tableId) {
    return client.preparedQuery(SELECT_COLUMNS).execute(Tuple.of(tableId)).map(rows -> {
      List<ImportCells.Column> columns = new ArrayList<>();
      rows.forEach(row -> columns.add(new ImportCells.Column(row.getUUID("id"), row.getString("name"),
          row.getString("label"), row.getString("column_type"), row.getString("normalization"))));
      return columns;
    });
  }

  Future<JsonObject> create(UUID tableId, UUID jobId, JsonObject options, String createdBy, Duration abandonedAfter) {
    return client.preparedQuery(CREATE_JOB)
        .execute(Tuple.of(tableId, jobId, options, createdBy, abandonedAfter.toMillis()))
        .recover(failure -> Future.failedFuture(TableStore.isSqlState(failure, "23505")
            ? ServiceFailure.conflict("another import of table " + tableId + " is running; try again when it has finished")
            : failure))
        .map(rows -> {
          if (rows.size() == 0) {
            throw ServiceFailure.conflict("table " + tableId + " is archived; unarchive it to import into it");
          }
          return only(rows);
        });
  }

  Future<JsonObject> start(UUID jobId, String createdBy) {
    return client.preparedQuery(START_JOB).execute(Tuple.of(jobId, createdBy)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.conflict("import " + jobId + " is not waiting for its file (or not yours)");
      }
      return only(rows);
    });
  }

  /** The job after the chunk; fails with 409 when the job was ended meanwhile. */
  Future<JsonObject> stage(UUID jobId, List<ImportCells.Parsed> chunk, long rowsRead, long errors) {
    Long[] lines = new Long[chunk.size()];
    String[] keys = new String[chunk.size()];
    String[] data = new String[chunk.size()];
    for (int i = 0; i < chunk.size(); i++) {
      lines[i] = chunk.get(i).line();
      keys[i] = chunk.get(i).key();
      data[i] = chunk.get(i).data().encode();
    }
    Tuple params = Tuple.of(jobId).addArrayOfLong(lines).addArrayOfString(keys).addArrayOfString(data)
        .addLong(rowsRead).addLong(errors);
    return client.preparedQuery(STAGE_CHUNK).execute(params).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.conflict("import " + jobId + " was ended while its file was being read");
      }
      return only(rows);
    });
  }

  /** The planned counts and the problems only the database can see (duplicate keys, GTIN check digits). */
  Future<JsonObject> plan(UUID jobId, UUID tableId, ImportCells.Column key, boolean archiveMissing, int maxListed) {
    Tuple params = Tuple.of(jobId, tableId, key == null ? null : key.name(), key == null ? null : key.normalization(),
        archiveMissing, maxListed);
    return client.preparedQuery(PLAN).execute(params).map(rows -> {
      Row row = rows.iterator().next();
      return new JsonObject()
          .put("staged", row.getLong("staged"))
          .put("inserts", row.getLong("inserts"))
          .put("updates", row.getLong("updates"))
          .put("unchanged", row.getLong("matched") - row.getLong("updates"))
          .put("archives", row.getLong("archives"))
          .put("duplicate_keys", row.getLong("duplicate_keys"))
          .put("duplicates", row.getValue("duplicates"))
          .put("bad_gtins", row.getLong("bad_gtins"))
          .put("gtin_errors", row.getValue("gtin_errors"));
    });
  }

  /** Matches and starts applying; fails with 409 when the job was ended meanwhile. */
  Future<JsonObject> beginApply(UUID jobId, JsonObject report) {
    return client.preparedQuery(BEGIN_APPLY).execute(Tuple.of(jobId, report)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.conflict("import " + jobId + " was ended before it could be applied");
      }
      return only(rows);
    });
  }

  /**
   * The next chunk of the job's phase ({@code apply_phase}: archiving or applying), or null when
   * the job is no longer running (ended, or its table deleted).
   */
  Future<JsonObject> applyChunk(UUID jobId, String phase, int rows, long applyingMillis, Duration timeout) {
    String chunk = ("archiving".equals(phase) ? ARCHIVE_CHUNK : APPLY_CHUNK).formatted(jobId, rows, applyingMillis);
    // A simple query: SET LOCAL and the chunk run as one implicit transaction, so the longer
    // deadline holds for this statement only (the configured one could stop a large chunk).
    String sql = "SET LOCAL statement_timeout = " + timeout.toMillis() + ";\n" + chunk;
    return client.query(sql).execute().map(result -> {
      RowSet<Row> applied = result.next();
      return applied == null || applied.size() == 0 ? null : only(applied);
    });
  }

  /** Jobs to carry on: begun to apply, then stalled for {@code stalledAfter}. */
  Future<List<JsonObject>> claimStalled(Duration stalledAfter) {
    return client.preparedQuery(CLAIM_STALLED).execute(Tuple.of(stalledAfter.toMillis())).map(rows -> {
      List<JsonObject> jobs = new ArrayList<>();
      rows.forEach(row -> jobs.add(toJson(row)));
      return jobs;
    });
  }

  Future<JsonObject> finish(UUID jobId, String status, JsonObject report) {
    return client.preparedQuery(FINISH).execute(Tuple.of(jobId, status, report))
        .map(rows -> rows.size() == 0 ? null : only(rows));
  }

  /** {@code job} and the caller's role on its table, for the access check. */
  Future<Row> job(UUID jobId, String memberId, UUID pairingId) {
    return client.preparedQuery(SELECT_JOB).execute(Tuple.of(jobId, memberId, pairingId))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  private static JsonObject only(RowSet<Row> rows) {
    return toJson(rows.iterator().next());
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("table_id", SqlValues.uuid(row, "table_id"))
        .put("status", row.getString("status"))
        .put("options", row.getValue("options"))
        .put("rows_read", row.getLong("rows_read"))
        .put("rows_staged", row.getLong("rows_staged"))
        .put("rows_applied", row.getLong("rows_applied"))
        .put("apply_phase", row.getString("apply_phase"))
        .put("error_count", row.getLong("error_count"))
        .put("report", row.getValue("report"))
        .put("created_by", row.getString("created_by"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("updated_at", SqlValues.time(row, "updated_at"))
        .put("finished_at", SqlValues.time(row, "finished_at"));
  }
}
