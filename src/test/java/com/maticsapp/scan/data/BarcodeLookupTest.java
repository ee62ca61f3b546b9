package com.maticsapp.scan.data;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Barcode normalisation (the SQL function is the one definition) and the indexed lookup: a
 * 100,000-row table is probed through barcode_values, never scanned.
 */
class BarcodeLookupTest extends ServiceTest {

  private static final int ROWS = 100_000;

  private JsonObject table;
  private String tableId;

  @BeforeAll
  void prepare() {
    table = fixtures.table();
    tableId = table.getString("id");
    // Rows written by plain SQL, as the desktop app would: the trigger indexes them.
    database.execute("INSERT INTO table_rows (table_id, data) SELECT '" + tableId + "', "
        + "jsonb_build_object('code', 'ITEM-' || lpad(g::text, 6, '0'), 'name', 'item ' || g) "
        + "FROM generate_series(1, " + ROWS + ") g", "ANALYZE table_rows", "ANALYZE barcode_values");
  }

  @ParameterizedTest(name = "gtin {0} -> {1}")
  @CsvSource({
      "036000291452, 00036000291452",          // UPC-A
      "0036000291452, 00036000291452",         // the same product as EAN-13
      "00036000291452, 00036000291452",        // and as GTIN-14
      "'0 36000 29145 2', 00036000291452",     // printed with spaces
      "4006381333931, 04006381333931",         // EAN-13
      "96385074, 00000096385074",              // EAN-8
      "10614141000415, 10614141000415",        // GTIN-14 with an indicator digit
      "036000291453, ",                        // wrong check digit
      "4006381333932, ",                       // wrong check digit
      "12345, ",                               // wrong length
      "0360002914AB, ",                        // letters
  })
  void gtinNormalisation(String raw, String expected) {
    assertThat(normalize("gtin", raw)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "exact [{0}] -> {1}")
  @CsvSource({
      "'  ABC-123 ', abc-123",
      "'abc-123', abc-123",
      "'MiXeD', mixed",
      "'   ', ",
  })
  void exactNormalisation(String raw, String expected) {
    assertThat(normalize("exact", raw)).isEqualTo(expected);
  }

  @Test
  void everyPrintOfAGtinFindsTheSameRow() {
    String rowId = fixtures.row(tableId, new JsonObject().put("gtin", "0036000291452")).getString("id");
    for (String print : new String[] {"036000291452", "0036000291452", "00036000291452"}) {
      JsonObject found = service.get("/api/tables/" + tableId + "/rows/search?column_name=gtin&value=" + print).bodyAsJsonObject();
      assertThat(found.getJsonArray("rows").getJsonObject(0).getString("id")).as(print).isEqualTo(rowId);
      assertThat(found.getString("normalized_value")).isEqualTo("00036000291452");
    }
    var invalid = service.get("/api/tables/" + tableId + "/rows/search?column_name=gtin&value=036000291453");
    assertThat(invalid.statusCode()).isEqualTo(422);
    assertThat(invalid.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field"))
        .as("reported under the query parameter's name").isEqualTo("value");
  }

  @Test
  void rowsFarPastTheFirstHundredMatchAndSubstringsDoNot() {
    JsonArray deep = service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=item-099999")
        .bodyAsJsonObject().getJsonArray("rows");
    assertThat(deep).hasSize(1);
    assertThat(deep.getJsonObject(0).getJsonObject("data").getString("name")).isEqualTo("item 99999");
    assertThat(service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=ITEM-09999")
        .bodyAsJsonObject().getJsonArray("rows")).isEmpty();
    assertThat(service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=099999")
        .bodyAsJsonObject().getJsonArray("rows")).isEmpty();
  }

  @Test
  void aLookupIsAnIndexProbeNotATableScan() throws Exception {
    String plan = explain(LookupStore.LOOKUP, "'" + tableId + "', NULL, 'code', 'ITEM-054321', 100, 'user-1', NULL, NULL");
    assertThat(plan).contains("barcode_values_pkey");
    assertThat(plan).doesNotContain("Seq Scan on table_rows").doesNotContain("Seq Scan on barcode_values");

    String scanPlan = explain(ScanStore.RECORD_SCANS, "'{0}', '{" + UUID.randomUUID() + "}', '{" + tableId + "}', "
        + "'{NULL}', '{code}', '{ITEM-054321}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', 100, '{user-1}', '{NULL}', '{NULL}', '{NULL}', '{NULL}', '{NULL}'");
    assertThat(scanPlan).contains("barcode_values_pkey");
    assertThat(scanPlan).doesNotContain("Seq Scan on table_rows").doesNotContain("Seq Scan on barcode_values");
  }

  @Test
  void aSnapshotPageWalksTheRowIndexFromItsKeysetInsteadOfSortingTheTable() throws Exception {
    // Late in the table, where a plan that reads and sorts "everything after the keyset" costs
    // the most: the page must be an index walk of table_rows_page that stops after its limit.
    String code = Fixtures.columnId(table, "code");
    String plan = explain(SyncStore.SNAPSHOT_PAGE, "'" + tableId + "', '" + code + "', 'user-1', NULL, NULL, NULL, NULL, NULL, false, "
        + (ROWS / 2) + ", '00000000-0000-0000-0000-000000000000', 1000");
    assertThat(plan).contains("table_rows_page").doesNotContain("Seq Scan on table_rows");
  }

  private String normalize(String mode, String raw) {
    try (Connection connection = database.connect();
         PreparedStatement statement = connection.prepareStatement("SELECT matic_normalize_barcode(?, ?)")) {
      statement.setString(1, mode);
      statement.setString(2, raw);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getString(1);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The plan PostgreSQL chooses for the generic form of a prepared statement (the form a
   * long-lived pipelined connection ends up executing), with the given literal arguments.
   */
  private String explain(String sql, String arguments) throws Exception {
    try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      statement.execute("SET LOCAL plan_cache_mode = force_generic_plan");
      statement.execute("PREPARE probe AS " + sql);
      StringBuilder plan = new StringBuilder();
      try (ResultSet rows = statement.executeQuery("EXPLAIN EXECUTE probe(" + arguments + ")")) {
        while (rows.next()) {
          plan.append(rows.getString(1)).append('\n');
        }
      }
      connection.rollback();
      return plan.toString();
    }
  }
}
