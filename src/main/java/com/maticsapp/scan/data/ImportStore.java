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
 * Import jobs and their staging rows (V14_1 migration). Every step is one statement: the job
 * is created, its parsed rows are staged chunk by chunk, counted, and finally applied to the
 * table by ONE statement that also clears the staging rows and records the outcome, so the
 * table changes all at once or not at all, without a transaction held across round trips.
 */
final class ImportStore {

  static final String JOB_COLUMNS = """
      id, table_id, status, options, rows_read, rows_staged, error_count, report, created_by,
      created_at, updated_at, finished_at""";

  static final String SELECT_COLUMNS = """
      SELECT id, name, label, column_type,
             CASE WHEN column_type = 'barcode' THEN coalesce(settings ->> 'normalization', 'exact') END AS normalization
      FROM table_columns WHERE table_id = $1 ORDER BY position
      """;

  /**
   * A new job for the table, unless another is active (the partial unique index answers 23505,
   * a 409). An active job without progress for {@code $5} ms is presumed dead with its process:
   * it is failed and its staging rows dropped first, in the same statement, so it no longer
   * blocks the table. An archived table takes no import: no row back.
   */
  static final String CREATE_JOB = """
      WITH abandoned AS (
        UPDATE import_jobs
        SET status = 'failed', finished_at = now(), updated_at = now(),
            report = coalesce(report, '{}') || '{"failure": "abandoned: no progress within transfer.importAbandonedAfter"}'
        WHERE table_id = $1 AND status IN ('receiving', 'running') AND updated_at < now() - $5 * interval '1 millisecond'
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

  /** The report so far (mapping, counts planned), kept with the job before it is applied. */
  static final String SET_REPORT = """
      UPDATE import_jobs SET report = $2, updated_at = now() WHERE id = $1 AND status = 'running'
      RETURNING id
      """;

  /**
   * Applies the whole job in one statement: upsert's updates (cells merged, an empty cell in the
   * file empties it, an archived row that is in the file comes back), archive-missing, inserts in
   * file order; clears the staging rows; records the counts. It reads everything it needs from
   * the job row, so the only value spliced into it is the job's id (a UUID). Sent as a simple
   * query after {@code SET LOCAL statement_timeout}: the two run as one implicit transaction, so
   * the longer deadline holds for this statement only (the configured one would stop a large
   * import).
   */
  static final String APPLY = """
      WITH job AS (
        SELECT j.id, j.table_id, j.created_by, j.options ->> 'key' AS key_name,
               coalesce((j.options ->> 'archive_missing')::boolean, false) AS archive_missing,
               CASE WHEN c.column_type = 'barcode' THEN coalesce(c.settings ->> 'normalization', 'exact') END AS norm
        FROM import_jobs j
        LEFT JOIN table_columns c ON c.table_id = j.table_id AND c.name = j.options ->> 'key'
        WHERE j.id = '%s' AND j.status = 'running'
      ), s AS (
        SELECT st.line, CASE WHEN job.norm IS NULL THEN st.key ELSE matic_normalize_barcode(job.norm, st.key) END AS k, st.data
        FROM import_staging st JOIN job ON st.job_id = job.id
      ), t AS (
        SELECT r.id, r.data, r.is_archived,
               CASE WHEN job.norm IS NULL THEN r.data ->> job.key_name
                    ELSE matic_normalize_barcode(job.norm, r.data ->> job.key_name) END AS k
        FROM table_rows r JOIN job ON r.table_id = job.table_id AND job.key_name IS NOT NULL
      ), updated AS (
        UPDATE table_rows r SET data = jsonb_strip_nulls(t.data || s.data), is_archived = false, updated_at = now()
        FROM t JOIN s ON t.k = s.k
        WHERE r.id = t.id AND (t.is_archived OR t.data IS DISTINCT FROM jsonb_strip_nulls(t.data || s.data))
        RETURNING r.id
      ), archived AS (
        UPDATE table_rows r SET is_archived = true, updated_at = now()
        FROM t CROSS JOIN job
        WHERE r.id = t.id AND job.archive_missing AND NOT t.is_archived
          AND NOT EXISTS (SELECT 1 FROM s WHERE s.k = t.k)
        RETURNING r.id
      ), inserted AS (
        INSERT INTO table_rows (table_id, data, created_by)
        SELECT job.table_id, jsonb_strip_nulls(s.data), job.created_by
        FROM s CROSS JOIN job
        WHERE job.key_name IS NULL OR NOT EXISTS (SELECT 1 FROM t WHERE t.k = s.k)
        ORDER BY s.line
        RETURNING id
      ), cleared AS (
        DELETE FROM import_staging WHERE job_id IN (SELECT id FROM job)
      )
      UPDATE import_jobs j
      SET status = 'succeeded', finished_at = now(), updated_at = now(),
          report = coalesce(j.report, '{}') || jsonb_build_object(
            'inserted', (SELECT count(*) FROM inserted),
            'updated', (SELECT count(*) FROM updated),
            'archived', (SELECT count(*) FROM archived))
      FROM job WHERE j.id = job.id
      RETURNING\s""" + prefixed("j.");

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

  Future<Void> setReport(UUID jobId, JsonObject report) {
    return client.preparedQuery(SET_REPORT).execute(Tuple.of(jobId, report)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.conflict("import " + jobId + " was ended before it could be applied");
      }
      return null;
    });
  }

  Future<JsonObject> apply(UUID jobId, Duration timeout) {
    String sql = "SET LOCAL statement_timeout = " + timeout.toMillis() + ";\n" + APPLY.formatted(jobId);
    return client.query(sql).execute().map(result -> {
      RowSet<Row> rows = result.next();
      if (rows == null || rows.size() == 0) {
        throw ServiceFailure.conflict("import " + jobId + " was ended before it could be applied");
      }
      return only(rows);
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
        .put("error_count", row.getLong("error_count"))
        .put("report", row.getValue("report"))
        .put("created_by", row.getString("created_by"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("updated_at", SqlValues.time(row, "updated_at"))
        .put("finished_at", SqlValues.time(row, "finished_at"));
  }
}
