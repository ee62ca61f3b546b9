package com.maticsapp.scan.sync;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.PhoneCopy;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A guest's offline copy and its device: a guest reads only its own column's snapshot, and of
 * each row only the display and rule cells; its device is listed for editors, and revoking it
 * stops the guest token at its next request.
 */
class GuestSnapshotTest extends ServiceTest {

  private JsonObject table() {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", fixtures.workspace())
        .put("name", "Gala")
        .put("columns", new JsonArray()
            .add(new JsonObject().put("name", "code").put("column_type", "barcode")
                .put("settings", new JsonObject().put("mode", "once")
                    .put("display_columns", new JsonArray().add("name"))
                    .put("accept_if", new JsonArray().add(new JsonObject().put("column", "ticket_type").put("op", "in")
                        .put("values", new JsonArray().add("VIP").add("Staff"))))))
            .add(new JsonObject().put("name", "backstage").put("column_type", "barcode"))
            .add(new JsonObject().put("name", "name").put("column_type", "text"))
            .add(new JsonObject().put("name", "ticket_type").put("column_type", "text"))
            .add(new JsonObject().put("name", "email").put("column_type", "email"))
            .add(new JsonObject().put("name", "notes").put("column_type", "text"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  @Test
  void aGuestReadsOnlyItsColumnAndOnlyDisplayAndRuleCells() {
    JsonObject table = table();
    String tableId = table.getString("id");
    for (int i = 0; i < 5; i++) {
      fixtures.row(tableId, new JsonObject().put("code", "G-" + i).put("backstage", "B-" + i).put("name", "Guest " + i)
          .put("ticket_type", i % 2 == 0 ? "VIP" : "Regular").put("email", "g" + i + "@example.com").put("notes", "private " + i));
    }
    JsonObject guest = fixtures.guest(tableId, "code", "guest-phone-1");
    WebClient client = service.clientWithToken(guest.getString("token"));

    PhoneCopy copy = PhoneCopy.download(client, tableId, Fixtures.columnId(table, "code"), null);
    assertThat(copy.rows()).hasSize(5);
    copy.rows().values().forEach(row -> assertThat(row.getJsonObject("cells").fieldNames())
        .containsExactlyInAnyOrder("name", "ticket_type"));
    // Only the guest's column's values travel: the backstage codes (B-n) are neither values nor cells.
    copy.rows().values().forEach(row -> assertThat(row.getJsonArray("values").getList())
        .singleElement().asString().startsWith("g-"));
    assertThat(copy.rows().toString()).doesNotContain("private").doesNotContain("@example.com");
    String cells = new JsonArray(copy.rows().values().stream().map(row -> row.getJsonObject("cells")).toList()).encode();
    assertThat(cells).doesNotContain("private").doesNotContain("@example.com").doesNotContainIgnoringCase("b-");
    assertThat(copy.column().getJsonObject("column_types").fieldNames()).containsExactlyInAnyOrder("name", "ticket_type");
    assertThat(copy.sync().getJsonArray("rows")).isEmpty();

    HttpResponse<Buffer> other = client.get("/api/tables/" + tableId + "/columns/" + Fixtures.columnId(table, "backstage") + "/snapshot")
        .send().await();
    assertThat(other.statusCode()).as(other.bodyAsString()).isEqualTo(403);
    HttpResponse<Buffer> otherTable = client.get("/api/tables/" + table().getString("id") + "/columns/"
        + Fixtures.columnId(table, "code") + "/snapshot").send().await();
    assertThat(otherTable.statusCode()).isEqualTo(404);
    assertThat(client.get("/api/tables/" + tableId + "/rows").send().await().statusCode()).isEqualTo(403);
  }

  @Test
  void editorsListDevicesAndRevokingAGuestsDeviceStopsItsTokenAtTheNextRequest() {
    JsonObject table = table();
    String tableId = table.getString("id");
    String codeColumn = Fixtures.columnId(table, "code");
    fixtures.row(tableId, new JsonObject().put("code", "DEV-1").put("name", "One").put("ticket_type", "VIP"));
    JsonObject guest = fixtures.guest(tableId, "code", "door-phone");
    JsonObject unnamed = fixtures.guest(tableId, "code", null);
    assertThat(unnamed.getString("device_id")).startsWith("device-");
    WebClient phone = service.clientWithToken(guest.getString("token"));

    HttpResponse<Buffer> scanned = phone.post("/api/scans").sendJsonObject(Fixtures.scan(tableId, "code", "DEV-1")
        .put("device_id", "something-else")).await();
    assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
    assertThat(scanned.bodyAsJsonObject().getString("device_id")).as("a guest scans as its token's device").isEqualTo("door-phone");
    PhoneCopy.download(phone, tableId, codeColumn, null);
    // A user's own phone, seen when it syncs.
    PhoneCopy.download(service.client(), tableId, codeColumn, "editor-tablet");

    HttpResponse<Buffer> listed = service.get("/api/tables/" + tableId + "/devices");
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    JsonObject door = device(listed.bodyAsJsonObject(), "door-phone");
    assertThat(door.getString("kind")).isEqualTo("guest");
    assertThat(door.getString("pairing_id")).isEqualTo(guest.getString("pairing_id"));
    assertThat(door.getString("label")).isEqualTo("Door volunteer");
    assertThat(door.getLong("scans_uploaded")).isEqualTo(1);
    assertThat(door.getString("status")).isEqualTo("active");
    assertThat(door.getString("last_sync_cursor")).isNotNull();
    JsonObject tablet = device(listed.bodyAsJsonObject(), "editor-tablet");
    assertThat(tablet.getString("kind")).isEqualTo("user");
    assertThat(tablet.getString("app_version")).isEqualTo("test-1.0");
    assertThat(device(listed.bodyAsJsonObject(), unnamed.getString("device_id"))).isNotNull();
    assertThat(phone.get("/api/tables/" + tableId + "/devices").send().await().statusCode()).isEqualTo(403);

    HttpResponse<Buffer> revoked = service.client().delete("/api/tables/" + tableId + "/devices/door-phone").send().await();
    assertThat(revoked.statusCode()).as(revoked.bodyAsString()).isEqualTo(200);
    assertThat(revoked.bodyAsJsonObject().getString("status")).isEqualTo("revoked");
    assertThat(revoked.bodyAsJsonObject().getString("revoked_by")).isEqualTo(com.maticsapp.scan.support.RunningService.USER);

    HttpResponse<Buffer> afterScan = phone.post("/api/scans").sendJsonObject(Fixtures.scan(tableId, "code", "DEV-1")).await();
    assertThat(afterScan.statusCode()).as(afterScan.bodyAsString()).isEqualTo(401);
    HttpResponse<Buffer> afterSync = phone.get("/api/tables/" + tableId + "/columns/" + codeColumn + "/snapshot").send().await();
    assertThat(afterSync.statusCode()).isEqualTo(401);
    HttpResponse<Buffer> afterLookup = phone.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=DEV-1").send().await();
    assertThat(afterLookup.statusCode()).isEqualTo(401);
    // The other phone of the same table is not affected.
    WebClient other = service.clientWithToken(unnamed.getString("token"));
    assertThat(other.post("/api/scans").sendJsonObject(Fixtures.scan(tableId, "code", "DEV-1")).await().statusCode()).isEqualTo(201);

    assertThat(service.client().delete("/api/tables/" + tableId + "/devices/never-seen").send().await().statusCode()).isEqualTo(404);
  }

  private static JsonObject device(JsonObject list, String deviceId) {
    return list.getJsonArray("devices").stream().map(JsonObject.class::cast)
        .filter(d -> d.getString("device_id").equals(deviceId)).findFirst().orElse(null);
  }
}
