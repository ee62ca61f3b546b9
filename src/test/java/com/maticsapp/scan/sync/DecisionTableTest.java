package com.maticsapp.scan.sync;

import com.maticsapp.scan.support.ReferenceRules;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * The decision table both deciders must agree on (src/test/resources/decisions/cases.json):
 * every case is decided by the real service (a scan over HTTP, on a table built for it) and, from
 * the column's snapshot alone as a phone downloads it, by the phones' reference rules
 * (web/src/rules.js) in node. Both must give the case's expected decision, direction, rows,
 * failed condition and input. Skipped, saying so, only when no node is installed.
 */
class DecisionTableTest extends ServiceTest {

  /** The cells a case's rows use that need another type than text. */
  private static final Map<String, String> DEFAULT_TYPES = Map.of("paid", "boolean");

  @Test
  void theServiceAndTheReferenceRulesDecideEveryCaseAlike() throws Exception {
    JsonObject table = resource("decisions/cases.json");
    JsonArray cases = table.getJsonArray("cases");
    List<JsonObject> forNode = new ArrayList<>();
    List<JsonObject> byServer = new ArrayList<>();
    List<JsonArray> expectedRowIds = new ArrayList<>();
    String workspaceId = fixtures.workspace();
    for (int i = 0; i < cases.size(); i++) {
      JsonObject c = cases.getJsonObject(i);
      Built built = build(workspaceId, i, c);
      for (Object before : c.getJsonArray("before", new JsonArray())) {
        HttpResponse<Buffer> prior = scan(built, (JsonObject) before);
        assertThat(prior.statusCode()).as("%s: a 'before' scan: %s", c.getString("name"), prior.bodyAsString()).isEqualTo(201);
      }
      HttpResponse<Buffer> snapshot = service.get("/api/tables/" + built.tableId + "/columns/" + built.columnId + "/snapshot");
      assertThat(snapshot.statusCode()).as(snapshot.bodyAsString()).isEqualTo(200);
      JsonObject scanBody = c.getJsonObject("scan");
      String now = Instant.now().toString();
      HttpResponse<Buffer> decided = scan(built, scanBody.copy().put("scanned_at", scanBody.getString("scanned_at", now)));
      byServer.add(outcome(c, decided));
      JsonArray rowIds = new JsonArray();
      c.getJsonObject("expect").getJsonArray("rows").forEach(index -> rowIds.add(built.rowIds.get((Integer) index)));
      expectedRowIds.add(rowIds);
      forNode.add(new JsonObject()
          .put("name", c.getString("name"))
          .put("copy", snapshot.bodyAsJsonObject())
          .put("scan", phoneScan(scanBody, built))
          .put("now", now));
    }
    List<JsonObject> byRules = runNode(forNode);

    assertSoftly(softly -> {
      for (int i = 0; i < cases.size(); i++) {
        JsonObject c = cases.getJsonObject(i);
        JsonObject expected = expected(c, byServer.get(i), expectedRowIds.get(i));
        softly.assertThat(byServer.get(i)).as("the service on '%s'", c.getString("name")).isEqualTo(expected);
        softly.assertThat(byRules.get(i)).as("web/src/rules.js on '%s'", c.getString("name")).isEqualTo(expected);
      }
    });
  }

  private record Built(String tableId, String columnId, List<String> rowIds) {}

