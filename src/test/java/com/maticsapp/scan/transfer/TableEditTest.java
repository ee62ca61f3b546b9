package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Renaming a table, adding and removing columns, with the barcode index and lookups checked after each. */
class TableEditTest extends ServiceTest {

  int found(String tableId, String column, String barcode) {
    HttpResponse<Buffer> search = service.get("/api/tables/" + tableId + "/rows/search?column_name=" + column + "&value=" + barcode);
    assertThat(search.statusCode()).as(search.bodyAsString()).isIn(200, 404, 422);
    return search.statusCode() == 200 ? search.bodyAsJsonObject().getJsonArray("rows").size() : -1;
  }

  @Test
  void renameAddAndRemoveKeepTheIndexConsistent() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "E-1").put("name", "Ann").put("qty", 2));

    HttpResponse<Buffer> renamed = service.patch("/api/tables/" + tableId, new JsonObject().put("name", " Stock 2026 "));
    assertThat(renamed.statusCode()).as(renamed.bodyAsString()).isEqualTo(200);
    assertThat(renamed.bodyAsJsonObject().getString("name")).isEqualTo("Stock 2026");
    assertThat(service.patch("/api/tables/" + tableId, new JsonObject().put("name", "")).statusCode()).isEqualTo(422);
    assertThat(service.patch("/api/tables/" + tableId, new JsonObject().put("colour", "red")).statusCode()).isEqualTo(422);

    HttpResponse<Buffer> added = service.post("/api/tables/" + tableId + "/columns", new JsonObject()
        .put("name", "badge").put("label", "Badge").put("column_type", "barcode").put("position", 1));
    assertThat(added.statusCode()).as(added.bodyAsString()).isEqualTo(201);
    JsonObject withBadge = added.bodyAsJsonObject();
    assertThat(withBadge.getJsonArray("columns").getJsonObject(1).getString("name")).isEqualTo("badge");
    assertThat(withBadge.getJsonArray("columns").getJsonObject(1).getJsonObject("settings").getString("normalization")).isEqualTo("exact");
    assertThat(withBadge.getJsonArray("columns").stream().map(c -> ((JsonObject) c).getInteger("position")))
        .as("positions stay distinct").doesNotHaveDuplicates();
    assertThat(service.post("/api/tables/" + tableId + "/columns", new JsonObject().put("name", "badge").put("column_type", "text"))
        .statusCode()).isEqualTo(409);
    assertThat(service.post("/api/tables/" + tableId + "/columns", new JsonObject().put("name", "x").put("column_type", "blob"))
        .statusCode()).isEqualTo(422);

    String rowId = fixtures.row(tableId, new JsonObject().put("code", "E-2").put("badge", "B-7")).getString("id");
    assertThat(found(tableId, "badge", "b-7")).isEqualTo(1);
    assertThat(found(tableId, "code", "E-1")).isEqualTo(1);

    String badgeId = Fixtures.columnId(withBadge, "badge");
    HttpResponse<Buffer> removed = service.raw(HttpMethod.DELETE, "/api/tables/" + tableId + "/columns/" + badgeId, null, null);
    assertThat(removed.statusCode()).as(removed.bodyAsString()).isEqualTo(200);
    assertThat(removed.bodyAsJsonObject().getJsonArray("columns").stream().map(c -> ((JsonObject) c).getString("name")))
        .doesNotContain("badge");
    assertThat(service.get("/api/tables/" + tableId + "/rows/" + rowId).bodyAsJsonObject().getJsonObject("data").fieldNames())
        .as("the cell left the row").containsExactly("code");
    assertThat(database.count("SELECT count(*) FROM barcode_values WHERE column_id = '" + badgeId + "'")).isZero();
    assertThat(found(tableId, "code", "E-2")).as("the other barcode column still finds the row").isEqualTo(1);
    assertThat(service.raw(HttpMethod.DELETE, "/api/tables/" + tableId + "/columns/" + badgeId, null, null).statusCode()).isEqualTo(404);
    // A row may now be written without the removed column, and refused with it.
    assertThat(service.post("/api/tables/" + tableId + "/rows", new JsonObject().put("data", new JsonObject().put("badge", "x")))
        .statusCode()).isEqualTo(422);
  }

  @Test
  void changingANormalisationRebuildsTheIndexInTheSameStatement() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "N-1").put("gtin", "4006381333931"));
    assertThat(found(tableId, "gtin", "04006381333931")).as("GTIN-14 form of the EAN-13").isEqualTo(1);
    String gtinId = Fixtures.columnId(table, "gtin");
    HttpResponse<Buffer> exact = service.patch("/api/tables/" + tableId + "/columns/" + gtinId,
        new JsonObject().put("settings", new JsonObject().put("normalization", "exact")));
    assertThat(exact.statusCode()).as(exact.bodyAsString()).isEqualTo(200);
    assertThat(found(tableId, "gtin", "04006381333931")).as("exact matching now").isZero();
    assertThat(found(tableId, "gtin", "4006381333931")).isEqualTo(1);
    assertThat(database.text("SELECT string_agg(normalized, ',') FROM barcode_values WHERE column_id = '" + gtinId + "'"))
        .isEqualTo("4006381333931");
  }
}
