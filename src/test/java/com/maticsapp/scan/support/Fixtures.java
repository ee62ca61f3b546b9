package com.maticsapp.scan.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Creating workspaces and tables through the public API, as a client would. */
public final class Fixtures {

  private final RunningService service;

  public Fixtures(RunningService service) {
    this.service = service;
  }

  public String workspace() {
    HttpResponse<Buffer> created = service.post("/api/workspaces", new JsonObject()
        .put("name", "Test workspace")
        .put("slug", "ws-" + UUID.randomUUID().toString().substring(0, 8)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  /** A table with an exact barcode column "code", a GTIN column "gtin" and a text column "name". */
  public JsonObject table() {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", workspace())
        .put("name", "Inventory")
        .put("columns", new JsonArray()
            .add(new JsonObject().put("name", "code").put("label", "Code").put("column_type", "barcode"))
            .add(new JsonObject().put("name", "gtin").put("column_type", "barcode")
                .put("settings", new JsonObject().put("normalization", "gtin")))
            .add(new JsonObject().put("name", "name").put("column_type", "text"))
            .add(new JsonObject().put("name", "qty").put("column_type", "number"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  /**
   * An event's guest list: barcode "ticket" with {@code ticketSettings} (scan rules), and the
   * cells rules and actions use: name, ticket_type (select), paid (boolean), email, checked_in
   * (boolean), checked_in_at (date), checked_in_by (text), gate (text), seats (number).
   */
  public JsonObject eventTable(JsonObject ticketSettings) {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", workspace())
        .put("name", "Guests")
        .put("columns", new JsonArray()
            .add(new JsonObject().put("name", "ticket").put("column_type", "barcode").put("settings", ticketSettings))
            .add(new JsonObject().put("name", "name").put("column_type", "text"))
            .add(new JsonObject().put("name", "ticket_type").put("column_type", "select"))
            .add(new JsonObject().put("name", "paid").put("column_type", "boolean"))
            .add(new JsonObject().put("name", "email").put("column_type", "email"))
            .add(new JsonObject().put("name", "checked_in").put("column_type", "boolean"))
            .add(new JsonObject().put("name", "checked_in_at").put("column_type", "date"))
            .add(new JsonObject().put("name", "checked_in_by").put("column_type", "text"))
            .add(new JsonObject().put("name", "gate").put("column_type", "text"))
            .add(new JsonObject().put("name", "seats").put("column_type", "number"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  /** Gives {@code userId} a role in the workspace (as the workspace's owner, the default user). */
  public void member(String workspaceId, String userId, String role) {
    HttpResponse<Buffer> put = service.client().put("/api/workspaces/" + workspaceId + "/members/" + userId)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("role", role).toBuffer()).await();
    assertThat(put.statusCode()).as(put.bodyAsString()).isIn(200, 201);
  }

  public static String columnId(JsonObject table, String name) {
    return table.getJsonArray("columns").stream()
        .map(JsonObject.class::cast)
        .filter(column -> column.getString("name").equals(name))
        .findFirst().orElseThrow().getString("id");
  }

  /** The door's numbers of one barcode column ({@code GET …/scan-status?column_id=}), asserting 200. */
  public JsonObject scanStatus(JsonObject table, String column) {
    HttpResponse<Buffer> response = service.get("/api/tables/" + table.getString("id") + "/scan-status?column_id="
        + columnId(table, column));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  public JsonObject row(String tableId, JsonObject data) {
    HttpResponse<Buffer> created = service.post("/api/tables/" + tableId + "/rows", new JsonObject().put("data", data));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  /**
   * Opens a pairing on {@code column} and claims it from {@code deviceId} (null: the service makes
   * one up): the claim's answer, with the guest {@code token} and the {@code device_id}.
   */
  public JsonObject guest(String tableId, String column, String deviceId) {
    HttpResponse<Buffer> opened = service.post("/api/tables/" + tableId + "/pairings", new JsonObject().put("column_name", column));
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    JsonObject claim = new JsonObject().put("code", opened.bodyAsJsonObject().getString("code")).put("scanner_name", "Door volunteer");
    if (deviceId != null) {
      claim.put("device_id", deviceId);
    }
    HttpResponse<Buffer> claimed = service.post("/api/pairings/claim", claim);
    assertThat(claimed.statusCode()).as(claimed.bodyAsString()).isEqualTo(201);
    return claimed.bodyAsJsonObject();
  }

  /** A webhook endpoint of {@code workspaceId} for {@code url} and these event types; the reply carries its secret. */
  public JsonObject webhook(String workspaceId, String url, String... eventTypes) {
    HttpResponse<Buffer> created = service.post("/api/workspaces/" + workspaceId + "/webhooks", new JsonObject()
        .put("url", url).put("event_types", new JsonArray(java.util.List.of((Object[]) eventTypes))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  public static JsonObject scan(String tableId, String column, String barcode) {
    return new JsonObject().put("table_id", tableId).put("column_name", column).put("barcode", barcode);
  }
}
