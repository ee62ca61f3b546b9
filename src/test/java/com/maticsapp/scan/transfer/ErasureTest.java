package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.WebhookReceiver;
import com.maticsapp.scan.support.WebhookReceiver.Answer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Erasing personal data: deleting a row or a table leaves no copy of its cells anywhere in the
 * database (every table searched for a unique marker), while the history keeps the fact and
 * time of each scan; a workspace's retention empties older history copies.
 */
class ErasureTest extends ServiceTest {

  @Override
  protected Map<String, String> environment() {
    return Map.of("RETENTION_SWEEP", "200ms");
  }

  /** Every table of the database whose rows, as text, contain {@code marker}, with how many. */
  List<String> whereFound(String marker) {
    List<String> found = new ArrayList<>();
    try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery(
          "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
              + "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')")) {
        while (rows.next()) {
          tables.add(rows.getString(1));
        }
      }
      assertThat(tables).contains("public.scan_history", "public.table_rows", "public.import_jobs");
      for (String table : tables) {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table + " x WHERE x::text LIKE '%" + marker + "%'")) {
          rows.next();
          if (rows.getLong(1) > 0) {
            found.add(table + ":" + rows.getLong(1));
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return found;
  }

  void scan(String tableId, String barcode, String at) {
    HttpResponse<Buffer> scanned = service.post("/api/scans", Fixtures.scan(tableId, "code", barcode).put("scanned_at", at));
    assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
  }

  @Test
  void deletingARowErasesItsCellsFromTheHistoryAndKeepsTheScans() {
    String tableId = fixtures.table().getString("id");
    String marker = "MARKER" + UUID.randomUUID().toString().replace("-", "");
    String erased = fixtures.row(tableId, new JsonObject().put("code", "P-1").put("name", "Ann " + marker)).getString("id");
    String kept = fixtures.row(tableId, new JsonObject().put("code", "P-2").put("name", "Bob keeps")).getString("id");
    // Two rows with one barcode: one history entry copies both.
    fixtures.row(tableId, new JsonObject().put("code", "SHARED").put("name", "Shared " + marker));
    String sharedKept = fixtures.row(tableId, new JsonObject().put("code", "SHARED").put("name", "Shared other")).getString("id");
    scan(tableId, "P-1", "2026-01-01T10:00:00Z");
    scan(tableId, "P-1", "2026-01-02T10:00:00Z");
    scan(tableId, "P-2", "2026-01-03T10:00:00Z");
    scan(tableId, "SHARED", "2026-01-04T10:00:00Z");
    // An export and an import report are no place for a copy either.
    HttpResponse<Buffer> imported = service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true", "text/csv",
        Buffer.buffer("code,name,qty\nI-1,Imported " + marker + ",not a number\n"));
    assertThat(imported.statusCode()).isEqualTo(422);
    assertThat(whereFound(marker)).containsExactlyInAnyOrder("public.table_rows:2", "public.scan_history:3");

    String sharedErased = database.text("SELECT id FROM table_rows WHERE data ->> 'name' = 'Shared " + marker + "'");
    HttpResponse<Buffer> one = service.raw(HttpMethod.DELETE, "/api/tables/" + tableId + "/rows/" + erased, null, null);
    assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(200);
    assertThat(one.bodyAsJsonObject()).isEqualTo(new JsonObject().put("deleted", 1).put("history_entries_erased", 2));
    HttpResponse<Buffer> bulk = service.post("/api/tables/" + tableId + "/rows/delete",
        new JsonObject().put("row_ids", new JsonArray().add(sharedErased)));
    assertThat(bulk.statusCode()).as(bulk.bodyAsString()).isEqualTo(200);

    assertThat(whereFound(marker)).as("no copy of the cells anywhere").isEmpty();
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).as("the scans stay").isEqualTo(4);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE '" + erased + "' = ANY(matched_row_ids)"
        + " AND scanned_at IN ('2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z') AND matched_rows = '[]'")).isEqualTo(2);
    assertThat(database.text("SELECT matched_rows::text FROM scan_history WHERE barcode = 'SHARED'"))
        .as("the other row's copy stays").contains(sharedKept).doesNotContain(sharedErased);
    assertThat(database.text("SELECT matched_rows::text FROM scan_history WHERE barcode = 'P-2'")).contains(kept, "Bob keeps");
    assertThat(service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=P-1").bodyAsJsonObject()
        .getJsonArray("rows")).isEmpty();
    assertThat(service.raw(HttpMethod.DELETE, "/api/tables/" + tableId + "/rows/" + erased, null, null).statusCode()).isEqualTo(404);
    assertThat(service.post("/api/tables/" + tableId + "/rows/delete", new JsonObject().put("row_ids", new JsonArray().add("x")))
        .statusCode()).isEqualTo(422);
  }

  @Test
  void deletingRowsErasesTheirCellsFromTheWebhookOutboxQueuedAndDelivered() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String events = "row.created,row.updated,scan.recorded,scan.undone";
    // One receiver takes everything and echoes it (its logged response snippets copy the cells
    // too); the other fails, so its events wait in the outbox until after the erasure.
    try (WebhookReceiver echoing = WebhookReceiver.start().answerByDefault(Answer.echo(200));
         WebhookReceiver failing = WebhookReceiver.start().answerByDefault(Answer.status(500))) {
      fixtures.webhook(table.getString("workspace_id"), echoing.url(), events.split(","));
      fixtures.webhook(table.getString("workspace_id"), failing.url(), events.split(","));
      String marker = "MARKER" + UUID.randomUUID().toString().replace("-", "");
      String erased = fixtures.row(tableId, new JsonObject().put("code", "W-1").put("name", "Wanda " + marker)).getString("id");
      fixtures.row(tableId, new JsonObject().put("code", "W-2").put("name", "Will keeps"));
      assertThat(service.patch("/api/tables/" + tableId + "/rows/" + erased,
          new JsonObject().put("data", new JsonObject().put("qty", 2))).statusCode()).isEqualTo(200);
      HttpResponse<Buffer> scanned = service.post("/api/scans", Fixtures.scan(tableId, "code", "W-1"));
      assertThat(scanned.statusCode()).isEqualTo(201);
      assertThat(service.post("/api/scans/" + scanned.bodyAsJsonObject().getString("id") + "/undo", new JsonObject())
          .statusCode()).isEqualTo(200);
      scan(tableId, "W-2", "2026-01-05T10:00:00Z");
      // 2 created + 1 updated + 2 recorded + 1 undone, to each endpoint.
      WebhookReceiver.await("every event delivered to the echoing receiver", 15_000, () -> echoing.accepted().size() == 6);
      WebhookReceiver.await("every event tried at the failing one", 15_000, () -> failing.unique().size() == 6);
      assertThat(whereFound(marker)).as("before: the outbox and the delivery log copy the cells")
          .anyMatch(found -> found.startsWith("public.webhook_deliveries:"))
          .anyMatch(found -> found.startsWith("public.webhook_attempts:"));
      long outboxRows = database.count("SELECT count(*) FROM webhook_deliveries");

      HttpResponse<Buffer> deleted = service.raw(HttpMethod.DELETE, "/api/tables/" + tableId + "/rows/" + erased, null, null);
      assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(200);
      assertThat(whereFound(marker)).as("no copy of the cells anywhere, outbox included").isEmpty();
      assertThat(database.count("SELECT count(*) FROM webhook_deliveries")).as("the events stay").isEqualTo(outboxRows);
      assertThat(database.text("SELECT string_agg(payload::text, ' ') FROM webhook_deliveries WHERE event_type = 'scan.recorded'"))
          .as("another row's copy stays").contains("Will keeps");

      // The queued events go out once the receiver recovers: the erased row's without its cells.
      int triedBefore = failing.received().size();
      failing.answerByDefault(Answer.ok());
      WebhookReceiver.await("the queued events delivered after the erasure", 15_000, () -> failing.accepted().size() == 6);
      List<WebhookReceiver.Received> afterErasure = failing.received().subList(triedBefore, failing.received().size());
      assertThat(afterErasure).isNotEmpty().allSatisfy(each ->
          assertThat(new String(each.body(), java.nio.charset.StandardCharsets.UTF_8)).doesNotContain(marker));
      JsonObject rowCreated = failing.accepted().values().stream().map(WebhookReceiver.Received::json)
          .filter(e -> e.getString("type").equals("row.created") && e.getJsonObject("data").getString("id").equals(erased))
          .findFirst().orElseThrow().getJsonObject("data");
      assertThat(rowCreated.getJsonObject("data")).as("the erased row's event keeps its id, not its cells").isEmpty();
    }
  }

  @Test
  void deletingATableErasesItsCellsFromTheWebhookOutbox() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    try (WebhookReceiver failing = WebhookReceiver.start().answerByDefault(Answer.echo(500))) {
      fixtures.webhook(table.getString("workspace_id"), failing.url(), "row.created", "scan.recorded");
      String marker = "MARKER" + UUID.randomUUID().toString().replace("-", "");
      fixtures.row(tableId, new JsonObject().put("code", "TW-1").put("name", marker));
      scan(tableId, "TW-1", "2026-01-01T10:00:00Z");
      WebhookReceiver.await("both events tried", 15_000, () -> failing.unique().size() == 2);
      assertThat(whereFound(marker)).anyMatch(found -> found.startsWith("public.webhook_deliveries:"));
      assertThat(service.raw(HttpMethod.DELETE, "/api/tables/" + tableId, null, null).statusCode()).isEqualTo(200);
      assertThat(whereFound(marker)).isEmpty();
      assertThat(database.count("SELECT count(*) FROM webhook_deliveries WHERE table_id = '" + tableId + "'")).isEqualTo(2);
    }
  }

  /**
   * The receiver holds its answer (an echo of what it got, cells included) while the table is
   * deleted: the attempt completes after the erasure and must not store that answer.
   */
  @Test
  void aDeliveryOnTheWireWhileItsTableIsDeletedKeepsNoEchoOfTheCells() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    try (WebhookReceiver holding = WebhookReceiver.start().answerByDefault(new Answer(500, 1_000, true))) {
      fixtures.webhook(table.getString("workspace_id"), holding.url(), "row.created");
      String marker = "MARKER" + UUID.randomUUID().toString().replace("-", "");
      fixtures.row(tableId, new JsonObject().put("code", "TH-1").put("name", marker));
      WebhookReceiver.await("the event on the wire", 15_000, () -> holding.received().size() == 1);
      assertThat(service.raw(HttpMethod.DELETE, "/api/tables/" + tableId, null, null).statusCode()).isEqualTo(200);
      String delivery = "(SELECT id FROM webhook_deliveries WHERE table_id = '" + tableId + "')";
      WebhookReceiver.await("the held attempt recorded", 15_000,
          () -> database.count("SELECT count(*) FROM webhook_attempts WHERE delivery_id IN " + delivery) >= 1);
      assertThat(database.count("SELECT count(*) FROM webhook_attempts WHERE delivery_id IN " + delivery + " AND status_code = 500"))
          .as("the attempt is logged, with its status").isGreaterThanOrEqualTo(1);
      assertThat(whereFound(marker)).isEmpty();
    }
  }

  @Test
  void deletingATableErasesEverythingOfIt() {
    String tableId = fixtures.table().getString("id");
    String marker = "MARKER" + UUID.randomUUID().toString().replace("-", "");
    fixtures.row(tableId, new JsonObject().put("code", "T-1").put("name", marker));
    scan(tableId, "T-1", "2026-01-01T10:00:00Z");
    assertThat(whereFound(marker)).isNotEmpty();
    HttpResponse<Buffer> deleted = service.raw(HttpMethod.DELETE, "/api/tables/" + tableId, null, null);
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(200);
    assertThat(whereFound(marker)).isEmpty();
    assertThat(database.count("SELECT count(*) FROM barcode_values WHERE table_id = '" + tableId + "'")).isZero();
    assertThat(service.get("/api/tables/" + tableId).statusCode()).isEqualTo(404);
    assertThat(service.raw(HttpMethod.DELETE, "/api/tables/" + tableId, null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void retentionEmptiesOlderHistoryCopiesOnly() throws InterruptedException {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String other = fixtures.table().getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "R-1").put("name", "Old copy"));
    fixtures.row(other, new JsonObject().put("code", "R-1").put("name", "No retention here"));
    String old = OffsetDateTime.now(ZoneOffset.UTC).minusDays(3).toString();
    scan(tableId, "R-1", old);
    scan(tableId, "R-1", OffsetDateTime.now(ZoneOffset.UTC).toString());
    scan(other, "R-1", old);
    String workspace = table.getString("workspace_id");
    HttpResponse<Buffer> set = service.raw(HttpMethod.PUT, "/api/workspaces/" + workspace + "/retention", "application/json",
        new JsonObject().put("history_copies_days", 2).toBuffer());
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
    assertThat(set.bodyAsJsonObject()).isEqualTo(new JsonObject().put("workspace_id", workspace).put("history_copies_days", 2));
    for (int i = 0; i < 50 && database.count("SELECT count(*) FROM scan_history WHERE matched_rows::text LIKE '%Old copy%'") > 1; i++) {
      Thread.sleep(100);
    }
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "' AND matched_rows = '[]'"
        + " AND scanned_at < now() - interval '2 days'")).isEqualTo(1);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "' AND matched_rows <> '[]'"))
        .as("the recent scan keeps its copy").isEqualTo(1);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + other + "' AND matched_rows <> '[]'"))
        .as("another workspace without retention keeps its copies").isEqualTo(1);
    assertThat(service.raw(HttpMethod.PUT, "/api/workspaces/" + workspace + "/retention", "application/json",
        new JsonObject().put("history_copies_days", -1).toBuffer()).statusCode()).isEqualTo(422);
    assertThat(service.raw(HttpMethod.PUT, "/api/workspaces/" + UUID.randomUUID() + "/retention", "application/json",
        new JsonObject().put("history_copies_days", 1).toBuffer()).statusCode()).isEqualTo(404);
  }
}
