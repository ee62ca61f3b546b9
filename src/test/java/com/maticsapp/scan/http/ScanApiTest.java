package com.maticsapp.scan.http;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/** Scans, lookups and the scan history over HTTP, against a real PostgreSQL. */
class ScanApiTest extends ServiceTest {

  @Test
  void recordsAScanAndCountsTheMatchedRowOnce() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "TCK-0042").put("name", "Ada"));
    String scanId = UUID.randomUUID().toString();

    HttpResponse<Buffer> first = service.post("/api/scans", scan(tableId, "code", "  tck-0042 ")
        .put("id", scanId).put("source", "phone").put("device_id", "pixel-7")
        .put("metadata", new JsonObject().put("gate", "north")));

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    JsonObject recorded = first.bodyAsJsonObject();
    assertThat(recorded.getString("id")).isEqualTo(scanId);
    assertThat(recorded.getString("status")).isEqualTo("success");
    assertThat(recorded.getString("normalized_barcode")).isEqualTo("tck-0042");
    assertThat(recorded.getString("column_id")).isEqualTo(Fixtures.columnId(table, "code"));
    assertThat(recorded.getJsonArray("matched_row_ids")).containsExactly(row.getString("id"));
    assertThat(recorded.getJsonArray("matched_rows").getJsonObject(0).getJsonObject("data").getString("name")).isEqualTo("Ada");
    assertThat(recorded.getJsonObject("metadata").getString("gate")).isEqualTo("north");

    HttpResponse<Buffer> replay = service.post("/api/scans", scan(tableId, "code", "  tck-0042 ").put("id", scanId));
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.bodyAsJsonObject()).isEqualTo(recorded);

    HttpResponse<Buffer> stored = service.get("/api/tables/" + tableId + "/rows/" + row.getString("id"));
    assertThat(stored.bodyAsJsonObject().getInteger("scan_count")).isEqualTo(1);
    assertThat(stored.bodyAsJsonObject().getString("last_scanned_at")).isEqualTo(recorded.getString("scanned_at"));
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE id = '" + scanId + "'")).isEqualTo(1);
  }

  @Test
  void aScanThatMatchesNothingIsRecordedAsFailure() {
    String tableId = fixtures.table().getString("id");
    HttpResponse<Buffer> response = service.post("/api/scans", scan(tableId, "code", "NOPE"));
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("failure");
    assertThat(response.bodyAsJsonObject().getJsonArray("matched_row_ids")).isEmpty();
  }

  @Test
  void concurrentReplaysOfOneScanCountItExactlyOnce() {
    String tableId = fixtures.table().getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "RACE-1"));
    JsonObject body = scan(tableId, "code", "RACE-1").put("id", UUID.randomUUID().toString());

    List<Future<HttpResponse<Buffer>>> racing = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      racing.add(service.client().post("/api/scans").putHeader("Content-Type", "application/json").sendJsonObject(body));
    }
    Future.all(racing).await();

    long created = racing.stream().filter(f -> f.result().statusCode() == 201).count();
    long replayed = racing.stream().filter(f -> f.result().statusCode() == 200).count();
    assertThat(created).isEqualTo(1);
    assertThat(replayed).isEqualTo(23);
    assertThat(racing).allSatisfy(f -> assertThat(f.result().bodyAsJsonObject().getString("id")).isEqualTo(body.getString("id")));
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(1);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE id = '" + body.getString("id") + "'")).isEqualTo(1);
  }

  @Test
  void aReplayWaitingOnAnUncommittedTwinReturnsTheTwinOnceItCommits() throws Exception {
    String tableId = fixtures.table().getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "TWIN"));
    String id = UUID.randomUUID().toString();
    try (java.sql.Connection twin = database.connect()) {
      twin.setAutoCommit(false);
      // Another instance is half-way through recording the same scan: its insert is not committed.
      twin.createStatement().execute("INSERT INTO scan_history (id, workspace_id, table_id, column_name, barcode, "
          + "normalized_barcode, status, scanned_at) SELECT '" + id + "', workspace_id, id, 'code', 'TWIN', 'twin', "
          + "'success', now() FROM data_tables WHERE id = '" + tableId + "'");
      Future<HttpResponse<Buffer>> replay = service.client().post("/api/scans")
          .putHeader("Content-Type", "application/json").sendJsonObject(scan(tableId, "code", "TWIN").put("id", id));
      Thread.sleep(300); // the statement is now waiting on the twin's row lock
      assertThat(replay.isComplete()).isFalse();
      twin.commit();
      HttpResponse<Buffer> response = replay.await();
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      assertThat(response.bodyAsJsonObject().getString("id")).isEqualTo(id);
    }
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isZero();
  }

  @Test
  void scansArrivingWhileOthersAreWrittenShareOneStatement() throws Exception {
    String tableId = fixtures.table().getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "GROUP"));
    List<Future<HttpResponse<Buffer>>> sent = sendWhileTheRowIsLocked(tableId, row.getString("id"), -1);
    assertThat(sent).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(201));
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(40);
    // Scans written by one statement share its transaction timestamp. The first statements
    // waited on the lock; everything that arrived meanwhile left together in the next one.
    assertThat(database.count("SELECT count(DISTINCT created_at) FROM scan_history WHERE table_id = '" + tableId + "'"))
        .isLessThanOrEqualTo(service.config().data().scanStatementsInFlight() + 1L);
  }

  @Test
  void oneBadScanInASharedStatementSinksOnlyItself() throws Exception {
    String tableId = fixtures.table().getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "GROUP"));
    List<Future<HttpResponse<Buffer>>> sent = sendWhileTheRowIsLocked(tableId, row.getString("id"), 17);
    for (int i = 0; i < 40; i++) {
      assertThat(sent.get(i).result().statusCode()).as("scan " + i).isEqualTo(i == 17 ? 422 : 201);
    }
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(39);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isEqualTo(39);
  }

  /**
   * Sends 40 scans of one row while another transaction holds that row's lock, so the first
   * scan statements wait and the rest queue behind them; then lets them through. Scan number
   * {@code bad} passes every check of the service but carries a device id that a CHECK
   * constraint added here refuses (23514), which fails whatever statement it travels in.
   */
  private List<Future<HttpResponse<Buffer>>> sendWhileTheRowIsLocked(String tableId, String rowId, int bad) throws Exception {
    database.execute("ALTER TABLE scan_history DROP CONSTRAINT IF EXISTS test_refuses_poison",
        "ALTER TABLE scan_history ADD CONSTRAINT test_refuses_poison CHECK (device_id IS DISTINCT FROM 'poison')");
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    try (java.sql.Connection holder = database.connect()) {
      holder.setAutoCommit(false);
      holder.createStatement().execute("SELECT 1 FROM table_rows WHERE id = '" + rowId + "' FOR UPDATE");
      for (int i = 0; i < 40; i++) {
        JsonObject body = scan(tableId, "code", "GROUP").put("id", UUID.randomUUID().toString());
        if (i == bad) {
          body.put("device_id", "poison");
        }
        sent.add(service.client().post("/api/scans").putHeader("Content-Type", "application/json").sendJsonObject(body));
      }
      Thread.sleep(500);
      holder.commit();
    }
    Future.join(sent).await();
    return sent;
  }

  @Test
  void reusingAScanIdForAnotherBarcodeIsAConflict() {
    String tableId = fixtures.table().getString("id");
    String id = UUID.randomUUID().toString();
    assertThat(service.post("/api/scans", scan(tableId, "code", "A-1").put("id", id)).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> reused = service.post("/api/scans", scan(tableId, "code", "B-2").put("id", id));
    assertThat(reused.statusCode()).isEqualTo(409);
    assertThat(reused.getHeader("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void unknownTablesAndColumnsAre404AndWriteNothing() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    long before = database.count("SELECT count(*) FROM scan_history");

    HttpResponse<Buffer> noTable = service.post("/api/scans", scan(UUID.randomUUID().toString(), "code", "X"));
    HttpResponse<Buffer> noColumn = service.post("/api/scans", scan(tableId, "nope", "X"));
    HttpResponse<Buffer> noColumnId = service.post("/api/scans", new JsonObject().put("table_id", tableId)
        .put("column_id", UUID.randomUUID().toString()).put("barcode", "X"));
    HttpResponse<Buffer> notBarcode = service.post("/api/scans", scan(tableId, "name", "X"));

    assertThat(noTable.statusCode()).isEqualTo(404);
    assertThat(noColumn.statusCode()).isEqualTo(404);
    assertThat(noColumnId.statusCode()).isEqualTo(404);
    assertThat(notBarcode.statusCode()).isEqualTo(422);
    assertThat(notBarcode.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("column_name");
    assertThat(database.count("SELECT count(*) FROM scan_history")).isEqualTo(before);
  }

  @Test
  void invalidScanBodiesAre4xxProblemsAndWriteNothing() {
    String tableId = fixtures.table().getString("id");
    long before = database.count("SELECT count(*) FROM scan_history");
    List<HttpResponse<Buffer>> responses = List.of(
        service.post("/api/scans", new JsonObject()),
        service.post("/api/scans", scan(tableId, "code", "")),
        service.post("/api/scans", scan(tableId, "code", "x".repeat(513))),
        service.post("/api/scans", scan("not-a-uuid", "code", "X")),
        service.post("/api/scans", scan(tableId, "code", "X").put("id", "123")),
        service.post("/api/scans", scan(tableId, "code", "X").put("scanned_at", "yesterday")),
        service.post("/api/scans", scan(tableId, "code", "X").put("metadata", "not an object")),
        service.post("/api/scans", new JsonObject().put("table_id", tableId).put("barcode", 12345)),
        service.post("/api/scans", scan(tableId, "gtin", "4006381333932")),
        service.raw(io.vertx.core.http.HttpMethod.POST, "/api/scans", "application/json", Buffer.buffer("{\"table_id\":")),
        service.raw(io.vertx.core.http.HttpMethod.POST, "/api/scans", "application/json", Buffer.buffer("[1,2]")),
        service.raw(io.vertx.core.http.HttpMethod.POST, "/api/scans", "text/plain", Buffer.buffer("hello")));
    assertThat(responses).allSatisfy(response -> {
      assertThat(response.statusCode()).as(response.bodyAsString()).isBetween(400, 499);
      assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(response.bodyAsJsonObject().getInteger("status")).isEqualTo(response.statusCode());
    });
    assertThat(responses.get(0).bodyAsJsonObject().getJsonArray("errors")).hasSizeGreaterThanOrEqualTo(2);
    assertThat(database.count("SELECT count(*) FROM scan_history")).isEqualTo(before);
  }

  @Test
  void aBatchAnswersEveryItemInOrderAndOneBadItemSinksNothingElse() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "B-1"));
    String repeated = UUID.randomUUID().toString();
    JsonArray scans = new JsonArray()
        .add(scan(tableId, "code", "B-1").put("id", repeated))
        .add(scan(tableId, "gtin", "123"))
        .add(new JsonObject().put("barcode", 7))
        .add(scan(UUID.randomUUID().toString(), "code", "B-1"))
        .add(scan(tableId, "code", "B-1").put("id", repeated))
        .add("not an object")
        .add(scan(tableId, "code", "unknown-code"));

    HttpResponse<Buffer> response = service.post("/api/scans/batch", new JsonObject().put("scans", scans));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonArray results = response.bodyAsJsonObject().getJsonArray("results");
    assertThat(results).hasSize(7);
    List<Integer> statuses = results.stream().map(r -> ((JsonObject) r).getInteger("status")).toList();
    assertThat(statuses).containsExactly(201, 422, 422, 404, 200, 422, 201);
    for (int i = 0; i < results.size(); i++) {
      assertThat(results.getJsonObject(i).getInteger("index")).isEqualTo(i);
    }
    assertThat(results.getJsonObject(4).getJsonObject("scan").getString("id")).isEqualTo(repeated);
    assertThat(results.getJsonObject(2).getJsonObject("error").getJsonArray("errors").getJsonObject(0).getString("field"))
        .startsWith("scans[2].");
    assertThat(results.getJsonObject(1).getJsonObject("error").getJsonArray("errors").getJsonObject(0).getString("field"))
        .as("errors found by the database are placed under their item too").isEqualTo("scans[1].barcode");
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(1);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isEqualTo(2);

    HttpResponse<Buffer> again = service.post("/api/scans/batch", new JsonObject().put("scans", scans));
    assertThat(again.bodyAsJsonObject().getJsonArray("results").getJsonObject(0).getInteger("status")).isEqualTo(200);
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(1);
  }

  @Test
  void inABatchTheFirstUsableOccurrenceOfAnIdIsTheOneThatCreatesIt() {
    String tableId = fixtures.table().getString("id");
    String id = UUID.randomUUID().toString();
    JsonArray scans = new JsonArray()
        .add(scan(tableId, "nope", "X").put("id", id))
        .add(scan(tableId, "code", "X").put("id", id))
        .add(scan(tableId, "code", "X").put("id", id));
    JsonArray results = service.post("/api/scans/batch", new JsonObject().put("scans", scans))
        .bodyAsJsonObject().getJsonArray("results");
    assertThat(results.stream().map(r -> ((JsonObject) r).getInteger("status"))).containsExactly(404, 201, 200);
  }

  @Test
  void aBatchOfFiveHundredIsOneRequestAndMoreIsRefused() {
    String tableId = fixtures.table().getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "BULK"));
    JsonArray scans = new JsonArray();
    for (int i = 0; i < 500; i++) {
      scans.add(scan(tableId, "code", i % 2 == 0 ? "BULK" : "MISS-" + i).put("id", UUID.randomUUID().toString()));
    }
    HttpResponse<Buffer> response = service.post("/api/scans/batch", new JsonObject().put("scans", scans));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getJsonArray("results"))
        .allSatisfy(r -> assertThat(((JsonObject) r).getInteger("status")).isEqualTo(201));
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE table_id = '" + tableId + "'")).isEqualTo(250);

    scans.add(scan(tableId, "code", "ONE-TOO-MANY"));
    HttpResponse<Buffer> tooMany = service.post("/api/scans/batch", new JsonObject().put("scans", scans));
    assertThat(tooMany.statusCode()).isEqualTo(422);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE barcode = 'ONE-TOO-MANY'")).isZero();
  }

  @Test
  void scanHistoryListsNewestFirstWithACursorAndAColumnFilter() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    for (int i = 0; i < 5; i++) {
      service.post("/api/scans", scan(tableId, "code", "H-" + i).put("scanned_at", "2026-01-0" + (i + 1) + "T10:00:00Z"));
    }
    service.post("/api/scans", scan(tableId, "gtin", "036000291452").put("scanned_at", "2026-01-09T10:00:00Z"));

    JsonObject first = service.get("/api/scans?table_id=" + tableId + "&limit=4").bodyAsJsonObject();
    assertThat(first.getJsonArray("scans").stream().map(s -> ((JsonObject) s).getString("barcode")))
        .containsExactly("036000291452", "H-4", "H-3", "H-2");
    JsonObject second = service.get("/api/scans?table_id=" + tableId + "&limit=4&before=" + first.getString("next_cursor"))
        .bodyAsJsonObject();
    assertThat(second.getJsonArray("scans").stream().map(s -> ((JsonObject) s).getString("barcode")))
        .containsExactly("H-1", "H-0");
    assertThat(second.getString("next_cursor")).isNull();

    JsonObject byColumn = service.get("/api/scans?table_id=" + tableId + "&column_name=gtin").bodyAsJsonObject();
    assertThat(byColumn.getJsonArray("scans")).hasSize(1);
    JsonObject byColumnId = service.get("/api/scans?table_id=" + tableId + "&column_id=" + Fixtures.columnId(table, "code"))
        .bodyAsJsonObject();
    assertThat(byColumnId.getJsonArray("scans")).hasSize(5);

    assertThat(service.get("/api/scans?table_id=" + UUID.randomUUID()).statusCode()).isEqualTo(404);
    assertThat(service.get("/api/scans?table_id=" + tableId + "&column_name=nope").statusCode()).isEqualTo(404);
    assertThat(service.get("/api/scans?table_id=" + tableId + "&limit=0").statusCode()).isEqualTo(422);
    assertThat(service.get("/api/scans?table_id=" + tableId + "&before=garbage").statusCode()).isEqualTo(422);
    assertThat(service.get("/api/scans").statusCode()).isEqualTo(422);
  }
}
