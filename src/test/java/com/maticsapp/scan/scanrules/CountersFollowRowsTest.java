package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The door's numbers count live rows: a row archived or deleted leaves rows in scope, rows
 * accepted and inside, a row restored comes back; scans stay counted, and undoing a scan of a
 * row that is gone or archived does not count the row twice. A row's scan_count keeps its scans.
 */
class CountersFollowRowsTest extends ServiceTest {

  private JsonObject status(JsonObject table) {
    return fixtures.scanStatus(table, "ticket");
  }

  private JsonObject scan(String tableId, String barcode) {
    HttpResponse<Buffer> response = service.post("/api/scans", Fixtures.scan(tableId, "ticket", barcode));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  private void archive(String tableId, String rowId, boolean archived) {
    HttpResponse<Buffer> patched = service.patch("/api/tables/" + tableId + "/rows/" + rowId, new JsonObject().put("is_archived", archived));
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
  }

  private JsonObject row(String tableId, String rowId) {
    return service.get("/api/tables/" + tableId + "/rows/" + rowId).bodyAsJsonObject();
  }

  private static void numbers(JsonObject status, long inScope, long rowsAccepted, long inside, long accepted) {
    assertThat(status.getLong("rows_in_scope")).as("rows_in_scope").isEqualTo(inScope);
    assertThat(status.getLong("rows_accepted")).as("rows_accepted").isEqualTo(rowsAccepted);
    assertThat(status.getLong("inside")).as("inside").isEqualTo(inside);
    assertThat(status.getLong("accepted")).as("accepted").isEqualTo(accepted);
  }

  @Test
  void archivingAndRestoringAnAcceptedRowMovesItOutOfTheNumbersAndBack() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "entry_exit"));
    String tableId = table.getString("id");
    String a = fixtures.row(tableId, new JsonObject().put("ticket", "CF-A")).getString("id");
    String b = fixtures.row(tableId, new JsonObject().put("ticket", "CF-B")).getString("id");
    scan(tableId, "CF-A");
    scan(tableId, "CF-B");
    scan(tableId, "CF-B"); // B went out again
    numbers(status(table), 2, 2, 1, 3);

    archive(tableId, a, true);
    numbers(status(table), 1, 1, 0, 3);
    assertThat(row(tableId, a).getInteger("scan_count")).as("the row keeps its scans").isEqualTo(1);
    archive(tableId, b, true);
    numbers(status(table), 0, 0, 0, 3);
    archive(tableId, a, false);
    numbers(status(table), 1, 1, 1, 3);
    archive(tableId, b, false);
    numbers(status(table), 2, 2, 1, 3);
    // Archiving twice (no change) changes nothing.
    archive(tableId, a, true);
    archive(tableId, a, true);
    numbers(status(table), 1, 1, 0, 3);
  }

  @Test
  void deletingRowsTakesThemOutOfTheNumbers() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "entry_exit"));
    String tableId = table.getString("id");
    String a = fixtures.row(tableId, new JsonObject().put("ticket", "CD-A")).getString("id");
    String b = fixtures.row(tableId, new JsonObject().put("ticket", "CD-B")).getString("id");
    String c = fixtures.row(tableId, new JsonObject().put("ticket", "CD-C")).getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "CD-D"));
    scan(tableId, "CD-A");
    scan(tableId, "CD-B");
    scan(tableId, "CD-C");
    numbers(status(table), 4, 3, 3, 3);
    archive(tableId, c, true); // already out of the numbers: deleting it takes nothing more
    numbers(status(table), 3, 2, 2, 3);

    assertThat(service.client().delete("/api/tables/" + tableId + "/rows/" + a).send().await().statusCode()).isEqualTo(200);
    numbers(status(table), 2, 1, 1, 3);
    HttpResponse<Buffer> deleted = service.post("/api/tables/" + tableId + "/rows/delete",
        new JsonObject().put("row_ids", new JsonArray().add(b).add(c)));
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(200);
    numbers(status(table), 1, 0, 0, 3);
  }

  @Test
  void undoingAScanOfAnArchivedOrDeletedRowDoesNotCountTheRowTwice() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    String a = fixtures.row(tableId, new JsonObject().put("ticket", "CU-A")).getString("id");
    String b = fixtures.row(tableId, new JsonObject().put("ticket", "CU-B")).getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "CU-C"));
    String scanA = scan(tableId, "CU-A").getString("id");
    String scanB = scan(tableId, "CU-B").getString("id");
    scan(tableId, "CU-C");
    numbers(status(table), 3, 3, 0, 3);

    archive(tableId, a, true);
    assertThat(service.post("/api/scans/" + scanA + "/undo", new JsonObject()).statusCode()).isEqualTo(200);
    numbers(status(table), 2, 2, 0, 2);
    assertThat(row(tableId, a).getInteger("scan_count")).isZero();
    archive(tableId, a, false); // back, not accepted any more
    numbers(status(table), 3, 2, 0, 2);

    assertThat(service.client().delete("/api/tables/" + tableId + "/rows/" + b).send().await().statusCode()).isEqualTo(200);
    numbers(status(table), 2, 1, 0, 2);
    assertThat(service.post("/api/scans/" + scanB + "/undo", new JsonObject()).statusCode()).isEqualTo(200);
    numbers(status(table), 2, 1, 0, 1);
  }
}