  private Built build(String workspaceId, int index, JsonObject c) {
    JsonObject types = new JsonObject();
    DEFAULT_TYPES.forEach(types::put);
    types.mergeIn(c.getJsonObject("columns", new JsonObject()));
    for (Object row : c.getJsonArray("rows")) {
      ((JsonObject) row).fieldNames().forEach(name -> {
        if (!name.equals("code") && !name.equals("archived") && !types.containsKey(name)) {
          types.put(name, "text");
        }
      });
    }
    JsonArray columns = new JsonArray().add(new JsonObject().put("name", "code").put("column_type", "barcode")
        .put("settings", c.getJsonObject("settings")));
    types.forEach(entry -> columns.add(new JsonObject().put("name", entry.getKey()).put("column_type", entry.getValue())));
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", workspaceId).put("name", "Case " + index).put("columns", columns));
    assertThat(created.statusCode()).as("%s: %s", c.getString("name"), created.bodyAsString()).isEqualTo(201);
    String tableId = created.bodyAsJsonObject().getString("id");
    String columnId = created.bodyAsJsonObject().getJsonArray("columns").getJsonObject(0).getString("id");
    JsonArray rows = new JsonArray();
    for (Object row : c.getJsonArray("rows")) {
      JsonObject data = ((JsonObject) row).copy();
      data.remove("archived");
      rows.add(new JsonObject().put("data", data));
    }
    HttpResponse<Buffer> inserted = service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", rows));
    assertThat(inserted.statusCode()).as(inserted.bodyAsString()).isEqualTo(201);
    List<String> rowIds = inserted.bodyAsJsonObject().getJsonArray("rows").stream()
        .map(row -> ((JsonObject) row).getString("id")).toList();
    for (int r = 0; r < rowIds.size(); r++) {
      if (c.getJsonArray("rows").getJsonObject(r).getBoolean("archived", false)) {
        assertThat(service.patch("/api/tables/" + tableId + "/rows/" + rowIds.get(r), new JsonObject().put("is_archived", true))
            .statusCode()).isEqualTo(200);
      }
    }
    return new Built(tableId, columnId, rowIds);
  }

  private HttpResponse<Buffer> scan(Built built, JsonObject scan) {
    JsonObject body = scan.copy().put("table_id", built.tableId).put("column_id", built.columnId);
    Object row = body.remove("row");
    if (row instanceof Integer index) {
      body.put("row_id", built.rowIds.get(index));
    }
    return service.post("/api/scans", body);
  }

  private static JsonObject phoneScan(JsonObject scan, Built built) {
    JsonObject body = scan.copy();
    Object row = body.remove("row");
    if (row instanceof Integer index) {
      body.put("row_id", built.rowIds.get(index));
    }
    return body;
  }

  /** What the service decided, in the shape run-rules.mjs reports. */
  private static JsonObject outcome(JsonObject c, HttpResponse<Buffer> decided) {
    if (decided.statusCode() == 422) {
      return result(c.getString("name"), "invalid_barcode", null, new JsonArray(), null, null, null);
    }
    assertThat(decided.statusCode()).as("%s: %s", c.getString("name"), decided.bodyAsString()).isEqualTo(201);
    JsonObject scan = decided.bodyAsJsonObject();
    JsonObject detail = scan.getJsonObject("decision_detail");
    JsonObject failed = detail == null ? null : detail.getJsonObject("failed_condition");
    JsonObject earlier = detail == null ? null : detail.getJsonObject("earlier_scan");
    return result(c.getString("name"), scan.getString("decision"), scan.getString("direction"),
        scan.getJsonArray("matched_row_ids"), failed == null ? null : failed.getInteger("index"),
        detail == null ? null : detail.getString("input"), earlier == null ? null : earlier.getString("id"));
  }

  /** The case's expectation; the earlier scan's id is the service's (only it knows the id it gave). */
  private static JsonObject expected(JsonObject c, JsonObject byServer, JsonArray rowIds) {
    JsonObject expect = c.getJsonObject("expect");
    return result(c.getString("name"), expect.getString("decision"), expect.getString("direction"),
        rowIds, expect.getInteger("failed_index"), expect.getString("input"),
        expect.containsKey("earlier") ? byServer.getString("earlier_scan_id") : null);
  }

  private static JsonObject result(String name, String decision, String direction, JsonArray rowIds,
                                   Integer failedIndex, String input, String earlierScanId) {
    return new JsonObject().put("name", name).put("decision", decision).put("direction", direction)
        .put("row_ids", rowIds).put("failed_index", failedIndex).put("input", input).put("earlier_scan_id", earlierScanId);
  }

  private static List<JsonObject> runNode(List<JsonObject> cases) throws IOException, InterruptedException {
    return ReferenceRules.run("run-rules.mjs", new JsonArray(new ArrayList<>(cases))).stream().map(JsonObject.class::cast).toList();
  }

  private static JsonObject resource(String name) throws IOException {
    try (InputStream in = DecisionTableTest.class.getClassLoader().getResourceAsStream(name)) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }
}
