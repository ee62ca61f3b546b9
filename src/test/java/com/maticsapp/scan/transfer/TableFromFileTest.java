package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table made from a file (POST /api/workspaces/{id}/tables/import): columns from the header,
 * types from the first rows, the barcode column the caller names, the rows imported into it;
 * a bad file leaves no table; strangers and bad requests are refused before the upload is read.
 */
class TableFromFileTest extends ServiceTest {

  /** Small chunks, so an import of a thousand rows reports its progress ten times. */
  @Override
  protected Map<String, String> environment() {
    return Map.of("IMPORT_CHUNK_ROWS", "100");
  }

  private static final String ATTENDEES = """
      \uFEFFTicket;First name;E-mail;Paid;Seats;Registered;Note
      T-001;Ada;ada@example.org;yes;2;2026-03-01;"front row; aisle"
      T-002;Grace;grace@example.org;no;1;2026-03-02;
      T-003;Linus;linus@example.org;yes;3;2026-03-03;vegetarian
      """;

  private HttpResponse<Buffer> upload(String workspace, String query, String csv) {
    return service.raw(HttpMethod.POST, "/api/workspaces/" + workspace + "/tables/import?" + query, "text/csv",
        Buffer.buffer(csv, StandardCharsets.UTF_8.name()));
  }

  @Test
  void theHeaderNamesTheColumnsTheSampleTypesThemAndTheRowsAreImported() {
    String workspace = fixtures.workspace();
    HttpResponse<Buffer> created = upload(workspace, "name=Attendees&barcode=ticket&wait=true", ATTENDEES);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject table = created.bodyAsJsonObject().getJsonObject("table");
    Map<String, String> types = new LinkedHashMap<>();
    table.getJsonArray("columns").forEach(c -> types.put(((JsonObject) c).getString("name"), ((JsonObject) c).getString("column_type")));
    assertThat(types).containsExactly(Map.entry("ticket", "barcode"), Map.entry("first_name", "text"), Map.entry("e_mail", "email"),
        Map.entry("paid", "boolean"), Map.entry("seats", "number"), Map.entry("registered", "date"), Map.entry("note", "text"));
    assertThat(table.getJsonArray("columns").getJsonObject(1).getString("label")).isEqualTo("First name");
    JsonObject job = created.bodyAsJsonObject().getJsonObject("import");
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(job.getJsonObject("report").getLong("inserted")).isEqualTo(3);

    // The rows are there, typed, and the barcode column finds them.
    JsonArray rows = service.get("/api/tables/" + table.getString("id") + "/rows/search?column_name=ticket&value=t-002")
        .bodyAsJsonObject().getJsonArray("rows");
    assertThat(rows).hasSize(1);
    JsonObject cells = rows.getJsonObject(0).getJsonObject("data");
    assertThat(cells.getString("first_name")).isEqualTo("Grace");
    assertThat(cells.getValue("paid")).isEqualTo(false);
    assertThat(((Number) cells.getValue("seats")).intValue()).isEqualTo(1);
    assertThat(service.get("/api/workspaces/" + workspace + "/tables").bodyAsJsonObject().getJsonArray("tables"))
        .extracting(t -> ((JsonObject) t).getString("name")).contains("Attendees");
  }

  @Test
  void aFileThatDoesNotImportLeavesNoTableBehind() {
    String workspace = fixtures.workspace();
    // "Seats" looks like a number in the sample rows; a later one is not.
    StringBuilder csv = new StringBuilder("Ticket,Seats\n");
    for (int i = 0; i < 1_200; i++) {
      csv.append("B-").append(i).append(',').append(i == 1_100 ? "many" : Integer.toString(i % 5)).append('\n');
    }
    long tablesBefore = database.count("SELECT count(*) FROM data_tables");
    HttpResponse<Buffer> refused = upload(workspace, "name=Broken&barcode=Ticket&wait=true", csv.toString());
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
    assertThat(refused.bodyAsString()).contains("line 1102");
    assertThat(database.count("SELECT count(*) FROM data_tables")).isEqualTo(tablesBefore);
  }

