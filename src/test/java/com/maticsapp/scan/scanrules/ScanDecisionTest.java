package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Each mode and rule decides as docs/scan-rules.md says, alone and within one statement (a batch). */
class ScanDecisionTest extends ServiceTest {

  private JsonObject scanOf(String tableId, String barcode) {
    return Fixtures.scan(tableId, "ticket", barcode);
  }

  private JsonObject record(JsonObject scan) {
    HttpResponse<Buffer> response = service.post("/api/scans", scan);
    assertThat(response.statusCode()).as(response.bodyAsString()).isIn(200, 201);
    return response.bodyAsJsonObject();
  }

  private JsonObject row(String tableId, String rowId) {
    return service.get("/api/tables/" + tableId + "/rows/" + rowId).bodyAsJsonObject();
  }

  private JsonObject onceTable() {
    return fixtures.eventTable(new JsonObject().put("mode", "once")
        .put("display_columns", new JsonArray().add("name"))
        .put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "checked_in").put("value", true))
            .add(new JsonObject().put("column", "checked_in_at").put("from", "scanned_at"))
            .add(new JsonObject().put("column", "checked_in_by").put("from", "scanner"))
            .add(new JsonObject().put("column", "gate").put("from", "device"))));
  }

  @Test
  void onceAcceptsTheFirstScanAppliesItsActionsAndRefusesTheNextWithTheEarlierScan() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "T-1").put("name", "Ada")).getString("id");

    JsonObject first = record(scanOf(tableId, "t-1").put("device_id", "door-1").put("scanned_at", "2026-12-02T18:00:00Z"));
    assertThat(first.getString("decision")).isEqualTo("accepted");
    assertThat(first.getJsonArray("cell_changes").stream().map(c -> ((JsonObject) c).getString("column")).toList())
        .containsExactly("checked_in", "checked_in_at", "checked_in_by", "gate");
    JsonObject afterFirst = row(tableId, rowId);
    assertThat(afterFirst.getJsonObject("data").getBoolean("checked_in")).isTrue();
    assertThat(afterFirst.getJsonObject("data").getString("checked_in_at")).isEqualTo("2026-12-02T18:00:00.000000Z");
    assertThat(afterFirst.getJsonObject("data").getString("checked_in_by")).isEqualTo("user-1");
    assertThat(afterFirst.getJsonObject("data").getString("gate")).isEqualTo("door-1");
    assertThat(afterFirst.getInteger("scan_count")).isEqualTo(1);

    JsonObject second = record(scanOf(tableId, "T-1").put("device_id", "door-2"));
    assertThat(second.getString("decision")).isEqualTo("already_scanned");
    assertThat(second.getString("status")).isEqualTo("success");
    JsonObject earlier = second.getJsonObject("decision_detail").getJsonObject("earlier_scan");
    assertThat(earlier.getString("id")).isEqualTo(first.getString("id"));
    assertThat(earlier.getString("device_id")).isEqualTo("door-1");
    assertThat(earlier.getString("scanned_by")).isEqualTo("user-1");
    assertThat(earlier.getString("scanned_at")).isEqualTo("2026-12-02T18:00:00.000000Z");
    assertThat(second.getJsonArray("cell_changes")).isEmpty();

    JsonObject afterSecond = row(tableId, rowId);
    assertThat(afterSecond.getInteger("scan_count")).isEqualTo(1);
    assertThat(afterSecond.getJsonObject("data")).isEqualTo(afterFirst.getJsonObject("data"));
    assertThat(afterSecond.getString("updated_at")).isEqualTo(afterFirst.getString("updated_at"));
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isEqualTo(2);
  }

  @Test
  void oneStatementAcceptsOneOfManyScansOfTheSameOnceTicket() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "B-1")).getString("id");
    JsonArray scans = new JsonArray();
    for (int i = 0; i < 10; i++) {
      scans.add(scanOf(tableId, "B-1").put("device_id", "d" + i));
    }
    HttpResponse<Buffer> batch = service.post("/api/scans/batch", new JsonObject().put("scans", scans));
    assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(200);
    List<String> decisions = batch.bodyAsJsonObject().getJsonArray("results").stream()
        .map(r -> ((JsonObject) r).getJsonObject("scan").getString("decision")).toList();
    assertThat(decisions.get(0)).isEqualTo("accepted");
    assertThat(decisions.subList(1, 10)).containsOnly("already_scanned");
    assertThat(row(tableId, rowId).getInteger("scan_count")).isEqualTo(1);
  }

  @Test
  void entryExitTogglesAndRefusesAnEntryWhileInside() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "entry_exit"));
    String tableId = table.getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "E-1")).getString("id");
    String column = Fixtures.columnId(table, "ticket");

    JsonObject in = record(scanOf(tableId, "E-1"));
    assertThat(in.getString("decision")).isEqualTo("accepted");
    assertThat(in.getString("direction")).isEqualTo("entry");
    assertThat(record(scanOf(tableId, "E-1").put("direction", "entry")).getString("decision")).isEqualTo("already_inside");
    JsonObject out = record(scanOf(tableId, "E-1"));
    assertThat(out.getString("direction")).isEqualTo("exit");
    assertThat(out.getString("decision")).isEqualTo("accepted");
    assertThat(record(scanOf(tableId, "E-1").put("direction", "exit")).getString("decision")).isEqualTo("not_inside");
    JsonObject state = row(tableId, rowId).getJsonObject("scan_state").getJsonObject(column);
    assertThat(state.getBoolean("inside")).isFalse();
    assertThat(state.getInteger("accepted")).isEqualTo(2);
    assertThat(state.getString("last_scan_id")).isEqualTo(out.getString("id"));

    // Toggles in one batch are decided one after the other (later ones in later statements).
    JsonArray toggles = new JsonArray();
    for (int i = 0; i < 5; i++) {
      toggles.add(scanOf(tableId, "E-1"));
    }
    JsonArray results = service.post("/api/scans/batch", new JsonObject().put("scans", toggles)).bodyAsJsonObject().getJsonArray("results");
    assertThat(results.stream().map(r -> ((JsonObject) r).getJsonObject("scan").getString("direction")).toList())
        .containsExactly("entry", "exit", "entry", "exit", "entry");
    assertThat(results.stream().map(r -> ((JsonObject) r).getJsonObject("scan").getString("decision")).toList()).containsOnly("accepted");
    assertThat(row(tableId, rowId).getJsonObject("scan_state").getJsonObject(column).getBoolean("inside")).isTrue();
  }

  @Test
  void theWindowAndTheConditionsRefuseWithTheirReason() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once")
        .put("valid_from", "2026-12-01T00:00:00Z").put("valid_until", "2026-12-03T00:00:00Z")
        .put("accept_if", new JsonArray()
            .add(new JsonObject().put("column", "paid").put("op", "is_true"))
            .add(new JsonObject().put("column", "ticket_type").put("op", "in").put("values", new JsonArray().add("VIP").add("Staff")))));
    String tableId = table.getString("id");
    String unpaid = fixtures.row(tableId, new JsonObject().put("ticket", "R-1").put("paid", false).put("ticket_type", "VIP")).getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "R-2").put("paid", true).put("ticket_type", "Guest"));
    fixtures.row(tableId, new JsonObject().put("ticket", "R-3").put("paid", true).put("ticket_type", "Staff"));

    assertThat(record(scanOf(tableId, "R-3").put("scanned_at", "2026-11-30T23:59:59Z")).getString("decision")).isEqualTo("outside_window");
    assertThat(record(scanOf(tableId, "R-3").put("scanned_at", "2026-12-03T00:00:00Z")).getString("decision")).isEqualTo("outside_window");
    JsonObject refused = record(scanOf(tableId, "R-1").put("scanned_at", "2026-12-02T10:00:00Z"));
    assertThat(refused.getString("decision")).isEqualTo("rule");
    assertThat(refused.getJsonObject("decision_detail").getJsonObject("failed_condition"))
        .isEqualTo(new JsonObject().put("column", "paid").put("op", "is_true").put("index", 0));
    JsonObject guest = record(scanOf(tableId, "R-2").put("scanned_at", "2026-12-02T10:00:00Z"));
    assertThat(guest.getJsonObject("decision_detail").getJsonObject("failed_condition").getInteger("index")).isEqualTo(1);
    assertThat(record(scanOf(tableId, "R-3").put("scanned_at", "2026-12-02T10:00:00Z")).getString("decision")).isEqualTo("accepted");
    assertThat(row(tableId, unpaid).getInteger("scan_count")).isZero();
    assertThat(record(scanOf(tableId, "nobody").put("scanned_at", "2026-12-02T10:00:00Z")).getString("decision")).isEqualTo("not_found");
  }

  @Test
  void aScanMatchingTwoRowsIsAmbiguousUntilTheRowIsChosen() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String first = fixtures.row(tableId, new JsonObject().put("ticket", "DUP").put("name", "One").put("email", "a@b.c")).getString("id");
    String second = fixtures.row(tableId, new JsonObject().put("ticket", "DUP").put("name", "Two")).getString("id");

    JsonObject ambiguous = record(scanOf(tableId, "DUP"));
    assertThat(ambiguous.getString("decision")).isEqualTo("ambiguous");
    assertThat(ambiguous.getJsonObject("decision_detail").getJsonArray("candidates")).containsExactly(
        new JsonObject().put("id", first).put("display", new JsonObject().put("name", "One")),
        new JsonObject().put("id", second).put("display", new JsonObject().put("name", "Two")));
    assertThat(row(tableId, first).getInteger("scan_count")).isZero();

    JsonObject chosen = record(scanOf(tableId, "DUP").put("row_id", second));
    assertThat(chosen.getString("decision")).isEqualTo("accepted");
    assertThat(chosen.getJsonArray("matched_row_ids")).containsExactly(second);
    assertThat(row(tableId, second).getInteger("scan_count")).isEqualTo(1);
    assertThat(row(tableId, first).getInteger("scan_count")).isZero();
  }

  @Test
  void anInputIsCheckedAgainstItsColumnAndWrittenWhenItFits() {
    JsonObject table = fixtures.eventTable(new JsonObject()
        .put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "seats").put("from", "input"))
            .add(new JsonObject().put("column", "gate").put("from", "input").put("input", "where"))));
    String tableId = table.getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "I-1")).getString("id");

    JsonObject refused = record(scanOf(tableId, "I-1").put("inputs", new JsonObject().put("seats", "two")));
    assertThat(refused.getString("decision")).isEqualTo("invalid_input");
    assertThat(refused.getJsonObject("decision_detail").getString("input")).isEqualTo("seats");
    assertThat(row(tableId, rowId).getJsonObject("data").containsKey("seats")).isFalse();

    JsonObject accepted = record(scanOf(tableId, "I-1").put("inputs", new JsonObject().put("seats", 3).put("where", "Hall B")));
    assertThat(accepted.getString("decision")).isEqualTo("accepted");
    assertThat(row(tableId, rowId).getJsonObject("data")).isEqualTo(new JsonObject().put("ticket", "I-1").put("seats", 3).put("gate", "Hall B"));
    // Without the input the cell is left alone.
    assertThat(record(scanOf(tableId, "I-1")).getString("decision")).isEqualTo("accepted");
    assertThat(row(tableId, rowId).getJsonObject("data").getInteger("seats")).isEqualTo(3);
    assertThat(row(tableId, rowId).getInteger("scan_count")).isEqualTo(2);
  }

  @Test
  void anActionThatWritesABarcodeKeepsTheIndexInStep() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once")
        .put("on_accept", new JsonArray().add(new JsonObject().put("column", "ticket").put("value", "USED-1"))));
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "NEW-1"));
    assertThat(record(scanOf(tableId, "NEW-1")).getString("decision")).isEqualTo("accepted");
    assertThat(record(scanOf(tableId, "NEW-1")).getString("decision")).isEqualTo("not_found");
    assertThat(record(scanOf(tableId, "USED-1")).getString("decision")).isEqualTo("already_scanned");
  }

  @Test
  void aPlainCountColumnCountsEveryMatchedRowAsBefore() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String a = fixtures.row(tableId, new JsonObject().put("code", "C-1")).getString("id");
    String b = fixtures.row(tableId, new JsonObject().put("code", "C-1")).getString("id");
    JsonArray scans = new JsonArray().add(Fixtures.scan(tableId, "code", "C-1")).add(Fixtures.scan(tableId, "code", "C-1"));
    HttpResponse<Buffer> batch = service.post("/api/scans/batch", new JsonObject().put("scans", scans));
    assertThat(batch.bodyAsJsonObject().getJsonArray("results").stream()
        .map(r -> ((JsonObject) r).getJsonObject("scan").getString("decision")).toList()).containsOnly("accepted");
    assertThat(row(tableId, a).getInteger("scan_count")).isEqualTo(2);
    assertThat(row(tableId, b).getInteger("scan_count")).isEqualTo(2);
    assertThat(row(tableId, a).getJsonObject("scan_state").getJsonObject(Fixtures.columnId(table, "code")).getInteger("accepted")).isEqualTo(2);
  }

  @Test
  void aReplayChangesNothing() {
    JsonObject table = onceTable();
    String tableId = table.getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "P-1")).getString("id");
    JsonObject scan = scanOf(tableId, "P-1").put("id", UUID.randomUUID().toString());
    JsonObject first = record(scan);
    HttpResponse<Buffer> replay = service.post("/api/scans", scan);
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.bodyAsJsonObject()).isEqualTo(first);
    assertThat(row(tableId, rowId).getInteger("scan_count")).isEqualTo(1);
  }
}
