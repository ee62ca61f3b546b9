package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An import applied to its table in chunks (ten rows per statement here): the end state is the
 * one a single statement gave (upsert, archive-missing, inserts in file order); a chunk that
 * fails after part of the job is in is tried again instead of failing the job half-way (and a
 * {@code ?wait=true} that would wait past transfer.importDeadline is answered 202); and a
 * job whose process stopped while it applied is carried on from where it stopped.
 */
class ImportChunksTest extends ServiceTest {

  @Override
  protected Map<String, String> environment() {
    return Map.of("IMPORT_APPLY_CHUNK_ROWS", "10", "IMPORT_CHUNK_ROWS", "25", "IMPORT_APPLY_TIMEOUT", "1s",
        "IMPORT_ABANDONED_AFTER", "1s", "IMPORT_DEADLINE", "2s");
  }

  String table() {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", fixtures.workspace())
        .put("name", "Attendees")
        .put("columns", new JsonArray()
            .add(new JsonObject().put("name", "ticket").put("column_type", "barcode"))
            .add(new JsonObject().put("name", "full_name").put("column_type", "text"))
            .add(new JsonObject().put("name", "paid").put("column_type", "number"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  JsonObject upload(String tableId, String query, String csv) {
    HttpResponse<Buffer> done = service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true" + query,
        "text/csv", Buffer.buffer(csv.getBytes(StandardCharsets.UTF_8)));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    return done.bodyAsJsonObject();
  }

  static String tickets(int from, int to, String name) {
    StringBuilder csv = new StringBuilder("ticket,full_name,paid\n");
    for (int i = from; i < to; i++) {
      csv.append("K-").append(i).append(',').append(name).append(' ').append(i).append(',').append(i).append('\n');
    }
    return csv.toString();
  }

  /** ticket → "name|archived" of every row, in position order. */
  String contents(String tableId) {
    return database.text("SELECT string_agg((data ->> 'ticket') || '=' || coalesce(data ->> 'full_name', '') || '|' || is_archived,"
        + " ',' ORDER BY position) FROM table_rows WHERE table_id = '" + tableId + "'");
  }

  @Test
  void anUpsertWithArchiveMissingInManyChunksEndsAsOneStatementWould() {
    String tableId = table();
    JsonObject first = upload(tableId, "", tickets(0, 95, "Person"));
    assertThat(first.getString("status")).isEqualTo("succeeded");
    assertThat(first.getLong("rows_applied")).isEqualTo(95);
    assertThat(first.getJsonObject("report").getLong("inserted")).isEqualTo(95);

    // K-0..K-59 again (the even ones renamed), K-100..K-129 new, K-60..K-94 missing.
    StringBuilder csv = new StringBuilder("ticket,full_name,paid\n");
    for (int i = 0; i < 60; i++) {
      csv.append("K-").append(i).append(',').append(i % 2 == 0 ? "Renamed " : "Person ").append(i).append(',').append(i).append('\n');
    }
    csv.append(tickets(100, 130, "New").substring("ticket,full_name,paid\n".length()));
    JsonObject job = upload(tableId, "&mode=upsert&key=ticket&archive_missing=true", csv.toString());

    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(job.getLong("rows_applied")).isEqualTo(90);
    assertThat(job.getString("apply_phase")).isEqualTo("applying");
    JsonObject report = job.getJsonObject("report");
    assertThat(report.getLong("inserted")).isEqualTo(30);
    assertThat(report.getLong("updated")).isEqualTo(30);
    assertThat(report.getLong("archived")).isEqualTo(35);
    assertThat(report.getLong("matched")).isEqualTo(60);
    assertThat(report.getJsonObject("planned")).isEqualTo(new JsonObject()
        .put("inserts", 30).put("updates", 30).put("unchanged", 30).put("archives", 35));

    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 95; i++) {
      String name = i < 60 ? (i % 2 == 0 ? "Renamed " : "Person ") + i : "Person " + i;
      expected.append(expected.length() == 0 ? "" : ",").append("K-").append(i).append('=').append(name).append('|').append(i >= 60);
    }
    for (int i = 100; i < 130; i++) {
      expected.append(",K-").append(i).append("=New ").append(i).append("|false");
    }
    assertThat(contents(tableId)).as("rows updated in place, archived, and inserted in file order").isEqualTo(expected.toString());
    assertThat(database.count("SELECT count(*) FROM barcode_values WHERE table_id = '" + tableId + "'"))
        .as("the barcode index holds the live rows only").isEqualTo(60 + 30);
    assertThat(database.count("SELECT count(*) FROM import_staging s JOIN import_jobs j ON j.id = s.job_id WHERE j.table_id = '" + tableId + "'"))
        .isZero();
  }

  @Test
  void aChunkThatFailsAfterPartOfTheJobIsAppliedIsTriedAgainNotLeftHalfWay() throws Exception {
    String tableId = table();
    upload(tableId, "", tickets(0, 50, "Person"));
    String locked = database.text("SELECT id FROM table_rows WHERE table_id = '" + tableId + "' AND data ->> 'ticket' = 'K-25'");
    try (Connection blocker = database.connect(); Statement lock = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      // Chunks of K-0..9 and K-10..19 go in; the one with K-25 waits for its row past the 1 s deadline, twice.
      lock.execute("SELECT 1 FROM table_rows WHERE id = '" + locked + "' FOR UPDATE");
      CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
        try {
          blocker.rollback();
        } catch (java.sql.SQLException e) {
          throw new IllegalStateException(e);
        }
      }, CompletableFuture.delayedExecutor(3_500, TimeUnit.MILLISECONDS));
      HttpResponse<Buffer> accepted = service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true&mode=upsert&key=ticket",
          "text/csv", Buffer.buffer(tickets(0, 50, "Renamed").getBytes(StandardCharsets.UTF_8)));
      assertThat(accepted.statusCode()).as("still running after the 2 s the wait may take: " + accepted.bodyAsString()).isEqualTo(202);
      assertThat(accepted.bodyAsJsonObject().getString("status")).isEqualTo("running");
      String location = accepted.getHeader("Location");
      JsonObject job = accepted.bodyAsJsonObject();
      for (int i = 0; i < 200 && "running".equals(job.getString("status")); i++) {
        TimeUnit.MILLISECONDS.sleep(50);
        job = service.get(location).bodyAsJsonObject();
      }
      release.get(10, TimeUnit.SECONDS);

      assertThat(job.getString("status")).as(job.encode()).isEqualTo("succeeded");
      assertThat(job.getLong("rows_applied")).isEqualTo(50);
      assertThat(job.getJsonObject("report").getLong("updated")).isEqualTo(50);
      assertThat(job.getJsonObject("report").getLong("inserted")).isZero();
    }
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "' AND data ->> 'full_name' LIKE 'Renamed %'"))
        .isEqualTo(50);
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "'")).isEqualTo(50);
    assertThat(database.count("SELECT count(*) FROM import_staging s JOIN import_jobs j ON j.id = s.job_id WHERE j.table_id = '" + tableId + "'"))
        .isZero();
  }

  @Test
  void aJobWhoseProcessStoppedWhileApplyingIsCarriedOnFromWhereItStopped() throws Exception {
    String tableId = table();
    // What a process that stopped after the first chunk leaves: three rows in, sixteen staged, no progress for an hour.
    UUID jobId = UUID.randomUUID();
    database.execute(
        "INSERT INTO table_rows (table_id, data) SELECT '" + tableId + "', jsonb_build_object('ticket', 'C-' || g, 'full_name', 'Crash ' || g)"
            + " FROM generate_series(2, 4) g",
        "INSERT INTO import_jobs (id, table_id, status, options, rows_read, rows_staged, rows_applied, apply_phase, report, created_by, updated_at)"
            + " VALUES ('" + jobId + "', '" + tableId + "', 'running', '{\"mode\": \"append\"}', 19, 19, 3, 'applying',"
            + " '{\"inserted\": 3, \"updated\": 0, \"archived\": 0, \"timings\": {\"applying_ms\": 40}}', 'someone', now() - interval '1 hour')",
        "INSERT INTO import_staging (job_id, line, key, data) SELECT '" + jobId + "', g, NULL,"
            + " jsonb_build_object('ticket', 'C-' || g, 'full_name', 'Crash ' || g) FROM generate_series(5, 20) g");

    String status = "";
    for (int i = 0; i < 100 && !status.startsWith("succeeded"); i++) {
      TimeUnit.MILLISECONDS.sleep(100);
      status = database.text("SELECT status || ' ' || rows_applied || ' ' || (report ->> 'inserted') FROM import_jobs WHERE id = '" + jobId + "'");
    }
    assertThat(status).as("carried on by the stalled-job sweep, not failed as abandoned").isEqualTo("succeeded 19 19");
    StringBuilder expected = new StringBuilder();
    for (int i = 2; i <= 20; i++) {
      expected.append(i == 2 ? "" : ",").append("C-").append(i).append("=Crash ").append(i).append("|false");
    }
    assertThat(contents(tableId)).as("every staged row once, in line order after the ones already in").isEqualTo(expected.toString());
    assertThat(database.count("SELECT count(*) FROM import_staging WHERE job_id = '" + jobId + "'")).isZero();
    JsonObject job = service.get("/api/imports/" + jobId).bodyAsJsonObject();
    assertThat(job.getJsonObject("report").getJsonObject("timings").getLong("applying_ms")).isGreaterThanOrEqualTo(40);
  }
}
