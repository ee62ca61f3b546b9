package com.maticsapp.scan.sync;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.PhoneCopy;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A barcode column's offline copy over HTTP against a real PostgreSQL: the snapshot holds
 * exactly the live rows with a value in the column (values, rule and display cells, scan
 * state); deltas after each kind of write hold exactly the changed rows and tombstones; a copy
 * brought up to date by deltas equals a fresh snapshot.
 */
class SnapshotDeltaTest extends ServiceTest {

  /** Small pages, so a snapshot of a few dozen rows is several statements. */
  @Override
  protected Map<String, String> environment() {
    return Map.of("SYNC_SNAPSHOT_PAGE_ROWS", "10");
  }

  /** A ticket table: "code" with rules naming paid and name, plus cells a phone must not get. */
  private JsonObject ticketTable() {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", fixtures.workspace())
        .put("name", "Tickets")
        .put("columns", new JsonArray()
            .add(new JsonObject().put("name", "code").put("column_type", "barcode")
                .put("settings", new JsonObject().put("mode", "once")
                    .put("display_columns", new JsonArray().add("name"))
                    .put("accept_if", new JsonArray().add(new JsonObject().put("column", "paid").put("op", "is_true")))))
            .add(new JsonObject().put("name", "alt").put("column_type", "barcode"))
            .add(new JsonObject().put("name", "name").put("column_type", "text"))
            .add(new JsonObject().put("name", "paid").put("column_type", "boolean"))
            .add(new JsonObject().put("name", "secret").put("column_type", "text"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  private JsonObject row(String tableId, String code, String name) {
    return fixtures.row(tableId, new JsonObject().put("code", code).put("name", name).put("paid", true).put("secret", "s-" + code));
  }

  @Test
  void theSnapshotHoldsTheLiveRowsOfTheColumnWithTheirCellsAndState() {
    JsonObject table = ticketTable();
    String tableId = table.getString("id");
    String code = Fixtures.columnId(table, "code");
    for (int i = 0; i < 25; i++) {
      row(tableId, " TCK-" + i + " ", "Guest " + i);
    }
    fixtures.row(tableId, new JsonObject().put("alt", "ONLY-ALT").put("name", "no code"));
    String archived = row(tableId, "TCK-ARCHIVED", "Gone").getString("id");
    assertThat(service.patch("/api/tables/" + tableId + "/rows/" + archived, new JsonObject().put("is_archived", true)).statusCode())
        .isEqualTo(200);

    PhoneCopy copy = PhoneCopy.download(service.client(), tableId, code, "phone-a");

    assertThat(copy.rows()).hasSize(25);
    JsonObject first = copy.rowWithValue("tck-0");
    assertThat(first.getJsonArray("values")).containsExactly("tck-0");
    assertThat(first.getJsonObject("cells")).isEqualTo(new JsonObject().put("name", "Guest 0").put("paid", true));
    assertThat(first.getInteger("scan_count")).isZero();
    assertThat(first.getJsonObject("state")).isEqualTo(new JsonObject());
    assertThat(copy.column().getString("name")).isEqualTo("code");
    assertThat(copy.column().getJsonObject("settings").getString("mode")).isEqualTo("once");
    assertThat(copy.column().getJsonObject("column_types")).isEqualTo(new JsonObject().put("name", "text").put("paid", "boolean"));
    assertThat(copy.rowWithValue("tck-archived")).isNull();
    assertThat(copy.rowWithValue("only-alt")).isNull();

    assertThat(database.text("SELECT last_sync_column::text FROM devices WHERE device_id = 'phone-a'")).isEqualTo(code);
    assertThat(database.text("SELECT app_version FROM devices WHERE device_id = 'phone-a'")).isEqualTo("test-1.0");
  }

  @Test
  void aSnapshotIsPlainJsonWhenTheClientDoesNotAskForGzip() {
    JsonObject table = ticketTable();
    String tableId = table.getString("id");
    row(tableId, "PLAIN-1", "Plain");
    HttpResponse<Buffer> plain = service.get("/api/tables/" + tableId + "/columns/" + Fixtures.columnId(table, "code") + "/snapshot");
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.getHeader("Content-Encoding")).isNull();
    JsonObject body = plain.bodyAsJsonObject();
    assertThat(body.getJsonArray("rows")).hasSize(1);
    assertThat(body.getLong("row_count")).isEqualTo(1);
    assertThat(body.getString("table_id")).isEqualTo(tableId);
  }

  @Test
  void deltasHoldExactlyTheChangedRowsAndTombstonesAndConvergeOnAFreshSnapshot() {
    JsonObject table = ticketTable();
    String tableId = table.getString("id");
    String code = Fixtures.columnId(table, "code");
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add(row(tableId, "CONV-" + i, "Guest " + i).getString("id"));
    }
    PhoneCopy phone = PhoneCopy.download(service.client(), tableId, code, "phone-conv");
    assertThat(phone.rows()).hasSize(30);

    // Nothing changed: an empty delta, and the cursor still works.
    JsonObject quiet = phone.sync();
    assertThat(quiet.getJsonArray("rows")).isEmpty();
    assertThat(quiet.getJsonArray("removed_rows")).isEmpty();

    // An insert, a cell edit, an edit of a cell the phone does not hold, an archive.
    String added = row(tableId, "CONV-NEW", "Newcomer").getString("id");
    patch(tableId, ids.get(1), new JsonObject().put("data", new JsonObject().put("name", "Renamed")));
    patch(tableId, ids.get(2), new JsonObject().put("data", new JsonObject().put("secret", "changed")));
    patch(tableId, ids.get(3), new JsonObject().put("is_archived", true));
    JsonObject delta = phone.sync();
    assertThat(idsOf(delta.getJsonArray("rows"))).containsExactlyInAnyOrder(added, ids.get(1), ids.get(2));
    assertThat(delta.getJsonArray("removed_rows")).containsExactly(ids.get(3));
    assertThat(delta.getJsonArray("removed_values")).isEmpty();
    assertThat(phone.rows().get(ids.get(1)).getJsonObject("cells").getString("name")).isEqualTo("Renamed");

    // A barcode change: the old value is named as removed; a cleared code takes the row out.
    patch(tableId, ids.get(4), new JsonObject().put("data", new JsonObject().put("code", "CONV-4-REPRINT")));
    patch(tableId, ids.get(5), new JsonObject().put("data", new JsonObject().putNull("code")));
    delta = phone.sync();
    assertThat(idsOf(delta.getJsonArray("rows"))).containsExactly(ids.get(4));
    assertThat(delta.getJsonArray("removed_values"))
        .containsExactly(new JsonObject().put("row_id", ids.get(4)).put("value", "conv-4"));
    assertThat(delta.getJsonArray("removed_rows")).containsExactly(ids.get(5));

    // Scan-state changes: an accepted scan changes the row's state and counters.
    HttpResponse<Buffer> scanned = service.post("/api/scans", Fixtures.scan(tableId, "code", "CONV-6"));
    assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
    delta = phone.sync();
    assertThat(idsOf(delta.getJsonArray("rows"))).containsExactly(ids.get(6));
    assertThat(phone.rows().get(ids.get(6)).getInteger("scan_count")).isEqualTo(1);

    // A delete at a psql prompt (no route deletes rows): a tombstone all the same.
    database.execute("DELETE FROM table_rows WHERE id = '" + ids.get(7) + "'");
    delta = phone.sync();
    assertThat(delta.getJsonArray("rows")).isEmpty();
    assertThat(delta.getJsonArray("removed_rows")).containsExactly(ids.get(7));

    PhoneCopy fresh = PhoneCopy.download(service.client(), tableId, code, null);
    assertThat(phone.rows()).isEqualTo(fresh.rows());
  }

  @Test
  void aCopyWhoseColumnsChangedOrWhoseCursorIsUnknownMustBeDownloadedAgain() {
    JsonObject table = ticketTable();
    String tableId = table.getString("id");
    String code = Fixtures.columnId(table, "code");
    row(tableId, "STALE-1", "One");
    PhoneCopy phone = PhoneCopy.download(service.client(), tableId, code, null);

    HttpResponse<Buffer> rules = service.patch("/api/tables/" + tableId + "/columns/" + code,
        new JsonObject().put("settings", new JsonObject().put("display_columns", new JsonArray().add("name").add("secret"))));
    assertThat(rules.statusCode()).as(rules.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> stale = phone.get(phone.cursor());
    assertThat(stale.statusCode()).as(stale.bodyAsString()).isEqualTo(410);
    assertThat(stale.bodyAsJsonObject().getString("detail")).contains("changed").contains("snapshot");

    PhoneCopy again = PhoneCopy.download(service.client(), tableId, code, null);
    assertThat(again.rowWithValue("stale-1").getJsonObject("cells").getString("secret")).isEqualTo("s-STALE-1");

    String foreign = new com.maticsapp.scan.contract.SyncCursor(java.util.UUID.fromString(code), "999999999999:999999999999:").encode();
    HttpResponse<Buffer> future = again.get(foreign);
    assertThat(future.statusCode()).as(future.bodyAsString()).isEqualTo(410);

    HttpResponse<Buffer> garbage = again.get("not-a-cursor");
    assertThat(garbage.statusCode()).isEqualTo(422);
    assertThat(garbage.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("since");

    String otherColumn = new com.maticsapp.scan.contract.SyncCursor(java.util.UUID.fromString(Fixtures.columnId(table, "alt")), "1:1:").encode();
    assertThat(again.get(otherColumn).statusCode()).isEqualTo(422);
  }

  @Test
  void aCursorOlderThanThePrunedChangesIsAnsweredTooOld() {
    JsonObject table = ticketTable();
    String tableId = table.getString("id");
    String code = Fixtures.columnId(table, "code");
    String rowId = row(tableId, "PRUNE-1", "One").getString("id");
    PhoneCopy phone = PhoneCopy.download(service.client(), tableId, code, null);
    patch(tableId, rowId, new JsonObject().put("data", new JsonObject().put("name", "Changed")));
    // What pruning leaves behind: the change is gone, the horizon says so.
    database.execute("INSERT INTO table_change_horizons (table_id, pruned_through) "
        + "SELECT table_id, max(changed_xid::text::bigint)::text::xid8 FROM table_changes WHERE table_id = '" + tableId + "' GROUP BY table_id",
        "DELETE FROM table_changes WHERE table_id = '" + tableId + "'");
    HttpResponse<Buffer> old = phone.get(phone.cursor());
    assertThat(old.statusCode()).as(old.bodyAsString()).isEqualTo(410);
    assertThat(old.bodyAsJsonObject().getString("detail")).contains("older");
  }

  @Test
  void readersGetTheCopyAndOthersDoNot() {
    JsonObject table = ticketTable();
    String tableId = table.getString("id");
    String code = Fixtures.columnId(table, "code");
    String path = "/api/tables/" + tableId + "/columns/" + code + "/snapshot";
    assertThat(asUser("stranger").get(path).send().await().statusCode()).isEqualTo(404);
    String workspaceId = service.get("/api/tables/" + tableId).bodyAsJsonObject().getString("workspace_id");
    service.client().put("/api/workspaces/" + workspaceId + "/members/viewer-1")
        .sendJsonObject(new JsonObject().put("role", "viewer")).await();
    assertThat(asUser("viewer-1").get(path).send().await().statusCode()).isEqualTo(200);
    assertThat(service.get("/api/tables/" + tableId + "/columns/" + Fixtures.columnId(table, "name") + "/snapshot").statusCode())
        .isEqualTo(422);
    assertThat(service.get("/api/tables/" + tableId + "/columns/" + java.util.UUID.randomUUID() + "/snapshot").statusCode())
        .isEqualTo(404);
  }

  private io.vertx.ext.web.client.WebClient asUser(String userId) {
    return service.clientWithToken(com.maticsapp.scan.support.Tokens.user(userId));
  }

  private void patch(String tableId, String rowId, JsonObject change) {
    HttpResponse<Buffer> patched = service.patch("/api/tables/" + tableId + "/rows/" + rowId, change);
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
  }

  private static Set<String> idsOf(JsonArray rows) {
    return rows.stream().map(row -> ((JsonObject) row).getString("id")).collect(Collectors.toSet());
  }
}
