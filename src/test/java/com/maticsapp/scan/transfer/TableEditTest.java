package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Editing a table: renaming and archiving it, adding, renaming, relabelling, moving, retyping
 * and removing columns, changing a normalisation; with the barcode index and lookups checked
 * after each edit, bad input refused with nothing changed, and the live stream told.
 */
class TableEditTest extends ServiceTest {

  HttpResponse<Buffer> changeColumn(String tableId, String columnId, JsonObject change) {
    return service.patch("/api/tables/" + tableId + "/columns/" + columnId, change);
  }

  JsonObject table(String tableId) {
    return service.get("/api/tables/" + tableId).bodyAsJsonObject();
  }

  JsonObject rowData(String tableId, String rowId) {
    return service.get("/api/tables/" + tableId + "/rows/" + rowId).bodyAsJsonObject().getJsonObject("data");
  }

  /** The barcode index of a column as "normalized=row" pairs, sorted: what lookups see. */
  String index(String columnId) {
    return database.text("SELECT coalesce(string_agg(normalized || '=' || row_id, ',' ORDER BY normalized, row_id), '')"
        + " FROM barcode_values WHERE column_id = '" + columnId + "'");
  }

  SseStream openStream(String tableId) {
    String path = "/api/tables/" + tableId + "/scans/stream?access_token=" + Tokens.user(RunningService.USER);
    SseStream stream = SseStream.open(service.vertx(), service.port(), path, null);
    assertThat(stream.status()).isEqualTo(200);
    SseStream.Frame frame;
    do {
      frame = stream.next(Duration.ofSeconds(10));
    } while (frame.isComment() || !"ready".equals(frame.event()));
    return stream;
  }

  static SseStream.Frame nextEvent(SseStream stream, String event) {
    SseStream.Frame frame;
    do {
      frame = stream.next(Duration.ofSeconds(10));
    } while (frame.isComment() || !event.equals(frame.event()));
    return frame;
  }

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

  @Test
  void renamingRelabellingAndMovingAColumnMovesItsCellsAndItsIndex() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String codeId = Fixtures.columnId(table, "code");
    String ann = fixtures.row(tableId, new JsonObject().put("code", "E-1").put("name", "Ann").put("qty", 2)).getString("id");
    String bob = fixtures.row(tableId, new JsonObject().put("code", "E-2").put("name", "Bob")).getString("id");
    fixtures.row(tableId, new JsonObject().put("name", "no code"));
    String indexBefore = index(codeId);

    try (SseStream stream = openStream(tableId)) {
      HttpResponse<Buffer> renamed = changeColumn(tableId, codeId,
          new JsonObject().put("name", "sku").put("label", "Article").put("position", 3));
      assertThat(renamed.statusCode()).as(renamed.bodyAsString()).isEqualTo(200);
      JsonObject column = renamed.bodyAsJsonObject();
      assertThat(column.getString("name")).isEqualTo("sku");
      assertThat(column.getString("label")).isEqualTo("Article");
      assertThat(column.getInteger("position")).isEqualTo(3);
      assertThat(column.getJsonObject("change").getLong("rows_changed")).as("the two rows with a code").isEqualTo(2);
      JsonObject event = nextEvent(stream, "table").json();
      assertThat(event.getString("table_id")).isEqualTo(tableId);
      assertThat(event.getString("change")).isEqualTo("columns");
    }

    assertThat(table(tableId).getJsonArray("columns").stream().map(c -> ((JsonObject) c).getString("name") + "@"
        + ((JsonObject) c).getInteger("position"))).containsExactly("gtin@0", "name@1", "qty@2", "sku@3");
    assertThat(rowData(tableId, ann).fieldNames()).containsExactlyInAnyOrder("sku", "name", "qty");
    assertThat(rowData(tableId, ann).getString("sku")).isEqualTo("E-1");
    assertThat(rowData(tableId, bob).getString("sku")).isEqualTo("E-2");
    assertThat(index(codeId)).as("the same entries, under the same column id").isEqualTo(indexBefore).isNotEmpty();
    assertThat(found(tableId, "sku", "e-1")).isEqualTo(1);
    assertThat(found(tableId, "code", "E-1")).as("the old name is no column any more").isEqualTo(-1);
    HttpResponse<Buffer> scan = service.post("/api/scans", Fixtures.scan(tableId, "sku", "E-2"));
    assertThat(scan.statusCode()).as(scan.bodyAsString()).isEqualTo(201);
    assertThat(scan.bodyAsJsonObject().getString("status")).isEqualTo("success");
    assertThat(service.post("/api/tables/" + tableId + "/rows", new JsonObject().put("data", new JsonObject().put("code", "x")))
        .statusCode()).as("a row with the old name is refused").isEqualTo(422);

