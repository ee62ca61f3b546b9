package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.contract.CellRules;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * Two deciders of "does this value fit a column of this type" must agree: CellRules (the
 * service, for rows and rule definitions) and matic_cell_fits (the scan statement, for values a
 * scan carries into on_accept actions). Every type a scan input may target, against a table of
 * values; date columns take no scan input (docs/scan-rules.md), so the SQL does not decide them.
 */
class CellFitsAgreementTest extends ServiceTest {

  private static final List<String> TYPES = List.of("text", "number", "boolean", "barcode", "select", "email", "url");

  private static List<Object> values() {
    List<Object> values = new ArrayList<>();
    values.add(null);
    values.add(true);
    values.add(false);
    values.add(0);
    values.add(-3);
    values.add(1.5);
    values.add(1e300);
    values.add("");
    values.add(" ");
    values.add("hello");
    values.add("42");
    values.add("true");
    values.add("ada@example.com");
    values.add("a@b");
    values.add("@b");
    values.add("a@");
    values.add("a@@b");
    values.add("a b@c");
    values.add("a@b c");
    values.add("a\tb@c");
    values.add("a\u00a0b@c");       // no-break space: not white space to either
    values.add("a\u2003b@c");       // em space
    values.add("a@b\n");
    values.add("http://example.com");
    values.add("HTTPS://example.com/a?b=c");
    values.add("https://");
    values.add("https://a b");
    values.add("ftp://example.com");
    values.add(" http://example.com");
    values.add("http://exa\u00a0mple.com");
    values.add("2026-12-02");
    values.add("x".repeat(CellRules.CELL_MAX_LENGTH));
    values.add("x".repeat(CellRules.CELL_MAX_LENGTH + 1));
    values.add("😀".repeat(CellRules.CELL_MAX_LENGTH));      // 10000 characters, 20000 UTF-16 units
    values.add("😀".repeat(CellRules.CELL_MAX_LENGTH / 2 + 1));
    values.add("é".repeat(CellRules.CELL_MAX_LENGTH));
    values.add(new JsonArray().add(1));
    values.add(new JsonObject().put("a", 1));
    return values;
  }

  @Test
  void cellRulesAndMaticCellFitsAgreeOnEveryCase() throws Exception {
    List<Object> values = values();
    List<String> disagreements = new ArrayList<>();
    try (Connection connection = database.connect();
         PreparedStatement fits = connection.prepareStatement("SELECT matic_cell_fits(?, ?::jsonb)")) {
      for (String type : TYPES) {
        for (Object value : values) {
          fits.setString(1, type);
          fits.setString(2, Json.encode(value));
          boolean sql;
          try (ResultSet result = fits.executeQuery()) {
            result.next();
            sql = result.getBoolean(1);
          }
          boolean java = CellRules.problem(type, value) == null;
          if (sql != java) {
            disagreements.add(type + " " + shortly(value) + ": CellRules " + java + ", matic_cell_fits " + sql);
          }
        }
      }
    }
    assertSoftly(softly -> softly.assertThat(disagreements).as("cases where the two disagree").isEmpty());
  }

  private static String shortly(Object value) {
    String json = Json.encode(value);
    int characters = json.codePointCount(0, json.length());
    return characters > 40 ? json.substring(0, json.offsetByCodePoints(0, 10)) + "…(" + characters + " characters)" : json;
  }
}
