package com.maticsapp.scan.http;

import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /api/workspaces/{workspace_id}/tables: pages, column summaries, live-row counts, access. */
class TableListTest extends ServiceTest {

  @Test
  void aWorkspaceListsItsTablesInKeysetPagesWithColumnsAndRowCounts() {
    String workspace = fixtures.workspace();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(table(workspace, "Table " + i));
    }
    fixtures.workspace(); // another workspace's tables never show up
    List<String> listed = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      HttpResponse<Buffer> page = service.get("/api/workspaces/" + workspace + "/tables?limit=2"
          + (after == null ? "" : "&after=" + after));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      assertThat(body.getJsonArray("tables").size()).isBetween(1, 2);
      body.getJsonArray("tables").forEach(t -> listed.add(((JsonObject) t).getString("id")));
      after = body.getString("next_cursor");
      pages++;
    } while (after != null);
    assertThat(listed).containsExactlyElementsOf(created);
    assertThat(pages).isEqualTo(3);

    JsonObject first = service.get("/api/workspaces/" + workspace + "/tables").bodyAsJsonObject()
        .getJsonArray("tables").getJsonObject(0);
    assertThat(first.getString("name")).isEqualTo("Table 0");
    assertThat(first.getJsonArray("columns")).containsExactly(
        new JsonObject().put("id", first.getJsonArray("columns").getJsonObject(0).getString("id"))
            .put("name", "code").put("label", "Code").put("column_type", "barcode"),
        new JsonObject().put("id", first.getJsonArray("columns").getJsonObject(1).getString("id"))
            .put("name", "name").put("label", "name").put("column_type", "text"));
    assertThat(first.getLong("row_count")).isZero();
  }

  @Test
  void rowCountsFollowInsertsBulkInsertsArchivingAndDeletes() {
    String workspace = fixtures.workspace();
    String tableId = table(workspace, "Attendees");
    String rowId = fixtures.row(tableId, new JsonObject().put("code", "A-1")).getString("id");
    JsonArray bulk = new JsonArray();
    for (int i = 0; i < 25; i++) {
      bulk.add(new JsonObject().put("data", new JsonObject().put("code", "B-" + i)));
    }
    assertThat(service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", bulk)).statusCode())
        .isEqualTo(201);
    assertThat(rowCount(workspace)).isEqualTo(26);

    assertThat(service.patch("/api/tables/" + tableId + "/rows/" + rowId, new JsonObject().put("is_archived", true))
        .statusCode()).isEqualTo(200);
    assertThat(rowCount(workspace)).as("archived rows are not counted").isEqualTo(25);
    assertThat(service.patch("/api/tables/" + tableId + "/rows/" + rowId, new JsonObject().put("is_archived", true))
        .statusCode()).isEqualTo(200);
    assertThat(rowCount(workspace)).as("archiving twice counts once").isEqualTo(25);
    assertThat(service.post("/api/scans", new JsonObject().put("table_id", tableId).put("column_name", "code")
        .put("barcode", "B-3")).statusCode()).isEqualTo(201);
    assertThat(rowCount(workspace)).as("scans change no count").isEqualTo(25);
    assertThat(service.patch("/api/tables/" + tableId + "/rows/" + rowId, new JsonObject().put("is_archived", false))
        .statusCode()).isEqualTo(200);
    assertThat(rowCount(workspace)).isEqualTo(26);

    // Whoever writes: a delete at a psql prompt is counted too.
    database.execute("DELETE FROM table_rows WHERE table_id = '" + tableId + "' AND data ->> 'code' LIKE 'B-1%'");
    assertThat(rowCount(workspace)).isEqualTo(26 - 11);
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "' AND NOT is_archived"))
        .isEqualTo(rowCount(workspace));
  }

  @Test
  void membersListGuestsAndStrangersDoNotAndBadQueriesAre422() {
    String workspace = fixtures.workspace();
    table(workspace, "Visible");
    HttpResponse<Buffer> add = service.raw(HttpMethod.PUT, "/api/workspaces/" + workspace + "/members/list-viewer",
        "application/json", new JsonObject().put("role", "viewer").toBuffer());
    assertThat(add.statusCode()).isEqualTo(201);

    HttpResponse<Buffer> viewer = service.clientWithToken(Tokens.user("list-viewer"))
        .get("/api/workspaces/" + workspace + "/tables").send().await();
    assertThat(viewer.statusCode()).isEqualTo(200);
    assertThat(viewer.bodyAsJsonObject().getJsonArray("tables")).hasSize(1);

    HttpResponse<Buffer> stranger = service.clientWithToken(Tokens.user("list-stranger"))
        .get("/api/workspaces/" + workspace + "/tables").send().await();
    assertThat(stranger.statusCode()).isEqualTo(404);
    assertThat(stranger.bodyAsJsonObject().getString("detail"))
        .isEqualTo(service.get("/api/workspaces/" + UUID.randomUUID() + "/tables").bodyAsJsonObject().getString("detail")
            .replaceAll("[0-9a-f-]{36}", workspace));

    assertThat(service.get("/api/workspaces/" + workspace + "/tables?limit=0").statusCode()).isEqualTo(422);
    assertThat(service.get("/api/workspaces/" + workspace + "/tables?after=garbage").statusCode()).isEqualTo(422);
    assertThat(service.get("/api/workspaces/not-a-uuid/tables").statusCode()).isEqualTo(404);
    assertThat(service.raw(HttpMethod.GET, "/api/workspaces/" + workspace + "/tables", null, null)
        .getHeader("Content-Type")).startsWith("application/json");
  }

  private String table(String workspace, String name) {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject().put("workspace_id", workspace)
        .put("name", name).put("columns", new JsonArray()
            .add(new JsonObject().put("name", "code").put("label", "Code").put("column_type", "barcode"))
            .add(new JsonObject().put("name", "name").put("column_type", "text"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  private long rowCount(String workspace) {
    HttpResponse<Buffer> page = service.get("/api/workspaces/" + workspace + "/tables");
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("tables").getJsonObject(0).getLong("row_count");
  }
}