    // Moving it back to the front; the others keep their order.
    HttpResponse<Buffer> moved = changeColumn(tableId, codeId, new JsonObject().put("position", 0));
    assertThat(moved.statusCode()).as(moved.bodyAsString()).isEqualTo(200);
    assertThat(table(tableId).getJsonArray("columns").stream().map(c -> ((JsonObject) c).getString("name") + "@"
        + ((JsonObject) c).getInteger("position"))).containsExactly("sku@0", "gtin@1", "name@2", "qty@3");
  }

  @Test
  void aColumnChangeThatWouldBreakSomethingIsRefusedAndChangesNothing() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String codeId = Fixtures.columnId(table, "code");
    String nameId = Fixtures.columnId(table, "name");
    String rowId = fixtures.row(tableId, new JsonObject().put("code", "R-1").put("name", "Ann")).getString("id");
    HttpResponse<Buffer> rules = changeColumn(tableId, codeId,
        new JsonObject().put("settings", new JsonObject().put("display_columns", new JsonArray().add("name"))));
    assertThat(rules.statusCode()).as(rules.bodyAsString()).isEqualTo(200);
    JsonObject before = table(tableId);
    String indexBefore = index(codeId);

    HttpResponse<Buffer> renamed = changeColumn(tableId, nameId, new JsonObject().put("name", "full_name"));
    assertThat(renamed.statusCode()).as("code's scan rules name the column").isEqualTo(422);
    assertThat(renamed.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("name");
    assertThat(changeColumn(tableId, nameId, new JsonObject().put("name", "qty")).statusCode()).as("name in use").isEqualTo(409);
    HttpResponse<Buffer> blank = changeColumn(tableId, nameId, new JsonObject().put("name", " padded "));
    assertThat(blank.statusCode()).isEqualTo(422);
    assertThat(blank.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("name");
    HttpResponse<Buffer> type = changeColumn(tableId, nameId, new JsonObject().put("column_type", "blob"));
    assertThat(type.statusCode()).isEqualTo(422);
    assertThat(type.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("column_type");
    HttpResponse<Buffer> unknown = changeColumn(tableId, nameId, new JsonObject().put("colour", "red"));
    assertThat(unknown.statusCode()).isEqualTo(422);
    assertThat(unknown.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("colour");
    HttpResponse<Buffer> position = changeColumn(tableId, nameId, new JsonObject().put("position", -1));
    assertThat(position.statusCode()).isEqualTo(422);
    assertThat(position.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("position");
    assertThat(changeColumn(tableId, nameId, new JsonObject()).statusCode()).as("nothing to change").isEqualTo(422);
    HttpResponse<Buffer> rulesOnText = changeColumn(tableId, codeId, new JsonObject().put("column_type", "text"));
    assertThat(rulesOnText.statusCode()).as("scan rules stay on a barcode column").isEqualTo(422);
    assertThat(rulesOnText.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"))
        .isEqualTo("settings.display_columns");

    assertThat(table(tableId).getJsonArray("columns")).isEqualTo(before.getJsonArray("columns"));
    assertThat(table(tableId).getString("updated_at")).isEqualTo(before.getString("updated_at"));
    assertThat(rowData(tableId, rowId)).isEqualTo(new JsonObject().put("code", "R-1").put("name", "Ann"));
    assertThat(index(codeId)).isEqualTo(indexBefore);
  }

  @Test
  void retypingConvertsTheCellsOrNamesThoseThatDoNot() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String nameId = Fixtures.columnId(table, "name");
    String twelve = fixtures.row(tableId, new JsonObject().put("code", "T-1").put("name", " 12 ")).getString("id");
    String half = fixtures.row(tableId, new JsonObject().put("code", "T-2").put("name", "3.5")).getString("id");
    String word = fixtures.row(tableId, new JsonObject().put("code", "T-3").put("name", "abc")).getString("id");
    String empty = fixtures.row(tableId, new JsonObject().put("code", "T-4")).getString("id");

    HttpResponse<Buffer> dry = changeColumn(tableId, nameId, new JsonObject().put("column_type", "number").put("dry_run", true));
    assertThat(dry.statusCode()).as(dry.bodyAsString()).isEqualTo(200);
    JsonObject change = dry.bodyAsJsonObject().getJsonObject("change");
    assertThat(dry.bodyAsJsonObject().getString("column_type")).isEqualTo("number");
    assertThat(change.getBoolean("applied")).isFalse();
    assertThat(change.getLong("cells")).isEqualTo(3);
    assertThat(change.getLong("not_converted")).isEqualTo(1);
    assertThat(change.getJsonArray("not_converted_cells")).containsExactly(new JsonObject().put("row_id", word).put("value", "abc"));
    assertThat(change.getLong("rows_changed")).isZero();
    assertThat(table(tableId).getJsonArray("columns").getJsonObject(2).getString("column_type")).as("dry run").isEqualTo("text");

    HttpResponse<Buffer> refused = changeColumn(tableId, nameId, new JsonObject().put("column_type", "number"));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
    JsonObject error = refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0);
    assertThat(error.getString("field")).isEqualTo("column_type");
    assertThat(error.getString("message")).contains(word);
    assertThat(table(tableId).getJsonArray("columns").getJsonObject(2).getString("column_type")).isEqualTo("text");
    assertThat(rowData(tableId, twelve).getValue("name")).as("nothing converted").isEqualTo(" 12 ");

    assertThat(service.raw(HttpMethod.DELETE, "/api/tables/" + tableId + "/rows/" + word, null, null).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> converted = changeColumn(tableId, nameId, new JsonObject().put("column_type", "number"));
    assertThat(converted.statusCode()).as(converted.bodyAsString()).isEqualTo(200);
    assertThat(converted.bodyAsJsonObject().getJsonObject("change").getLong("converted")).isEqualTo(2);
    assertThat(rowData(tableId, twelve).getValue("name")).isEqualTo(12);
    assertThat(((Number) rowData(tableId, half).getValue("name")).doubleValue()).isEqualTo(3.5);
    assertThat(rowData(tableId, empty).containsKey("name")).isFalse();
    assertThat(service.post("/api/tables/" + tableId + "/rows", new JsonObject().put("data", new JsonObject().put("name", "abc")))
        .statusCode()).as("the column is a number column now").isEqualTo(422);

    // A number column becomes a barcode column: its cells are indexed and found.
    String qtyId = Fixtures.columnId(table, "qty");
    fixtures.row(tableId, new JsonObject().put("code", "T-5").put("qty", 40063813));
    HttpResponse<Buffer> barcode = changeColumn(tableId, qtyId, new JsonObject().put("column_type", "barcode"));
    assertThat(barcode.statusCode()).as(barcode.bodyAsString()).isEqualTo(200);
    assertThat(barcode.bodyAsJsonObject().getJsonObject("settings").getString("normalization")).isEqualTo("exact");
    assertThat(found(tableId, "qty", "40063813")).isEqualTo(1);
    // ... and back to text: it leaves the index.
    HttpResponse<Buffer> text = changeColumn(tableId, qtyId, new JsonObject().put("column_type", "text"));
    assertThat(text.statusCode()).as(text.bodyAsString()).isEqualTo(200);
    assertThat(text.bodyAsJsonObject().getJsonObject("settings").containsKey("normalization")).isFalse();
    assertThat(index(qtyId)).isEmpty();

    // Booleans from yes/no.
    HttpResponse<Buffer> added = service.post("/api/tables/" + tableId + "/columns",
        new JsonObject().put("name", "paid").put("column_type", "text"));
    assertThat(added.statusCode()).isEqualTo(201);
    String paidId = Fixtures.columnId(added.bodyAsJsonObject(), "paid");
    String yes = fixtures.row(tableId, new JsonObject().put("paid", "Yes")).getString("id");
    String no = fixtures.row(tableId, new JsonObject().put("paid", "0")).getString("id");
    assertThat(changeColumn(tableId, paidId, new JsonObject().put("column_type", "boolean")).statusCode()).isEqualTo(200);
    assertThat(rowData(tableId, yes).getValue("paid")).isEqualTo(true);
    assertThat(rowData(tableId, no).getValue("paid")).isEqualTo(false);
  }

  @Test
  void archivingATableFilesItAwayAndUnarchivingBringsItBack() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String workspaceId = table.getString("workspace_id");
    fixtures.row(tableId, new JsonObject().put("code", "A-1"));
    HttpResponse<Buffer> archived = service.patch("/api/tables/" + tableId, new JsonObject().put("archived", true));
    assertThat(archived.statusCode()).as(archived.bodyAsString()).isEqualTo(200);
    String archivedAt = archived.bodyAsJsonObject().getString("archived_at");
    assertThat(archivedAt).isNotNull();
    assertThat(service.patch("/api/tables/" + tableId, new JsonObject().put("archived", true)).bodyAsJsonObject()
        .getString("archived_at")).as("archiving again keeps the first time").isEqualTo(archivedAt);
    assertThat(tableIds(workspaceId, "")).doesNotContain(tableId);
    assertThat(tableIds(workspaceId, "?archived=true")).containsExactly(tableId);
    assertThat(found(tableId, "code", "A-1")).as("rows and lookups stay").isEqualTo(1);
    HttpResponse<Buffer> imported = service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true",
        "text/csv", Buffer.buffer("code\nA-2\n"));
    assertThat(imported.statusCode()).as(imported.bodyAsString()).isEqualTo(409);
    assertThat(found(tableId, "code", "A-2")).isZero();
    assertThat(service.patch("/api/tables/" + tableId, new JsonObject().put("archived", "yes")).statusCode()).isEqualTo(422);

    HttpResponse<Buffer> back = service.patch("/api/tables/" + tableId, new JsonObject().put("archived", false));
    assertThat(back.statusCode()).isEqualTo(200);
    assertThat(back.bodyAsJsonObject().getValue("archived_at")).isNull();
    assertThat(tableIds(workspaceId, "")).containsExactly(tableId);
    assertThat(service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true", "text/csv",
        Buffer.buffer("code\nA-2\n")).statusCode()).isIn(200, 201);
    assertThat(found(tableId, "code", "A-2")).isEqualTo(1);
  }

  List<String> tableIds(String workspaceId, String query) {
    HttpResponse<Buffer> page = service.get("/api/workspaces/" + workspaceId + "/tables" + query);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("tables").stream().map(t -> ((JsonObject) t).getString("id")).toList();
  }

  @Test
  void onlyEditorsAndOwnersEditATable() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String nameId = Fixtures.columnId(table, "name");
    fixtures.member(table.getString("workspace_id"), "scanner-14", "scanner");
    fixtures.member(table.getString("workspace_id"), "editor-14", "editor");
    WebClient scanner = service.clientWithToken(Tokens.user("scanner-14"));
    WebClient editor = service.clientWithToken(Tokens.user("editor-14"));
    assertThat(scanner.patch("/api/tables/" + tableId + "/columns/" + nameId)
        .sendJsonObject(new JsonObject().put("label", "Who")).await().statusCode()).isEqualTo(403);
    assertThat(scanner.patch("/api/tables/" + tableId).sendJsonObject(new JsonObject().put("archived", true)).await()
        .statusCode()).isEqualTo(403);
    assertThat(table(tableId).getValue("archived_at")).isNull();
    assertThat(editor.patch("/api/tables/" + tableId + "/columns/" + nameId)
        .sendJsonObject(new JsonObject().put("label", "Who")).await().statusCode()).isEqualTo(200);
    assertThat(table(tableId).getJsonArray("columns").getJsonObject(2).getString("label")).isEqualTo("Who");
  }

  @Test
  void aNormalisationChangeDryRunNamesTheCellsNoLookupWouldFind() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String codeId = Fixtures.columnId(table, "code");
    fixtures.row(tableId, new JsonObject().put("code", "4006381333931"));
    String word = fixtures.row(tableId, new JsonObject().put("code", "ABC")).getString("id");
    String indexBefore = index(codeId);
    JsonObject gtin = new JsonObject().put("settings", new JsonObject().put("normalization", "gtin"));
    HttpResponse<Buffer> dry = changeColumn(tableId, codeId, gtin.copy().put("dry_run", true));
    assertThat(dry.statusCode()).as(dry.bodyAsString()).isEqualTo(200);
    assertThat(dry.bodyAsJsonObject().getJsonObject("change").getJsonArray("unindexed_cells"))
        .containsExactly(new JsonObject().put("row_id", word).put("value", "ABC"));
    assertThat(index(codeId)).as("a dry run changes nothing").isEqualTo(indexBefore);
    assertThat(found(tableId, "code", "abc")).isEqualTo(1);
    assertThat(changeColumn(tableId, codeId, gtin).statusCode()).isEqualTo(200);
    assertThat(found(tableId, "code", "04006381333931")).isEqualTo(1);
    assertThat(found(tableId, "code", "abc")).as("no longer a usable barcode of this column").isIn(0, -1);
    assertThat(rowData(tableId, word).getString("code")).as("the cell stays").isEqualTo("ABC");
  }
}