  @Test
  void badRequestsAndStrangersAreRefusedBeforeAnythingIsRead() {
    String workspace = fixtures.workspace();
    long tablesBefore = database.count("SELECT count(*) FROM data_tables");
    assertThat(upload(workspace, "barcode=ticket&wait=true", ATTENDEES).statusCode()).as("no name").isEqualTo(422);
    assertThat(upload(workspace, "name=X&wait=true", ATTENDEES).statusCode()).as("no barcode").isEqualTo(422);
    assertThat(upload(workspace, "name=X&barcode=nope&wait=true", ATTENDEES).statusCode()).as("no such header").isEqualTo(422);
    assertThat(upload(workspace, "name=X&barcode=ticket&mode=upsert&key=ticket", ATTENDEES).statusCode()).isEqualTo(422);
    assertThat(upload(workspace, "name=X&barcode=ticket&normalization=fuzzy", ATTENDEES).statusCode()).isEqualTo(422);
    HttpResponse<Buffer> stranger = service.clientWithToken(Tokens.user("stranger"))
        .post("/api/workspaces/" + workspace + "/tables/import?name=X&barcode=ticket").putHeader("Content-Type", "text/csv")
        .sendBuffer(Buffer.buffer(ATTENDEES)).await();
    assertThat(stranger.statusCode()).isIn(403, 404);
    assertThat(database.count("SELECT count(*) FROM data_tables")).isEqualTo(tablesBefore);
  }

  @Test
  void aRunningImportReportsItsProgressOnTheTablesLiveStream() {
    String tableId = fixtures.table().getString("id");
    String path = "/api/tables/" + tableId + "/scans/stream?access_token=" + Tokens.user(RunningService.USER);
    try (SseStream stream = SseStream.open(service.vertx(), service.port(), path, null)) {
      assertThat(stream.status()).isEqualTo(200);
      next(stream, "ready");
      StringBuilder csv = new StringBuilder("code,name\n");
      for (int i = 0; i < 1_000; i++) {
        csv.append("P-").append(i).append(",Item ").append(i).append('\n');
      }
      HttpResponse<Buffer> imported = service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true", "text/csv",
          Buffer.buffer(csv.toString()));
      assertThat(imported.statusCode()).as(imported.bodyAsString()).isEqualTo(200);
      String jobId = imported.bodyAsJsonObject().getString("id");
      List<JsonObject> progress = new ArrayList<>();
      JsonObject last;
      do {
        last = next(stream, "import").json();
        progress.add(last);
      } while (!"succeeded".equals(last.getString("status")));
      assertThat(progress).allSatisfy(event -> assertThat(event.getString("id")).isEqualTo(jobId));
      List<Long> read = progress.stream().filter(event -> "running".equals(event.getString("status")))
          .map(event -> event.getLong("rows_read")).toList();
      assertThat(read).as("rows read, chunk by chunk, as the import runs").hasSizeGreaterThanOrEqualTo(5).isSorted();
      assertThat(read.get(0)).isLessThan(1_000L);
      assertThat(last.getLong("rows_staged")).isEqualTo(1_000L);
    }
  }

  private static SseStream.Frame next(SseStream stream, String event) {
    SseStream.Frame frame;
    do {
      frame = stream.next(java.time.Duration.ofSeconds(10));
    } while (frame.isComment() || !event.equals(frame.event()));
    return frame;
  }

  @Test
  void withoutWaitTheTableIsAnsweredWithItsRunningImport() throws Exception {
    String workspace = fixtures.workspace();
    HttpResponse<Buffer> accepted = upload(workspace, "name=Later&barcode=ticket", ATTENDEES);
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    String jobId = accepted.bodyAsJsonObject().getJsonObject("import").getString("id");
    assertThat(accepted.getHeader("Location")).isEqualTo("/api/imports/" + jobId);
    for (int i = 0; i < 100 && !"succeeded".equals(service.get("/api/imports/" + jobId).bodyAsJsonObject().getString("status")); i++) {
      Thread.sleep(50);
    }
    assertThat(service.get("/api/imports/" + jobId).bodyAsJsonObject().getString("status")).isEqualTo("succeeded");
  }
}
