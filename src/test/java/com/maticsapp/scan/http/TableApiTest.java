package com.maticsapp.scan.http;

import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Workspaces, tables and rows over HTTP, against a real PostgreSQL. */
class TableApiTest extends ServiceTest {

  @Test
  void workspaceSlugsAreUniqueAndValidated() {
    JsonObject body = new JsonObject().put("name", "Events").put("slug", "events-2026");
    HttpResponse<Buffer> created = service.post("/api/workspaces", body);
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("slug")).isEqualTo("events-2026");
    assertThat(service.post("/api/workspaces", body).statusCode()).isEqualTo(409);
    HttpResponse<Buffer> bad = service.post("/api/workspaces", new JsonObject().put("name", " ").put("slug", "Not A Slug"));
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(bad.bodyAsJsonObject().getJsonArray("errors")).hasSize(2);
    assertThat(database.count("SELECT count(*) FROM workspaces WHERE slug = 'events-2026'")).isEqualTo(1);
  }

  @Test
  void aTableIsCreatedWithItsColumnsAndReadBack() {
    JsonObject table = fixtures.table();
    assertThat(table.getJsonArray("columns")).hasSize(4);
    JsonObject gtin = table.getJsonArray("columns").getJsonObject(1);
    assertThat(gtin.getString("column_type")).isEqualTo("barcode");
    assertThat(gtin.getJsonObject("settings").getString("normalization")).isEqualTo("gtin");
    assertThat(table.getJsonArray("columns").getJsonObject(0).getJsonObject("settings").getString("normalization"))
        .as("a barcode column defaults to exact matching").isEqualTo("exact");

    HttpResponse<Buffer> read = service.get("/api/tables/" + table.getString("id"));
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject()).isEqualTo(table);
    assertThat(service.get("/api/tables/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
    assertThat(service.get("/api/tables/not-a-uuid").statusCode()).isEqualTo(404);
  }

  @Test
  void badTableDefinitionsAreRefusedAndCreateNothing() {
    String workspace = fixtures.workspace();
    long before = database.count("SELECT count(*) FROM data_tables");
    JsonArray duplicate = new JsonArray()
        .add(new JsonObject().put("name", "code").put("column_type", "barcode"))
        .add(new JsonObject().put("name", "code").put("column_type", "text"));
    JsonArray badType = new JsonArray().add(new JsonObject().put("name", "x").put("column_type", "blob"));
    JsonArray badNormalization = new JsonArray().add(new JsonObject().put("name", "x").put("column_type", "barcode")
        .put("settings", new JsonObject().put("normalization", "fuzzy")));

    assertThat(service.post("/api/tables", new JsonObject().put("workspace_id", workspace).put("name", "T").put("columns", duplicate))
        .statusCode()).isEqualTo(422);
    assertThat(service.post("/api/tables", new JsonObject().put("workspace_id", workspace).put("name", "T").put("columns", badType))
        .statusCode()).isEqualTo(422);
    assertThat(service.post("/api/tables", new JsonObject().put("workspace_id", workspace).put("name", "T").put("columns", badNormalization))
        .statusCode()).isEqualTo(422);
    assertThat(service.post("/api/tables", new JsonObject().put("workspace_id", UUID.randomUUID().toString()).put("name", "T")
        .put("columns", new JsonArray())).statusCode()).isEqualTo(404);
    assertThat(database.count("SELECT count(*) FROM data_tables")).isEqualTo(before);
  }

  @Test
  void rowCellsAreCheckedAgainstTheColumns() {
    String tableId = fixtures.table().getString("id");
    HttpResponse<Buffer> bad = service.post("/api/tables/" + tableId + "/rows", new JsonObject().put("data",
        new JsonObject().put("code", "A").put("qty", "three").put("colour", "red")));
    assertThat(bad.statusCode()).isEqualTo(422);
    assertThat(bad.bodyAsJsonObject().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .containsExactlyInAnyOrder("data.qty", "data.colour");
    assertThat(service.post("/api/tables/" + UUID.randomUUID() + "/rows", new JsonObject().put("data", new JsonObject()))
        .statusCode()).isEqualTo(404);
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "'")).isZero();
  }

  @Test
  void bulkInsertIsAllOrNothingAndKeepsRequestOrder() {
    String tableId = fixtures.table().getString("id");
    JsonArray rows = new JsonArray();
    for (int i = 0; i < 5000; i++) {
      rows.add(new JsonObject().put("data", new JsonObject().put("code", "BULK-" + i).put("qty", i)));
    }
    HttpResponse<Buffer> created = service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", rows));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getInteger("inserted")).isEqualTo(5000);
    JsonArray ids = created.bodyAsJsonObject().getJsonArray("rows");
    String last = ids.getJsonObject(4999).getString("id");
    assertThat(service.get("/api/tables/" + tableId + "/rows/" + last).bodyAsJsonObject()
        .getJsonObject("data").getString("code")).isEqualTo("BULK-4999");
    assertThat(database.count("SELECT count(*) FROM barcode_values WHERE table_id = '" + tableId + "'")).isEqualTo(5000);

    rows.getJsonObject(10).getJsonObject("data").put("qty", "not a number");
    HttpResponse<Buffer> refused = service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", rows));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("rows[10].data.qty");
    rows.add(new JsonObject().put("data", new JsonObject()));
    assertThat(service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", rows)).statusCode())
        .isEqualTo(422);
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "'")).isEqualTo(5000);
  }

  @Test
  void rowsPageWithAKeysetCursorAndHideArchivedRows() {
    String tableId = fixtures.table().getString("id");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      ids.add(fixtures.row(tableId, new JsonObject().put("code", "P-" + i)).getString("id"));
    }
    service.patch("/api/tables/" + tableId + "/rows/" + ids.get(3), new JsonObject().put("is_archived", true));

    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = service.get("/api/tables/" + tableId + "/rows?limit=2" + (cursor == null ? "" : "&after=" + cursor))
          .bodyAsJsonObject();
      page.getJsonArray("rows").forEach(row -> seen.add(((JsonObject) row).getString("id")));
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    List<String> live = new ArrayList<>(ids);
    live.remove(3);
    assertThat(seen).containsExactlyElementsOf(live);

    JsonObject all = service.get("/api/tables/" + tableId + "/rows?limit=1000&include_archived=true").bodyAsJsonObject();
    assertThat(all.getJsonArray("rows")).hasSize(7);
    assertThat(service.get("/api/tables/" + tableId + "/rows?limit=1001").statusCode()).isEqualTo(422);
    assertThat(service.get("/api/tables/" + tableId + "/rows?after=bm90LWEtY3Vyc29y").statusCode()).isEqualTo(422);
    HttpResponse<Buffer> malformed = service.get("/api/tables/" + tableId + "/rows?after=%%%");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(service.get("/api/tables/" + UUID.randomUUID() + "/rows").statusCode()).isEqualTo(404);
  }

  @Test
  void patchMergesCellsAndTheBarcodeIndexFollowsEveryChange() {
    String tableId = fixtures.table().getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("code", "OLD").put("name", "Ada").put("qty", 1)).getString("id");
    String path = "/api/tables/" + tableId + "/rows/" + rowId;
    String search = "/api/tables/" + tableId + "/rows/search?column_name=code&value=";

    HttpResponse<Buffer> patched = service.patch(path, new JsonObject().put("data",
        new JsonObject().put("code", "NEW").putNull("name")).put("position", -5));
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(patched.bodyAsJsonObject().getJsonObject("data")).isEqualTo(new JsonObject().put("code", "NEW").put("qty", 1));
    assertThat(patched.bodyAsJsonObject().getLong("position")).isEqualTo(-5);
    assertThat(service.get(search + "OLD").bodyAsJsonObject().getJsonArray("rows")).isEmpty();
    assertThat(service.get(search + "new").bodyAsJsonObject().getJsonArray("rows")).hasSize(1);

    service.patch(path, new JsonObject().put("is_archived", true));
    assertThat(service.get(search + "NEW").bodyAsJsonObject().getJsonArray("rows")).isEmpty();
    service.patch(path, new JsonObject().put("is_archived", false));
    assertThat(service.get(search + "NEW").bodyAsJsonObject().getJsonArray("rows")).hasSize(1);

    assertThat(service.patch(path, new JsonObject()).statusCode()).isEqualTo(422);
    assertThat(service.patch(path, new JsonObject().put("data", new JsonObject().put("nope", 1))).statusCode()).isEqualTo(422);
    assertThat(service.patch("/api/tables/" + tableId + "/rows/" + UUID.randomUUID(), new JsonObject().put("is_archived", true))
        .statusCode()).isEqualTo(404);
  }

  @Test
  void theSearchRouteAndTheRowRouteBothAnswer() {
    String tableId = fixtures.table().getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("code", "SHADOW")).getString("id");
    HttpResponse<Buffer> search = service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=shadow");
    HttpResponse<Buffer> row = service.get("/api/tables/" + tableId + "/rows/" + rowId);
    assertThat(search.statusCode()).isEqualTo(200);
    assertThat(search.bodyAsJsonObject().getJsonArray("rows").getJsonObject(0).getString("id")).isEqualTo(rowId);
    assertThat(search.bodyAsJsonObject().getString("normalized_value")).isEqualTo("shadow");
    assertThat(row.statusCode()).isEqualTo(200);
    assertThat(row.bodyAsJsonObject().getString("id")).isEqualTo(rowId);
    assertThat(service.get("/api/tables/" + tableId + "/rows/search?column_name=code").statusCode()).isEqualTo(422);
    assertThat(service.get("/api/tables/" + tableId + "/rows/search?value=x").statusCode()).isEqualTo(422);
  }

  @Test
  void unknownRoutesAndMethodsAreProblems() {
    HttpResponse<Buffer> missing = service.get("/api/nothing-here");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(service.raw(io.vertx.core.http.HttpMethod.DELETE, "/api/scans", null, null).statusCode()).isEqualTo(405);
    HttpResponse<Buffer> huge = service.raw(io.vertx.core.http.HttpMethod.POST, "/api/workspaces", "application/json",
        Buffer.buffer("{\"name\":\"" + "x".repeat(300_000) + "\"}"));
    assertThat(huge.statusCode()).isEqualTo(413);
  }
}
