package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Importing real-world CSV files: Excel's semicolon CSV with a BOM and decimal commas, UTF-16
 * and Windows-1252 exports, quoted line breaks; bad cells reported by line; upsert with
 * archive-missing; dry runs; one import at a time per table; and a failure at the last step
 * (the applying statement's deadline passes) that leaves nothing behind.
 */
class ImportTest extends ServiceTest {

  @Override
  protected Map<String, String> environment() {
    return Map.of("IMPORT_APPLY_TIMEOUT", "3s", "IMPORT_CHUNK_ROWS", "500");
  }

  /** An attendee list: a barcode column "ticket", name, email, a number, a date, a boolean. */
  JsonObject attendees() {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject()
        .put("workspace_id", fixtures.workspace())
        .put("name", "Attendees")
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

  HttpResponse<Buffer> upload(String tableId, String query, String contentType, byte[] body) {
    return service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true" + (query.isEmpty() ? "" : "&" + query),
        contentType, Buffer.buffer(body));
  }

  static byte[] withBom(byte[] bom, String text, Charset charset) {
    byte[] body = text.getBytes(charset);
    byte[] all = new byte[bom.length + body.length];
    System.arraycopy(bom, 0, all, 0, bom.length);
    System.arraycopy(body, 0, all, bom.length, body.length);
    return all;
  }

  List<JsonObject> rows(String tableId) {
    JsonArray rows = service.get("/api/tables/" + tableId + "/rows?limit=1000&include_archived=true").bodyAsJsonObject().getJsonArray("rows");
    return rows.stream().map(JsonObject.class::cast).collect(Collectors.toList());
  }

  JsonObject byTicket(String tableId, String ticket) {
    return rows(tableId).stream().filter(row -> ticket.equals(row.getJsonObject("data").getString("ticket"))).findFirst().orElseThrow();
  }

  @Test
  void excelSemicolonCsvWithBomDecimalCommasAndQuotedNewlines() {
    String tableId = attendees().getString("id");
    String csv = "Ticket;Name;E-Mail;Amount paid;born;VIP\r\n"
        + "T-001;\"Müller, Anna\";anna@example.com;1.234,50;03.04.1990;ja\r\n"
        + "T-002;\"Bob \"\"the builder\"\"\r\nSmith\";bob@example.com;12,5;1985-12-31;no\r\n"
        + "\r\n"
        + "T-003;Chloé;chloe@example.com;;;\r\n"
        + ";;;;;\r\n";
    HttpResponse<Buffer> done = upload(tableId, "", "text/csv", withBom(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, csv, StandardCharsets.UTF_8));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    JsonObject job = done.bodyAsJsonObject();
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(job.getJsonObject("report").getLong("inserted")).isEqualTo(3);
    assertThat(job.getJsonObject("report").getJsonObject("file").getString("delimiter")).isEqualTo(";");
    assertThat(job.getJsonObject("report").getJsonObject("file").getString("encoding")).isEqualTo("UTF-8");

    JsonObject anna = byTicket(tableId, "T-001").getJsonObject("data");
    assertThat(anna.getString("full_name")).isEqualTo("Müller, Anna");
    assertThat(anna.getDouble("paid")).isEqualTo(1234.5);
    assertThat(anna.getString("born")).isEqualTo("1990-04-03");
    assertThat(anna.getBoolean("vip")).isTrue();
    JsonObject bob = byTicket(tableId, "T-002").getJsonObject("data");
    assertThat(bob.getString("full_name")).isEqualTo("Bob \"the builder\"\r\nSmith");
    assertThat(bob.getDouble("paid")).isEqualTo(12.5);
    assertThat(bob.getBoolean("vip")).isFalse();
    assertThat(byTicket(tableId, "T-003").getJsonObject("data").fieldNames()).containsExactlyInAnyOrder("ticket", "full_name", "email");
    // The barcode index follows the imported rows: a lookup finds them.
    HttpResponse<Buffer> found = service.get("/api/tables/" + tableId + "/rows/search?column_name=ticket&value=t-002");
    assertThat(found.statusCode()).as(found.bodyAsString()).isEqualTo(200);
    assertThat(found.bodyAsJsonObject().getJsonArray("rows")).hasSize(1);
    assertThat(database.count("SELECT count(*) FROM import_staging")).isZero();
  }

  @Test
  void utf16AndWindows1252ExportsAreDetected() {
    String tableId = attendees().getString("id");
    // Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated.
    String tabbed = "ticket\tfull_name\temail\r\nU-1\tZoë Œuvre 😀\tzoe@example.com\r\n";
    HttpResponse<Buffer> utf16 = upload(tableId, "", "text/csv",
        withBom(new byte[] {(byte) 0xff, (byte) 0xfe}, tabbed, StandardCharsets.UTF_16LE));
    assertThat(utf16.statusCode()).as(utf16.bodyAsString()).isEqualTo(200);
    assertThat(utf16.bodyAsJsonObject().getJsonObject("report").getJsonObject("file").getString("delimiter")).isEqualTo("\t");
    assertThat(byTicket(tableId, "U-1").getJsonObject("data").getString("full_name")).isEqualTo("Zoë Œuvre 😀");

    // Excel's "CSV" on Western-European Windows: Windows-1252, no BOM.
    String western = "ticket,full_name,email\r\nW-1,Renée Façade – “quoted” €,renee@example.com\r\n";
    HttpResponse<Buffer> cp1252 = upload(tableId, "", "text/csv", western.getBytes(Charset.forName("windows-1252")));
    assertThat(cp1252.statusCode()).as(cp1252.bodyAsString()).isEqualTo(200);
    assertThat(cp1252.bodyAsJsonObject().getJsonObject("report").getJsonObject("file").getString("encoding")).isEqualTo("windows-1252");
    assertThat(byTicket(tableId, "W-1").getJsonObject("data").getString("full_name")).isEqualTo("Renée Façade – “quoted” €");

    // Chosen explicitly: the same bytes read as ISO-8859-1 are different text, and the request says so.
    HttpResponse<Buffer> chosen = upload(tableId, "encoding=utf-8", "text/csv", western.getBytes(Charset.forName("windows-1252")));
    assertThat(chosen.statusCode()).isEqualTo(422);
    assertThat(chosen.bodyAsJsonObject().getString("detail")).contains("not valid UTF-8");
  }

  @Test
  void badCellsAreReportedByLineAndNothingIsWritten() {
    String tableId = attendees().getString("id");
    String csv = "ticket,full_name,email,paid,born,vip,shoe size\n"
        + "B-1,Ann,ann@example.com,10,2020-01-01,yes,42\n"
        + "B-2,Ben,not-an-email,ten,31.02.2020,maybe,43\n"
        + "B-3,Cid,cid@example.com,1.5,2020-02-02,no,44\n";
    HttpResponse<Buffer> failed = upload(tableId, "", "text/csv", csv.getBytes(StandardCharsets.UTF_8));
    assertThat(failed.statusCode()).as(failed.bodyAsString()).isEqualTo(422);
    JsonArray errors = failed.bodyAsJsonObject().getJsonArray("errors");
    assertThat(errors.stream().map(e -> ((JsonObject) e).getString("field")))
        .containsExactlyInAnyOrder("line 3: email", "line 3: paid", "line 3: born", "line 3: vip");
    assertThat(failed.bodyAsString()).doesNotContain("not-an-email").as("reports never copy cell values");
    assertThat(rows(tableId)).isEmpty();
    assertThat(database.count("SELECT count(*) FROM import_staging")).isZero();
    String jobId = failed.headers().get("Location").substring("/api/imports/".length());
    JsonObject job = service.get("/api/imports/" + jobId).bodyAsJsonObject();
    assertThat(job.getString("status")).isEqualTo("failed");
    assertThat(job.getJsonObject("report").getJsonObject("mapping").getJsonArray("unknown")).containsExactly("shoe size");

    // Refusing unknown headers is the caller's choice; skipping bad rows too.
    HttpResponse<Buffer> refused = upload(tableId, "unknown_headers=refuse", "text/csv", csv.getBytes(StandardCharsets.UTF_8));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(refused.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("line 1: shoe size");
    HttpResponse<Buffer> skipped = upload(tableId, "on_error=skip", "text/csv", csv.getBytes(StandardCharsets.UTF_8));
    assertThat(skipped.statusCode()).as(skipped.bodyAsString()).isEqualTo(200);
    assertThat(skipped.bodyAsJsonObject().getJsonObject("report").getLong("inserted")).isEqualTo(2);
    assertThat(skipped.bodyAsJsonObject().getJsonObject("report").getLong("bad_cells")).isEqualTo(4);
  }

  @Test
  void gtinCellsAreValidatedByTheDatabaseRule() {
    String tableId = fixtures.table().getString("id");
    String csv = "code,gtin,name\nA,4006381333931,ok\nB,4006381333932,wrong check digit\n";
    HttpResponse<Buffer> failed = upload(tableId, "", "text/csv", csv.getBytes(StandardCharsets.UTF_8));
    assertThat(failed.statusCode()).as(failed.bodyAsString()).isEqualTo(422);
    assertThat(failed.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("line 3: gtin");
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "'")).isZero();
  }

  @Test
  void upsertUpdatesInsertsAndArchivesMissingAndDryRunWritesNothing() {
    String tableId = attendees().getString("id");
    String first = "ticket,full_name,paid\nK-1,Ann,1\nK-2,Ben,2\nK-3,Cid,3\n";
    assertThat(upload(tableId, "", "text/csv", first.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
    String scanned = byTicket(tableId, "K-2").getString("id");
    String changed = "ticket,full_name,paid\nK-1,Ann,1\nK-2,Benjamin,\nK-4,Dee,4\n"; // K-1 unchanged
    String upsert = "mode=upsert&key=ticket&archive_missing=true";

    String before = database.text("SELECT string_agg(data::text || is_archived, ',' ORDER BY position) FROM table_rows WHERE table_id = '" + tableId + "'");
    HttpResponse<Buffer> dry = upload(tableId, upsert + "&dry_run=true", "text/csv", changed.getBytes(StandardCharsets.UTF_8));
    assertThat(dry.statusCode()).as(dry.bodyAsString()).isEqualTo(200);
    JsonObject planned = dry.bodyAsJsonObject().getJsonObject("report").getJsonObject("planned");
    assertThat(planned).isEqualTo(new JsonObject().put("inserts", 1).put("updates", 1).put("unchanged", 1).put("archives", 1));
    assertThat(database.text("SELECT string_agg(data::text || is_archived, ',' ORDER BY position) FROM table_rows WHERE table_id = '" + tableId + "'"))
        .as("a dry run writes nothing").isEqualTo(before);
    assertThat(database.count("SELECT count(*) FROM import_staging")).isZero();

    HttpResponse<Buffer> applied = upload(tableId, upsert, "text/csv", changed.getBytes(StandardCharsets.UTF_8));
    assertThat(applied.statusCode()).as(applied.bodyAsString()).isEqualTo(200);
    JsonObject report = applied.bodyAsJsonObject().getJsonObject("report");
    assertThat(report.getLong("inserted")).isEqualTo(1);
    assertThat(report.getLong("updated")).isEqualTo(1);
    assertThat(report.getLong("archived")).isEqualTo(1);
    JsonObject ben = byTicket(tableId, "K-2");
    assertThat(ben.getString("id")).as("updated in place").isEqualTo(scanned);
    assertThat(ben.getJsonObject("data")).isEqualTo(new JsonObject().put("ticket", "K-2").put("full_name", "Benjamin"));
    assertThat(byTicket(tableId, "K-3").getBoolean("is_archived")).isTrue();
    assertThat(service.get("/api/tables/" + tableId + "/rows/search?column_name=ticket&value=K-3").bodyAsJsonObject().getJsonArray("rows"))
        .as("an archived row leaves the barcode index").isEmpty();
    assertThat(byTicket(tableId, "K-4").getBoolean("is_archived")).isFalse();

    // Duplicate keys in the file: refused, naming the lines.
    HttpResponse<Buffer> duplicate = upload(tableId, upsert, "text/csv", "ticket,full_name\nK-9,a\nK-8,b\nk-9,c\n".getBytes(StandardCharsets.UTF_8));
    assertThat(duplicate.statusCode()).isEqualTo(422);
    assertThat(duplicate.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("message")).contains("[2,4]");
  }

  @Test
  void aSecondImportOfTheSameTableIsRefusedWhileOneIsActive() {
    String tableId = attendees().getString("id");
    String active = UUID.randomUUID().toString();
    database.execute("INSERT INTO import_jobs (id, table_id, status, options, created_by) VALUES ('" + active + "', '"
        + tableId + "', 'running', '{}', 'someone')");
    HttpResponse<Buffer> refused = upload(tableId, "", "text/csv", "ticket\nX\n".getBytes(StandardCharsets.UTF_8));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(409);
    assertThat(rows(tableId)).isEmpty();
    // A job whose process is gone (no progress for longer than transfer.importAbandonedAfter) no longer blocks.
    database.execute("UPDATE import_jobs SET updated_at = now() - interval '1 hour' WHERE id = '" + active + "'");
    assertThat(upload(tableId, "", "text/csv", "ticket\nX\n".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
    assertThat(database.text("SELECT status FROM import_jobs WHERE id = '" + active + "'")).isEqualTo("failed");
  }

  @Test
  void aFailureWhileApplyingLeavesNothingBehind() throws Exception {
    String tableId = attendees().getString("id");
    StringBuilder csv = new StringBuilder("ticket,full_name,paid\n");
    for (int i = 0; i < 1_200; i++) {
      csv.append("F-").append(i).append(",Person ").append(i).append(',').append(i).append('\n');
    }
    try (Connection blocker = database.connect(); Statement lock = blocker.createStatement()) {
      blocker.setAutoCommit(false);
      // Reads go on (staging, counting); the applying statement waits for the lock past its 3 s deadline.
      lock.execute("LOCK TABLE table_rows IN EXCLUSIVE MODE");
      HttpResponse<Buffer> failed = upload(tableId, "", "text/csv", csv.toString().getBytes(StandardCharsets.UTF_8));
      blocker.rollback();
      assertThat(failed.statusCode()).as(failed.bodyAsString()).isEqualTo(422);
      assertThat(failed.bodyAsJsonObject().getString("detail")).contains("statement timeout");
    }
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "'")).isZero();
    assertThat(database.count("SELECT count(*) FROM barcode_values WHERE table_id = '" + tableId + "'")).isZero();
    assertThat(database.count("SELECT count(*) FROM import_staging")).isZero();
    assertThat(database.text("SELECT status || ' ' || rows_staged FROM import_jobs WHERE table_id = '" + tableId + "'"))
        .isEqualTo("failed 1200");
    // And the same file goes in once nothing is in the way.
    HttpResponse<Buffer> done = upload(tableId, "", "text/csv", csv.toString().getBytes(StandardCharsets.UTF_8));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId + "'")).isEqualTo(1_200);
  }

  @Test
  void progressIsReadableAndTheJobAnswersAtOnceWithoutWait() {
    String tableId = attendees().getString("id");
    HttpResponse<Buffer> accepted = service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import", "text/csv",
        Buffer.buffer("ticket\nP-1\nP-2\n"));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    String location = accepted.getHeader("Location");
    JsonObject job = null;
    for (int i = 0; i < 100; i++) {
      job = service.get(location).bodyAsJsonObject();
      if (!"running".equals(job.getString("status"))) {
        break;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    assertThat(job.getString("status")).isEqualTo("succeeded");
    assertThat(job.getLong("rows_read")).isEqualTo(2);
    assertThat(service.get("/api/imports/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
    assertThat(service.raw(HttpMethod.POST, "/api/tables/" + tableId + "/import?mode=sideways", "text/csv",
        Buffer.buffer("ticket\n")).statusCode()).isEqualTo(422);
  }
}
