package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guest sees of a row only the column's display cells: in lookups, scan replies (single,
 * batch, replay, the bus), the candidates of an ambiguous scan and undo replies; members keep
 * seeing whole rows, and what is published (the live stream) is the whole record.
 */
class GuestViewTest extends ServiceTest {

  private static final Set<String> SHOWN = Set.of("name");

  /** A once column showing only "name", ticking checked_in (not shown) and copying gate (not shown) on accept. */
  private JsonObject table() {
    return fixtures.eventTable(new JsonObject().put("mode", "once")
        .put("display_columns", new JsonArray().add("name"))
        .put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "checked_in").put("value", true))
            .add(new JsonObject().put("column", "name").put("from", "device"))));
  }

  private String row(String tableId, String ticket) {
    return fixtures.row(tableId, new JsonObject().put("ticket", ticket).put("name", "Ada " + ticket)
        .put("email", "ada@example.com").put("paid", true)).getString("id");
  }

  private static void onlyDisplayCells(JsonArray rows) {
    assertThat(rows).isNotEmpty();
    rows.forEach(row -> assertThat(((JsonObject) row).getJsonObject("data").fieldNames()).isSubsetOf(SHOWN).isNotEmpty());
  }

  private static void onlyDisplayChanges(JsonArray changes) {
    changes.forEach(change -> assertThat(((JsonObject) change).getString("column")).isIn(SHOWN));
  }

  @Test
  void aGuestsLookupsAndSearchesShowTheDisplayCellsOnly() {
    JsonObject table = table();
    String tableId = table.getString("id");
    row(tableId, "GV-L1");
    WebClient guest = service.clientWithToken(fixtures.guest(tableId, "ticket", "gv-lookup").getString("token"));

    HttpResponse<Buffer> search = guest.get("/api/tables/" + tableId + "/rows/search?column_name=ticket&value=GV-L1").send().await();
    assertThat(search.statusCode()).as(search.bodyAsString()).isEqualTo(200);
    onlyDisplayCells(search.bodyAsJsonObject().getJsonArray("rows"));
    assertThat(search.bodyAsJsonObject().getJsonArray("rows").getJsonObject(0).getJsonObject("data"))
        .isEqualTo(new JsonObject().put("name", "Ada GV-L1"));

    // A member sees the whole row.
    JsonObject member = service.get("/api/tables/" + tableId + "/rows/search?column_name=ticket&value=GV-L1").bodyAsJsonObject();
    assertThat(member.getJsonArray("rows").getJsonObject(0).getJsonObject("data").fieldNames())
        .contains("ticket", "name", "email", "paid");
  }

  @Test
  void aGuestsScanRepliesShowTheDisplayCellsAndNoOtherCellChangesWhileTheStreamGetsTheWholeRecord() {
    JsonObject table = table();
    String tableId = table.getString("id");
    row(tableId, "GV-S1");
    row(tableId, "GV-S2");
    JsonObject claim = fixtures.guest(tableId, "ticket", "gv-scan");
    WebClient guest = service.clientWithToken(claim.getString("token"));
    List<JsonObject> published = new ArrayList<>();
    var consumer = service.vertx().eventBus().<JsonObject>consumer(Addresses.SCANS_RECORDED, message -> {
      synchronized (published) {
        published.add(message.body());
      }
    });
    consumer.completion().await();
    try {
      String id = UUID.randomUUID().toString();
      JsonObject scan = Fixtures.scan(tableId, "ticket", "GV-S1").put("id", id);
      HttpResponse<Buffer> first = guest.post("/api/scans").sendJsonObject(scan).await();
      assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
      JsonObject shown = first.bodyAsJsonObject();
      assertThat(shown.getString("decision")).isEqualTo("accepted");
      onlyDisplayCells(shown.getJsonArray("matched_rows"));
      // name changed (shown), checked_in changed (not shown)
      assertThat(shown.getJsonArray("cell_changes")).hasSize(1);
      onlyDisplayChanges(shown.getJsonArray("cell_changes"));

      // A replay of the same id: the same view.
      HttpResponse<Buffer> replay = guest.post("/api/scans").sendJsonObject(scan).await();
      assertThat(replay.statusCode()).isEqualTo(200);
      onlyDisplayCells(replay.bodyAsJsonObject().getJsonArray("matched_rows"));
      onlyDisplayChanges(replay.bodyAsJsonObject().getJsonArray("cell_changes"));

      // A batch.
      HttpResponse<Buffer> batch = guest.post("/api/scans/batch").sendJsonObject(new JsonObject().put("scans", new JsonArray()
          .add(Fixtures.scan(tableId, "ticket", "GV-S2")).add(Fixtures.scan(tableId, "ticket", "GV-S1")))).await();
      assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(200);
      JsonArray results = batch.bodyAsJsonObject().getJsonArray("results");
      for (int i = 0; i < 2; i++) {
        JsonObject item = results.getJsonObject(i).getJsonObject("scan");
        onlyDisplayCells(item.getJsonArray("matched_rows"));
        onlyDisplayChanges(item.getJsonArray("cell_changes"));
      }
      assertThat(results.getJsonObject(1).getJsonObject("scan").getString("decision")).isEqualTo("already_scanned");

      // The bus, with the guest's token.
      DeliveryOptions asGuest = new DeliveryOptions().addHeader(Addresses.AUTHORIZATION, "Bearer " + claim.getString("token"));
      JsonObject overBus = service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_RECORD,
          Fixtures.scan(tableId, "ticket", "GV-S2"), asGuest).await().body();
      onlyDisplayCells(overBus.getJsonObject("scan").getJsonArray("matched_rows"));

      // Undo, by the guest: the reply too.
      HttpResponse<Buffer> undo = guest.post("/api/scans/" + id + "/undo").sendJsonObject(new JsonObject()).await();
      assertThat(undo.statusCode()).as(undo.bodyAsString()).isEqualTo(200);
      onlyDisplayCells(undo.bodyAsJsonObject().getJsonArray("matched_rows"));
      onlyDisplayChanges(undo.bodyAsJsonObject().getJsonArray("cell_changes"));
      assertThat(undo.bodyAsJsonObject().getJsonObject("undo")).isNotNull();

      // What was published for the stream and other consumers is the whole record.
      synchronized (published) {
        JsonObject whole = published.stream().filter(p -> id.equals(p.getString("id"))).findFirst().orElseThrow();
        assertThat(whole.getJsonArray("matched_rows").getJsonObject(0).getJsonObject("data").fieldNames())
            .contains("ticket", "email", "paid");
        assertThat(whole.getJsonArray("cell_changes")).hasSize(2);
      }
      // And the history a member reads.
      JsonObject history = service.get("/api/scans?table_id=" + tableId).bodyAsJsonObject();
      assertThat(history.getJsonArray("scans").stream().map(JsonObject.class::cast)
          .filter(s -> id.equals(s.getString("id"))).findFirst().orElseThrow()
          .getJsonArray("matched_rows").getJsonObject(0).getJsonObject("data").fieldNames()).contains("email");
    } finally {
      consumer.unregister().await();
    }
  }

  @Test
  void anAmbiguousScansCandidatesShowTheDisplayCellsOnly() {
    JsonObject table = table();
    String tableId = table.getString("id");
    row(tableId, "GV-TWIN");
    row(tableId, "GV-TWIN");
    WebClient guest = service.clientWithToken(fixtures.guest(tableId, "ticket", "gv-twin").getString("token"));
    JsonObject scan = guest.post("/api/scans").sendJsonObject(Fixtures.scan(tableId, "ticket", "GV-TWIN")).await().bodyAsJsonObject();
    assertThat(scan.getString("decision")).isEqualTo("ambiguous");
    JsonArray candidates = scan.getJsonObject("decision_detail").getJsonArray("candidates");
    assertThat(candidates).hasSize(2);
    candidates.forEach(c -> assertThat(((JsonObject) c).getJsonObject("display").fieldNames()).containsExactly("name"));
    onlyDisplayCells(scan.getJsonArray("matched_rows"));
  }

  @Test
  void aGuestReadsNoHistoryAndOpensNoStream() {
    JsonObject table = table();
    String tableId = table.getString("id");
    String token = fixtures.guest(tableId, "ticket", "gv-reader").getString("token");
    WebClient guest = service.clientWithToken(token);
    assertThat(guest.get("/api/scans?table_id=" + tableId).send().await().statusCode()).isEqualTo(403);
    assertThat(guest.get("/api/tables/" + tableId + "/rows").send().await().statusCode()).isEqualTo(403);
    assertThat(guest.get("/api/tables/" + tableId).send().await().statusCode()).isEqualTo(403);
    assertThat(guest.get("/api/tables/" + tableId + "/scan-status?column_id=" + Fixtures.columnId(table, "ticket"))
        .send().await().statusCode()).isEqualTo(403);
    try (SseStream stream = SseStream.open(service.vertx(), service.port(),
        "/api/tables/" + tableId + "/scans/stream?status=true&access_token=" + token, null)) {
      assertThat(stream.status()).isEqualTo(403);
    }
  }
}
