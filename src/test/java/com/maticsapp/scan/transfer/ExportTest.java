package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.dhatim.fastexcel.reader.ReadableWorkbook;
import org.dhatim.fastexcel.reader.Row;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Exports (CSV and XLSX, rows and scan history), formula injection, the round trip export →
 * import, and an XLSX workbook written by a real spreadsheet program (LibreOffice Calc
 * converted src/test/resources/imports/attendees.fods to attendees.xlsx).
 */
class ExportTest extends ServiceTest {

  static final Set<String> FORMULAS = Set.of("=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", "'=already quoted");

  JsonObject attendees(String name) {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", fixtures.workspace())
        .put("name", name)
        .put("columns", new JsonArray()
            .add(new JsonObject().put("name", "ticket").put("label", "Ticket").put("column_type", "barcode"))
            .add(new JsonObject().put("name", "full_name").put("label", "Name").put("column_type", "text"))
            .add(new JsonObject().put("name", "email").put("column_type", "email"))
            .add(new JsonObject().put("name", "paid").put("label", "Amount paid").put("column_type", "number"))
            .add(new JsonObject().put("name", "born").put("column_type", "date"))
            .add(new JsonObject().put("name", "vip").put("column_type", "boolean"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  List<JsonObject> data(String tableId) {
    JsonArray rows = service.get("/api/tables/" + tableId + "/rows?limit=1000").bodyAsJsonObject().getJsonArray("rows");
    return rows.stream().map(row -> ((JsonObject) row).getJsonObject("data")).collect(Collectors.toList());
  }

  String fill(String name) {
    String tableId = attendees(name).getString("id");
    JsonArray rows = new JsonArray();
    int i = 0;
    for (String formula : FORMULAS) {
      rows.add(new JsonObject().put("data", new JsonObject().put("ticket", "F-" + i++).put("full_name", formula)));
    }
    rows.add(new JsonObject().put("data", new JsonObject().put("ticket", "R-1").put("full_name", "Zoë \"Q\", line\r\nbreak 😀")
        .put("email", "zoe@example.com").put("paid", 1234.5).put("born", "1990-04-03").put("vip", true)));
    rows.add(new JsonObject().put("data", new JsonObject().put("ticket", "0012345").put("paid", -7).put("vip", false)
        .put("born", "2026-12-02T10:15:30Z")));
    rows.add(new JsonObject().put("data", new JsonObject().put("ticket", "R-3").put("paid", 10000000000L).put("full_name", " padded ")));
    HttpResponse<Buffer> created = service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", rows));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return tableId;
  }

  @Test
  void csvRoundTripReproducesTheRowsAndNeutralisesFormulas() {
    String source = fill("Round trip");
    HttpResponse<Buffer> export = service.get("/api/tables/" + source + "/export?format=csv");
    assertThat(export.statusCode()).as(export.bodyAsString()).isEqualTo(200);
    assertThat(export.getHeader("Content-Type")).startsWith("text/csv");
    assertThat(export.getHeader("Content-Disposition")).startsWith("attachment; filename=\"Round-trip-").contains(".csv\"");
    byte[] bytes = export.body().getBytes();
    assertThat(bytes[0] & 0xff).as("UTF-8 byte-order mark for Excel").isEqualTo(0xef);
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(text.lines().findFirst().orElseThrow())
        .isEqualTo("\ufeffrow_id,Ticket,Name,email,Amount paid,born,vip,scan_count,last_scanned_at,"
            + "scan_state:ticket:accepted,scan_state:ticket:inside");
    for (String formula : FORMULAS) {
      assertThat(text).as("neutralised: %s", formula).contains("'" + formula);
    }
    assertThat(text).doesNotContain(",=1+2").contains("10000000000").doesNotContain("1.0E10");

    String target = attendees("Copy").getString("id");
    HttpResponse<Buffer> imported = service.raw(HttpMethod.POST, "/api/tables/" + target + "/import?wait=true&unknown_headers=refuse",
        "text/csv", export.body());
    assertThat(imported.statusCode()).as(imported.bodyAsString()).isEqualTo(200);
    assertThat(data(target)).containsExactlyElementsOf(data(source));
  }

  @Test
  void xlsxRoundTripReproducesTheRowsAndNeutralisesFormulas() throws IOException {
    String source = fill("Workbook");
    HttpResponse<Buffer> export = service.get("/api/tables/" + source + "/export?format=xlsx");
    assertThat(export.statusCode()).as(export.bodyAsString()).isEqualTo(200);
    assertThat(export.getHeader("Content-Type")).isEqualTo("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    try (ReadableWorkbook workbook = new ReadableWorkbook(new ByteArrayInputStream(export.body().getBytes()))) {
      List<Row> rows = workbook.getFirstSheet().read();
      assertThat(rows.get(0).getCellText(1)).isEqualTo("Ticket");
      Set<String> names = rows.stream().skip(1).map(row -> row.getCellText(2)).collect(Collectors.toSet());
      for (String formula : FORMULAS) {
        assertThat(names).contains("'" + formula);
      }
      assertThat(rows.stream().allMatch(row -> row.stream().allMatch(cell -> cell == null || cell.getFormula() == null)))
          .as("no cell is a formula").isTrue();
    }
    String target = attendees("Copy").getString("id");
    HttpResponse<Buffer> imported = service.raw(HttpMethod.POST, "/api/tables/" + target + "/import?wait=true",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", export.body());
    assertThat(imported.statusCode()).as(imported.bodyAsString()).isEqualTo(200);
    assertThat(data(target)).containsExactlyElementsOf(data(source));
  }

  @Test
  void aWorkbookSavedByLibreOfficeCalcImports() throws IOException {
    String tableId = attendees("From Calc").getString("id");
    byte[] workbook;
    try (InputStream in = getClass().getResourceAsStream("/imports/attendees.xlsx")) {
      workbook = in.readAllBytes();
    }
    HttpResponse<Buffer> imported = service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true&format=xlsx",
        "application/octet-stream", Buffer.buffer(workbook));
    assertThat(imported.statusCode()).as(imported.bodyAsString()).isEqualTo(200);
    assertThat(imported.bodyAsJsonObject().getJsonObject("report").getJsonObject("file").getString("sheet")).isEqualTo("Attendees");
    List<JsonObject> rows = data(tableId);
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0)).isEqualTo(new JsonObject().put("ticket", "0012345").put("full_name", "Anna Müller")
        .put("email", "anna@example.com").put("paid", 1234.5).put("born", "1990-04-03").put("vip", true));
    assertThat(rows.get(1).getString("ticket")).as("a number cell keeps all its digits").isEqualTo("4006381333931");
    assertThat(rows.get(1).getString("full_name")).isEqualTo("Line one\nline two");
    assertThat(rows.get(1).getString("born")).isEqualTo("2001-12-31");
    assertThat(rows.get(1).getBoolean("vip")).isFalse();
    assertThat(rows.get(2)).isEqualTo(new JsonObject().put("ticket", "=HYPERLINK(\"x\")").put("full_name", "3"));
  }

  @Test
  void scanHistoryExportsWithATimeRange() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "SCAN-1").put("name", "Ann"));
    for (String at : List.of("2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z", "2026-01-03T10:00:00Z")) {
      HttpResponse<Buffer> scanned = service.post("/api/scans", Fixtures.scan(tableId, "code", "scan-1").put("scanned_at", at)
          .put("device_id", "=cmd|' /C calc'!A0"));
      assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
    }
    HttpResponse<Buffer> export = service.get("/api/scans/export?table_id=" + tableId
        + "&from=2026-01-02T00:00:00Z&to=2026-01-04T00:00:00Z&format=csv");
    assertThat(export.statusCode()).as(export.bodyAsString()).isEqualTo(200);
    List<String> lines = export.bodyAsString().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).endsWith("scan_id,scanned_at,column,barcode,normalized_barcode,status,decision,direction,undone_at,"
        + "matched_row_ids,source,device_id,scanned_by,stored_at");
    assertThat(lines.get(1)).contains("2026-01-02T10:00:00", ",code,scan-1,scan-1,success,", ",'=cmd|");
    // The rows' export carries each barcode column's scan state: three scans of the row.
    List<String> rowLines = service.get("/api/tables/" + tableId + "/export").bodyAsString().lines().toList();
    assertThat(rowLines.get(0)).contains(",scan_count,last_scanned_at,scan_state:code:accepted,scan_state:code:inside,"
        + "scan_state:gtin:accepted,scan_state:gtin:inside");
    assertThat(rowLines.get(1)).contains(",3,2026-01-03T10:00:00");
    assertThat(lines.get(2)).contains("2026-01-03T10:00:00");

    HttpResponse<Buffer> workbook = service.get("/api/scans/export?table_id=" + tableId + "&format=xlsx");
    assertThat(workbook.statusCode()).isEqualTo(200);
    assertThat(service.get("/api/scans/export?table_id=" + UUID.randomUUID()).statusCode()).isEqualTo(404);
    assertThat(service.get("/api/scans/export").statusCode()).isEqualTo(422);
    assertThat(service.get("/api/tables/" + UUID.randomUUID() + "/export").statusCode()).isEqualTo(404);
    assertThat(service.get("/api/tables/" + tableId + "/export?format=pdf").statusCode()).isEqualTo(422);
  }

  @Test
  void aLargeExportIsPagedAndComplete() {
    String tableId = attendees("Large").getString("id");
    for (int chunk = 0; chunk < 5; chunk++) {
      JsonArray rows = new JsonArray();
      for (int i = 0; i < 1000; i++) {
        rows.add(new JsonObject().put("data", new JsonObject().put("ticket", "L-" + chunk + "-" + i).put("paid", i)));
      }
      assertThat(service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", rows)).statusCode()).isEqualTo(201);
    }
    HttpResponse<Buffer> export = service.get("/api/tables/" + tableId + "/export");
    assertThat(export.statusCode()).isEqualTo(200);
    List<String> lines = export.bodyAsString().lines().toList();
    assertThat(lines).hasSize(5001);
    assertThat(lines.stream().skip(1).map(line -> line.split(",")[0]).distinct().count()).isEqualTo(5000);
  }
}
