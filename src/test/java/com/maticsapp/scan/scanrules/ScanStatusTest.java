package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The door's numbers follow every decision and undo, kept by the statements themselves. */
class ScanStatusTest extends ServiceTest {

  private JsonObject status(JsonObject table) {
    return fixtures.scanStatus(table, "ticket");
  }

  private JsonObject scan(String tableId, String barcode) {
    return service.post("/api/scans", Fixtures.scan(tableId, "ticket", barcode)).bodyAsJsonObject();
  }

  @Test
  void theNumbersCountRowsAcceptedRefusalsByReasonAndTheLastHour() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    for (int i = 0; i < 4; i++) {
      fixtures.row(tableId, new JsonObject().put("ticket", "S-" + i));
    }
    fixtures.row(tableId, new JsonObject().put("name", "no ticket"));
    JsonObject empty = status(table);
    assertThat(empty.getLong("rows_in_scope")).isEqualTo(4);
    assertThat(empty.getLong("accepted")).isZero();
    assertThat(empty.getString("last_scan_at")).isNull();

    String first = scan(tableId, "S-0").getString("id");
    scan(tableId, "S-1");
    scan(tableId, "S-1");
    scan(tableId, "S-0");
    scan(tableId, "nope");
    assertThat(service.post("/api/scans/" + first + "/undo", new JsonObject()).statusCode()).isEqualTo(200);

    JsonObject numbers = status(table);
    assertThat(numbers.getLong("rows_in_scope")).isEqualTo(4);
    assertThat(numbers.getLong("rows_accepted")).isEqualTo(1);
    assertThat(numbers.getLong("accepted")).isEqualTo(1);
    assertThat(numbers.getLong("undone")).isEqualTo(1);
    assertThat(numbers.getLong("refused")).isEqualTo(3);
    assertThat(numbers.getJsonObject("refused_by_reason"))
        .isEqualTo(new JsonObject().put("already_scanned", 2).put("not_found", 1));
    assertThat(numbers.getString("last_scan_at")).isNotNull();
    assertThat(numbers.getJsonArray("accepted_per_minute")).hasSize(60);
    long lastHour = numbers.getJsonArray("accepted_per_minute").stream()
        .mapToLong(m -> ((JsonObject) m).getLong("accepted")).sum();
    assertThat(lastHour).isEqualTo(2); // accepted when stored; an undo does not rewrite the minute
    // Archiving a row takes it out of scope.
    String rowId = service.get("/api/tables/" + tableId + "/rows").bodyAsJsonObject().getJsonArray("rows").getJsonObject(3).getString("id");
    service.patch("/api/tables/" + tableId + "/rows/" + rowId, new JsonObject().put("is_archived", true));
    assertThat(status(table).getLong("rows_in_scope")).isEqualTo(3);
  }

  @Test
  void insideFollowsEntriesAndExits() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "entry_exit"));
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "IN-1"));
    fixtures.row(tableId, new JsonObject().put("ticket", "IN-2"));
    scan(tableId, "IN-1");
    scan(tableId, "IN-2");
    scan(tableId, "IN-1");
    JsonObject numbers = status(table);
    assertThat(numbers.getString("mode")).isEqualTo("entry_exit");
    assertThat(numbers.getLong("inside")).isEqualTo(1);
    assertThat(numbers.getLong("rows_accepted")).isEqualTo(2);
    assertThat(numbers.getLong("accepted")).isEqualTo(3);
  }

  @Test
  void onlyReadersOfTheTableSeeTheNumbers() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    String path = "/api/tables/" + table.getString("id") + "/scan-status?column_id=" + Fixtures.columnId(table, "ticket");
    assertThat(service.clientWithToken(Tokens.user("status-stranger")).get(path).send().await().statusCode()).isEqualTo(404);
    assertThat(service.get("/api/tables/" + table.getString("id") + "/scan-status?column_id=" + Fixtures.columnId(table, "name"))
        .statusCode()).isEqualTo(422);
    assertThat(service.get("/api/tables/" + table.getString("id") + "/scan-status").statusCode()).isEqualTo(422);
  }
}
