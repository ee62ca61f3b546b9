package com.maticsapp.scan.transfer;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A column's type changed while rows are written: no row ends with a cell of the old type.
 * Each side is held half-way by a transaction of the test's own, so the order is certain: a
 * row write that has its lock on the columns before the change, and one that comes while the
 * change holds its column; and a change asked for while an import of the table is running.
 */
class ColumnChangeRaceTest extends ServiceTest {

  HttpResponse<Buffer> retype(String tableId, String columnId, String type) {
    return service.patch("/api/tables/" + tableId + "/columns/" + columnId, new JsonObject().put("column_type", type));
  }

  @Test
  void aRowWrittenBeforeTheChangeHasItsLockIsConvertedByIt() throws Exception {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String nameId = Fixtures.columnId(table, "name");
    fixtures.row(tableId, new JsonObject().put("code", "R-1").put("name", "12"));
    HttpResponse<Buffer> changed;
    try (Connection writer = database.connect(); Statement write = writer.createStatement()) {
      writer.setAutoCommit(false);
      // What RowStore's insert does, held open: the columns locked as checked, a text cell written.
      write.execute("SELECT 1 FROM table_columns WHERE table_id = '" + tableId + "' FOR KEY SHARE");
      write.execute("INSERT INTO table_rows (table_id, data) VALUES ('" + tableId + "', '{\"code\": \"R-2\", \"name\": \"34\"}')");
      CompletableFuture<HttpResponse<Buffer>> change = CompletableFuture.supplyAsync(() -> retype(tableId, nameId, "number"));
      TimeUnit.MILLISECONDS.sleep(500);
      assertThat(change).as("the change waits for the write that locked the columns first").isNotDone();
      writer.commit();
      changed = change.get(10, TimeUnit.SECONDS);
    }
    assertThat(changed.statusCode()).as(changed.bodyAsString()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getJsonObject("change").getLong("converted")).isEqualTo(2);
    assertThat(database.text("SELECT string_agg((data ->> 'code') || ':' || jsonb_typeof(data -> 'name'), ',' ORDER BY data ->> 'code')"
        + " FROM table_rows WHERE table_id = '" + tableId + "'"))
        .as("the row written while the change waited is converted too").isEqualTo("R-1:number,R-2:number");
  }

  @Test
  void aRowWrittenWhileTheChangeHoldsItsColumnIsCheckedAgainstTheNewType() throws Exception {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String nameId = Fixtures.columnId(table, "name");
    HttpResponse<Buffer> word;
    HttpResponse<Buffer> number; // a row valid with either type: written once the change is in
    try (Connection change = database.connect(); Statement retype = change.createStatement()) {
      change.setAutoCommit(false);
      // What matic_change_column does, held open: its column locked and retyped (no row has a cell yet).
      retype.execute("SELECT 1 FROM table_columns WHERE id = '" + nameId + "' FOR UPDATE");
      retype.execute("UPDATE table_columns SET column_type = 'number' WHERE id = '" + nameId + "'");
      CompletableFuture<HttpResponse<Buffer>> text = CompletableFuture.supplyAsync(() ->
          service.post("/api/tables/" + tableId + "/rows", new JsonObject().put("data", new JsonObject().put("code", "W-1").put("name", "abc"))));
      CompletableFuture<HttpResponse<Buffer>> digits = CompletableFuture.supplyAsync(() ->
          service.post("/api/tables/" + tableId + "/rows", new JsonObject().put("data", new JsonObject().put("code", "W-2"))));
      TimeUnit.MILLISECONDS.sleep(500);
      assertThat(text).as("the write waits for the change that holds the column").isNotDone();
      change.commit();
      word = text.get(10, TimeUnit.SECONDS);
      number = digits.get(10, TimeUnit.SECONDS);
    }
    assertThat(word.statusCode()).as("checked again: a word is no number: " + word.bodyAsString()).isEqualTo(422);
    assertThat(number.statusCode()).as("checked again and sent again: " + number.bodyAsString()).isEqualTo(201);
    assertThat(database.text("SELECT string_agg(data ->> 'code', ',') FROM table_rows WHERE table_id = '" + tableId + "'")).isEqualTo("W-2");
  }

  @Test
  void aColumnDoesNotChangeWhileAnImportOfItsTableRuns() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String nameId = Fixtures.columnId(table, "name");
    String job = UUID.randomUUID().toString();
    database.execute("INSERT INTO import_jobs (id, table_id, status, options, created_by) VALUES ('" + job + "', '"
        + tableId + "', 'running', '{}', 'someone')");
    HttpResponse<Buffer> refused = retype(tableId, nameId, "number");
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(409);
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains("an import of table " + tableId + " is running");
    database.execute("UPDATE import_jobs SET status = 'failed' WHERE id = '" + job + "'");
    assertThat(retype(tableId, nameId, "number").statusCode()).isEqualTo(200);
  }
}
