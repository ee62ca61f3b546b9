package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Undo over HTTP and the bus: what goes back, what is kept, who may, and undo racing a scan. */
class ScanUndoTest extends ServiceTest {

  private JsonObject onceTable() {
    return fixtures.eventTable(new JsonObject().put("mode", "once")
        .put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "checked_in").put("value", true))
            .add(new JsonObject().put("column", "gate").put("from", "device"))));
  }

  private JsonObject record(WebClient client, JsonObject scan) {
    HttpResponse<Buffer> response = client.post("/api/scans").putHeader("Content-Type", "application/json")
        .sendBuffer(scan.toBuffer()).await();
    assertThat(response.statusCode()).as(response.bodyAsString()).isIn(200, 201);
    return response.bodyAsJsonObject();
  }

  private HttpResponse<Buffer> undo(WebClient client, String scanId, JsonObject body) {
    return client.post("/api/scans/" + scanId + "/undo").putHeader("Content-Type", "application/json")
        .sendBuffer(body.toBuffer()).await();
  }

  private JsonObject row(String tableId, String rowId) {
    return service.get("/api/tables/" + tableId + "/rows/" + rowId).bodyAsJsonObject();
  }

  @Test
  void undoPutsBackCountersStateAndCellsAndTheTicketCanBeUsedAgain() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String column = Fixtures.columnId(table, "ticket");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "U-1").put("gate", "none")).getString("id");
    JsonObject accepted = record(service.client(), Fixtures.scan(tableId, "ticket", "U-1").put("device_id", "door-1"));

    HttpResponse<Buffer> undone = undo(service.client(), accepted.getString("id"), new JsonObject().put("reason", "wrong person"));
    assertThat(undone.statusCode()).as(undone.bodyAsString()).isEqualTo(200);
    JsonObject undo = undone.bodyAsJsonObject().getJsonObject("undo");
    assertThat(undo.getString("undone_by")).isEqualTo(RunningService.USER);
    assertThat(undo.getString("reason")).isEqualTo("wrong person");
    assertThat(undo.getJsonArray("cells_restored")).hasSize(2);
    assertThat(undo.getJsonArray("cells_kept")).isEmpty();

    JsonObject after = row(tableId, rowId);
    assertThat(after.getInteger("scan_count")).isZero();
    assertThat(after.getString("last_scanned_at")).isNull();
    assertThat(after.getJsonObject("data").getString("gate")).isEqualTo("none");
    assertThat(after.getJsonObject("data").getValue("checked_in")).isNull();
    assertThat(after.getJsonObject("scan_state").getJsonObject(column).getInteger("accepted")).isZero();

    // Twice: the same answer, nothing more changes.
    HttpResponse<Buffer> again = undo(service.client(), accepted.getString("id"), new JsonObject());
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().equals(undone.bodyAsJsonObject())).as(again.bodyAsString()).isTrue();
    assertThat(row(tableId, rowId).getInteger("scan_count")).isZero();

    JsonObject readmitted = record(service.client(), Fixtures.scan(tableId, "ticket", "U-1").put("device_id", "door-2"));
    assertThat(readmitted.getString("decision")).isEqualTo("accepted");
    JsonObject refused = record(service.client(), Fixtures.scan(tableId, "ticket", "U-1"));
    assertThat(refused.getJsonObject("decision_detail").getJsonObject("earlier_scan").getString("id")).isEqualTo(readmitted.getString("id"));

    // A refused scan cannot be undone.
    assertThat(undo(service.client(), refused.getString("id"), new JsonObject()).statusCode()).isEqualTo(409);
    assertThat(undo(service.client(), java.util.UUID.randomUUID().toString(), new JsonObject()).statusCode()).isEqualTo(404);
    assertThat(database.count("SELECT sum(undone) FROM scan_counters WHERE column_id = '" + column + "'")).isEqualTo(1);
    assertThat(database.count("SELECT sum(accepted) FROM scan_counters WHERE column_id = '" + column + "'")).isEqualTo(1);
  }

  @Test
  void aCellChangedSinceIsKeptAndNamed() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "K-1")).getString("id");
    JsonObject accepted = record(service.client(), Fixtures.scan(tableId, "ticket", "K-1").put("device_id", "door-1"));
    assertThat(service.patch("/api/tables/" + tableId + "/rows/" + rowId,
        new JsonObject().put("data", new JsonObject().put("gate", "moved"))).statusCode()).isEqualTo(200);

    JsonObject undo = undo(service.client(), accepted.getString("id"), new JsonObject()).bodyAsJsonObject().getJsonObject("undo");
    assertThat(undo.getJsonArray("cells_kept")).containsExactly(new JsonObject().put("row_id", rowId).put("column", "gate"));
    assertThat(undo.getJsonArray("cells_restored")).containsExactly(new JsonObject().put("row_id", rowId).put("column", "checked_in"));
    assertThat(row(tableId, rowId).getJsonObject("data").getString("gate")).isEqualTo("moved");
  }

  @Test
  void undoingAnEarlierEntryKeepsTheInsideStateOfTheLaterExit() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "entry_exit"));
    String tableId = table.getString("id");
    String column = Fixtures.columnId(table, "ticket");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "X-1")).getString("id");
    JsonObject entry = record(service.client(), Fixtures.scan(tableId, "ticket", "X-1"));
    JsonObject exit = record(service.client(), Fixtures.scan(tableId, "ticket", "X-1"));
    assertThat(exit.getString("direction")).isEqualTo("exit");
    JsonObject undo = undo(service.client(), entry.getString("id"), new JsonObject()).bodyAsJsonObject().getJsonObject("undo");
    assertThat(undo.getBoolean("state_kept")).isTrue();
    JsonObject state = row(tableId, rowId).getJsonObject("scan_state").getJsonObject(column);
    assertThat(state.getBoolean("inside")).isFalse();
    assertThat(state.getString("last_scan_id")).isEqualTo(exit.getString("id"));
    assertThat(state.getInteger("accepted")).isEqualTo(1);
    // Undoing the latest puts the state back to what it was before the exit: inside.
    JsonObject last = undo(service.client(), exit.getString("id"), new JsonObject()).bodyAsJsonObject().getJsonObject("undo");
    assertThat(last.getBoolean("state_kept")).isFalse();
    assertThat(row(tableId, rowId).getJsonObject("scan_state").getJsonObject(column).getBoolean("inside")).isTrue();
  }

  @Test
  void scannersUndoTheirOwnScansEditorsAnyViewersNone() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String workspace = table.getString("workspace_id");
    fixtures.member(workspace, "undo-scanner", "scanner");
    fixtures.member(workspace, "undo-other", "scanner");
    fixtures.member(workspace, "undo-viewer", "viewer");
    fixtures.member(workspace, "undo-editor", "editor");
    WebClient scanner = service.clientWithToken(Tokens.user("undo-scanner"));
    fixtures.row(tableId, new JsonObject().put("ticket", "W-1"));
    fixtures.row(tableId, new JsonObject().put("ticket", "W-2"));
    JsonObject mine = record(scanner, Fixtures.scan(tableId, "ticket", "W-1"));
    JsonObject alsoMine = record(scanner, Fixtures.scan(tableId, "ticket", "W-2"));

    assertThat(undo(service.clientWithToken(Tokens.user("undo-viewer")), mine.getString("id"), new JsonObject()).statusCode()).isEqualTo(403);
    assertThat(undo(service.clientWithToken(Tokens.user("undo-other")), mine.getString("id"), new JsonObject()).statusCode()).isEqualTo(403);
    assertThat(undo(service.clientWithToken(Tokens.user("undo-stranger")), mine.getString("id"), new JsonObject()).statusCode()).isEqualTo(404);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE undone_at IS NOT NULL AND table_id = '" + tableId + "'")).isZero();
    assertThat(undo(scanner, mine.getString("id"), new JsonObject()).statusCode()).isEqualTo(200);
    assertThat(undo(service.clientWithToken(Tokens.user("undo-editor")), alsoMine.getString("id"), new JsonObject()).statusCode()).isEqualTo(200);
  }

  @Test
  void undoOnTheBusIsPublishedOnce() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "BUS-1"));
    JsonObject accepted = record(service.client(), Fixtures.scan(tableId, "ticket", "BUS-1"));
    List<JsonObject> published = new ArrayList<>();
    var consumer = service.vertx().eventBus().<JsonObject>consumer(Addresses.SCANS_UNDONE, message -> published.add(message.body()));
    consumer.completion().await();
    DeliveryOptions bearer = new DeliveryOptions().addHeader(Addresses.AUTHORIZATION, Tokens.bearer(Tokens.user(RunningService.USER)));
    JsonObject request = new JsonObject().put("scan_id", accepted.getString("id"));
    JsonObject reply = service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_UNDO, request, bearer).await().body();
    JsonObject replay = service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_UNDO, request, bearer).await().body();
    assertThat(replay.equals(reply)).as(replay.encode()).isTrue();
    service.get("/api/tables/" + tableId); // lets the publication arrive
    consumer.unregister().await();
    assertThat(published).hasSize(1);
    assertThat(published.get(0).getString("id")).isEqualTo(accepted.getString("id"));
  }

  @Test
  void theLiveStreamShowsTheUndo() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "SSE-1"));
    JsonObject accepted = record(service.client(), Fixtures.scan(tableId, "ticket", "SSE-1"));
    String path = "/api/tables/" + tableId + "/scans/stream?access_token=" + Tokens.user(RunningService.USER);
    try (SseStream stream = SseStream.open(service.vertx(), service.port(), path, null)) {
      assertThat(stream.status()).isEqualTo(200);
      SseStream.Frame frame;
      do {
        frame = stream.next(Duration.ofSeconds(10));
      } while (frame.isComment() || !"ready".equals(frame.event()));
      assertThat(undo(service.client(), accepted.getString("id"), new JsonObject()).statusCode()).isEqualTo(200);
      do {
        frame = stream.next(Duration.ofSeconds(10));
      } while (frame.isComment() || !"undone".equals(frame.event()));
      assertThat(frame.json().getString("id")).isEqualTo(accepted.getString("id"));
      assertThat(frame.json().getJsonObject("undo")).isNotNull();
      assertThat(frame.id()).isNull();
    }
  }

  @Test
  void undoRacingANewScanOfTheSameRowLeavesItConsistent() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String column = Fixtures.columnId(table, "ticket");
    int rows = 20;
    List<String> rowIds = new ArrayList<>();
    List<String> firstScans = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      rowIds.add(fixtures.row(tableId, new JsonObject().put("ticket", "RACE-" + i)).getString("id"));
      firstScans.add(record(service.client(), Fixtures.scan(tableId, "ticket", "RACE-" + i)).getString("id"));
    }
    List<Future<HttpResponse<Buffer>>> racing = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      racing.add(service.client().post("/api/scans/" + firstScans.get(i) + "/undo").send());
      racing.add(service.client().post("/api/scans").putHeader("Content-Type", "application/json")
          .sendJsonObject(Fixtures.scan(tableId, "ticket", "RACE-" + i).put("device_id", "late")));
    }
    Future.all(racing).await();
    for (int i = 0; i < rows; i++) {
      JsonObject row = row(tableId, rowIds.get(i));
      long live = database.count("SELECT count(*) FROM scan_history WHERE decision = 'accepted' AND undone_at IS NULL"
          + " AND matched_row_ids = ARRAY['" + rowIds.get(i) + "']::uuid[]");
      assertThat(live).as("row %d", i).isBetween(0L, 1L);
      assertThat(row.getInteger("scan_count")).as("row %d", i).isEqualTo((int) live);
      assertThat(row.getJsonObject("scan_state").getJsonObject(column).getInteger("accepted")).isEqualTo((int) live);
      assertThat(Boolean.TRUE.equals(row.getJsonObject("data").getBoolean("checked_in"))).isEqualTo(live == 1);
      assertThat(row.getJsonObject("data").getString("gate")).isEqualTo(live == 1 ? "late" : null);
    }
    assertThat(database.count("SELECT sum(accepted) FROM scan_counters WHERE column_id = '" + column + "'"))
        .isEqualTo(database.count("SELECT count(*) FROM scan_history WHERE decision = 'accepted' AND undone_at IS NULL"
            + " AND column_id = '" + column + "'"));
  }
}
