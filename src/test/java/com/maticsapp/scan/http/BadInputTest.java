package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Every kind of bad input at every route: each case names the exact status it must get, and
 * every answer the router gives is a problem document. Before the first case the database is
 * snapshotted (row counts and a checksum of the rows); after the last one nothing may have
 * changed and the service must still answer good requests.
 *
 * <p>The statuses: 400 for a body that is empty, not UTF-8, not JSON, not an object, nested too
 * deep or with a repeated key; 413 over the body limit; 415 for a content type that is not
 * JSON; 422 naming the field for a wrong type, a value out of bounds, text with a NUL or an
 * unpaired surrogate, a number beyond double range, a barcode outside the charset; 404 for a
 * path id that is not a UUID and for ids that name nothing; 405 for a method a route does not
 * have; 414 and 431 for request lines and headers over the decoder's limits. A scan batch
 * answers 200 with a result per item; an item that is bad on its own gets its own 4xx.
 *
 * <p>Requests go through the service's own client ({@code service.post/get/patch/raw/client()}),
 * so whatever it sends by default (credentials, once there are any) goes along. Only requests
 * too malformed for any client to send — oversized request lines and headers — use a raw socket;
 * the HTTP decoder refuses those before routing, so nothing else about them matters.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputTest extends ServiceTest {

  private static final Logger log = LoggerFactory.getLogger(BadInputTest.class);
  private static final DeliveryOptions FAST = new DeliveryOptions().setSendTimeout(5_000)
      .addHeader(Addresses.AUTHORIZATION, Tokens.bearer(Tokens.user(RunningService.USER)));

  private static final String WORKSPACES = "/api/workspaces";
  private static final String TABLES = "/api/tables";
  private static final String TABLE = "/api/tables/$TABLE";
  private static final String ROWS = TABLE + "/rows";
  private static final String BULK = ROWS + "/bulk";
  private static final String ROW = ROWS + "/$ROW";
  private static final String SEARCH = ROWS + "/search";
  private static final String SCANS = "/api/scans";
  private static final String BATCH = "/api/scans/batch";
  private static final String MEMBER = "/api/workspaces/$WORKSPACE/members/someone";
  private static final String PAIRINGS = TABLE + "/pairings";
  private static final String CLAIM = "/api/pairings/claim";

  /** The routes that read a JSON body. */
  private static final List<String[]> BODY_ROUTES = List.of(
      new String[] {"POST", WORKSPACES}, new String[] {"POST", TABLES}, new String[] {"POST", ROWS},
      new String[] {"POST", BULK}, new String[] {"PATCH", ROW}, new String[] {"POST", SCANS},
      new String[] {"POST", BATCH}, new String[] {"PUT", MEMBER}, new String[] {"POST", PAIRINGS},
      new String[] {"POST", CLAIM});

  private static final String RANDOM_ID = "6a1c1f7e-5a0e-4a55-9e59-2b7c6f0e0001";
  /** Ids that are not ids, as they appear in a URL path (percent-encoded) and in a JSON body. */
  private static final Map<String, String> BAD_IDS = badIds();

  /** Barcodes refused under the default charset (printable ASCII): look-alikes, invisibles, controls. */
  private static final Map<String, String> BAD_BARCODES = badBarcodes();

  private String tableId;
  private String rowId;
  private String workspaceId;
  private Map<String, Long> before;
  private final AtomicInteger cases = new AtomicInteger();
  private final AtomicInteger clientErrors = new AtomicInteger();
  private final AtomicInteger batchItemErrors = new AtomicInteger();
  private final AtomicInteger serverErrors = new AtomicInteger();

  /** One bad request and the answer it must get; {@code field} is a field the problem must name. */
  record Case(String name, HttpMethod method, String path, String contentType, byte[] body, int status, String field,
              int itemStatus) {

    Case expectField(String field) {
      return new Case(name, method, path, contentType, body, status, field, itemStatus);
    }

    /** A batch answered 200 whose every item has {@code itemStatus}. */
    Case expectItems(int itemStatus) {
      return new Case(name, method, path, contentType, body, 200, field, itemStatus);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  void tableRowsAndAScanThenSnapshot() {
    JsonObject table = fixtures.table();
    tableId = table.getString("id");
    workspaceId = table.getString("workspace_id");
    rowId = fixtures.row(tableId, new JsonObject().put("code", "TCK-0042").put("name", "Ada").put("qty", 3)).getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "TCK-0043").put("gtin", "4006381333931"));
    assertThat(service.post(SCANS, scan(tableId, "code", "tck-0042")).statusCode()).isEqualTo(201);
    before = snapshot();
    assertThat(before.get("scans")).isPositive();
  }

  // ---------------------------------------------------------------- the cases

  /** Faults of the body as a whole, at every route that reads one. */
  Stream<Case> bodyCases() {
    List<Case> all = new ArrayList<>();
    for (String[] route : BODY_ROUTES) {
      String method = route[0];
      String path = route[1];
      int limit = path.equals(BULK) || path.equals(BATCH)
          ? service.config().http().bulkBodyLimit()
          : service.config().http().bodyLimit();
      String on = method + " " + path.replace("$TABLE", "{table}").replace("$ROW", "{row}")
          .replace("$WORKSPACE", "{workspace}") + ": ";
      all.add(raw(on + "empty body", method, path, "application/json", new byte[0], 400));
      all.add(raw(on + "text/plain", method, path, "text/plain", bytes("hello"), 415));
      all.add(raw(on + "form encoded", method, path, "application/x-www-form-urlencoded", bytes("name=x"), 415));
      for (String malformed : List.of("{", "{\"name\":", "{\"name\":\"x\"", "{\"name\":\"x\",}", "{'name':'x'}",
          "{name:\"x\"}", "{}}", "{} {}", "/* comment */ {}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":01}",
          "{\"a\":\"raw\u0000nul\"}", "{\"a\":\"raw\ttab\"}", "\uFEFF{}", "{\"a\":1" + "0".repeat(1_000) + "}")) {
        all.add(json(on + "malformed " + shorten(malformed), method, path, malformed, 400));
      }
      for (String notAnObject : List.of("[]", "[{}]", "\"text\"", "42", "null", "true")) {
        all.add(json(on + "top-level " + notAnObject, method, path, notAnObject, 400));
      }
      all.add(raw(on + "invalid UTF-8 (C3 28)", method, path, "application/json", utf8Broken(0xC3, 0x28), 400));
      all.add(raw(on + "overlong UTF-8 (C0 AF)", method, path, "application/json", utf8Broken(0xC0, 0xAF), 400));
      all.add(raw(on + "UTF-8 encoded surrogate (ED A0 80)", method, path, "application/json", utf8Broken(0xED, 0xA0, 0x80), 400));
      all.add(raw(on + "byte FF", method, path, "application/json", utf8Broken(0xFF), 400));
      all.add(raw(on + "truncated UTF-8 sequence (E2 82)", method, path, "application/json", utf8Broken(0xE2, 0x82), 400));
      all.add(raw(on + "Latin-1 text", method, path, "application/json", utf8Broken('c', 'a', 'f', 0xE9), 400));
      all.add(json(on + "escaped NUL in a value", method, path, "{\"a\":\"x\\u0000y\"}", 422).expectField("a"));
      all.add(json(on + "escaped NUL in a key", method, path, "{\"a\\u0000\":1}", 422).expectField("a\\u0000"));
      all.add(json(on + "unpaired high surrogate", method, path, "{\"a\":\"\\ud800\"}", 422).expectField("a"));
      all.add(json(on + "reversed surrogate pair", method, path, "{\"a\":\"\\udc00\\ud800\"}", 422).expectField("a"));
      all.add(json(on + "number beyond double range", method, path, "{\"a\":1e400}", 422).expectField("a"));
      all.add(json(on + "negative number beyond double range", method, path, "{\"a\":-1e400}", 422).expectField("a"));
      all.add(json(on + "duplicate key", method, path, "{\"a\":1,\"a\":2}", 400).expectField("a"));
      all.add(json(on + "duplicate nested key", method, path, "{\"a\":{\"b\":1,\"b\":1}}", 400).expectField("a.b"));
      all.add(json(on + "10,000 nested arrays", method, path, "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}", 400));
      all.add(json(on + "10,000 nested objects", method, path, "{" + "\"a\":{".repeat(10_000) + "}".repeat(10_001), 400));
      all.add(json(on + "unclosed 10,000 nested arrays", method, path, "{\"a\":" + "[".repeat(10_000), 400));
      all.add(json(on + "33 levels", method, path, "{\"a\":" + "[".repeat(32) + "]".repeat(32) + "}", 400));
      all.add(json(on + "body over the limit", method, path, "{\"a\":\"" + "x".repeat(limit) + "\"}", 413));
    }
    return all.stream();
  }

  /** Faults of single fields, route by route. */
  static Stream<Case> fieldCases() {
    List<Case> all = new ArrayList<>();
    // POST /api/workspaces
    all.add(json("workspace: nothing", "POST", WORKSPACES, "{}", 422).expectField("slug"));
    for (String name : List.of("1", "true", "[]", "{}", "\"\"", "\"   \"", quoted("n".repeat(201)))) {
      all.add(json("workspace: name " + shorten(name), "POST", WORKSPACES, "{\"name\":" + name + ",\"slug\":\"ok\"}", 422)
          .expectField("name"));
    }
    for (String slug : List.of("1", "\"UPPER\"", "\"a--b\"", "\"-a\"", "\"' OR 1=1 --\"", "\"x\\\"; DROP TABLE workspaces; --\"",
        "\"../../etc/passwd\"", "\"ａｂｃ\"", "\"аbc\"", quoted("s".repeat(65)))) {
      all.add(json("workspace: slug " + shorten(slug), "POST", WORKSPACES, "{\"name\":\"ok\",\"slug\":" + slug + "}", 422)
          .expectField("slug"));
    }
    // POST /api/tables
    String column = "{\"name\":\"code\",\"column_type\":\"barcode\"}";
    all.add(json("table: nothing", "POST", TABLES, "{}", 422).expectField("workspace_id"));
    for (Map.Entry<String, String> id : BAD_IDS.entrySet()) {
      all.add(json("table: workspace_id " + id.getKey(), "POST", TABLES,
          "{\"workspace_id\":" + jsonString(id.getValue()) + ",\"name\":\"T\",\"columns\":[" + column + "]}", 422)
          .expectField("workspace_id"));
    }
    all.add(json("table: workspace_id a number", "POST", TABLES, "{\"workspace_id\":1,\"name\":\"T\",\"columns\":[]}", 422)
        .expectField("workspace_id"));
    all.add(json("table: unknown workspace", "POST", TABLES,
        "{\"workspace_id\":\"" + RANDOM_ID + "\",\"name\":\"T\",\"columns\":[" + column + "]}", 404));
    String table = "{\"workspace_id\":\"$WORKSPACE\",\"name\":\"T\",\"columns\":%s}";
    all.add(json("table: name a number", "POST", TABLES, "{\"workspace_id\":\"$WORKSPACE\",\"name\":1,\"columns\":[]}", 422)
        .expectField("name"));
    for (String columns : List.of("\"x\"", "{}", "1")) {
      all.add(json("table: columns " + columns, "POST", TABLES, table.formatted(columns), 422).expectField("columns"));
    }
    all.add(json("table: 201 columns", "POST", TABLES,
        table.formatted("[" + String.join(",", Collections.nCopies(201, column)) + "]"), 422).expectField("columns"));
    Map<String, String> badColumns = new LinkedHashMap<>();
    badColumns.put("columns[0]", "[1]");
    badColumns.put("columns[0].name", "[{\"name\":1,\"column_type\":\"text\"}]");
    badColumns.put("columns[0].name ", "[{\"name\":\" padded \",\"column_type\":\"text\"}]");
    badColumns.put("columns[0].name  ", "[{\"name\":\"" + "c".repeat(101) + "\",\"column_type\":\"text\"}]");
    badColumns.put("columns[0].column_type", "[{\"name\":\"x\",\"column_type\":\"blob\"}]");
    badColumns.put("columns[0].column_type ", "[{\"name\":\"x\",\"column_type\":1}]");
    badColumns.put("columns[0].label", "[{\"name\":\"x\",\"column_type\":\"text\",\"label\":1}]");
    badColumns.put("columns[0].settings", "[{\"name\":\"x\",\"column_type\":\"text\",\"settings\":\"s\"}]");
    badColumns.put("columns[0].settings.normalization",
        "[{\"name\":\"x\",\"column_type\":\"barcode\",\"settings\":{\"normalization\":\"fuzzy\"}}]");
    badColumns.put("columns[0].settings.a.a.a.a.a.a.a.a", "[{\"name\":\"x\",\"column_type\":\"text\",\"settings\":"
        + "{\"a\":".repeat(9) + "1" + "}".repeat(9) + "}]");
    badColumns.put("columns[1].name", "[" + column + "," + column + "]");
    for (Map.Entry<String, String> bad : badColumns.entrySet()) {
      all.add(json("table: " + bad.getKey() + " " + shorten(bad.getValue()), "POST", TABLES, table.formatted(bad.getValue()), 422)
          .expectField(bad.getKey().strip()));
    }
    // POST /api/tables/{table}/rows
    all.add(json("row: no data", "POST", ROWS, "{}", 422).expectField("data"));
    for (String data : List.of("\"x\"", "1", "[]", "true")) {
      all.add(json("row: data " + data, "POST", ROWS, "{\"data\":" + data + "}", 422).expectField("data"));
    }
    Map<String, String> badCells = new LinkedHashMap<>();
    badCells.put("data.qty", "{\"qty\":\"three\"}");
    badCells.put("data.qty ", "{\"qty\":true}");
    badCells.put("data.code", "{\"code\":{}}");
    badCells.put("data.code ", "{\"code\":[]}");
    badCells.put("data.name", "{\"name\":\"" + "n".repeat(10_001) + "\"}");
    badCells.put("data.colour", "{\"colour\":\"red\"}");
    badCells.put("data.x\"; DROP TABLE table_rows; --", "{\"x\\\"; DROP TABLE table_rows; --\":1}");
    badCells.put("data", "{" + String.join(",", IntStream.range(0, 7)
        .mapToObj(i -> "\"k" + i + "\":\"" + "v".repeat(10_000) + "\"").toList()) + "}");
    for (Map.Entry<String, String> bad : badCells.entrySet()) {
      all.add(json("row: " + bad.getKey().strip() + " " + shorten(bad.getValue()), "POST", ROWS, "{\"data\":" + bad.getValue() + "}", 422)
          .expectField(bad.getKey().strip()));
    }
    all.add(json("row: unknown table", "POST", ROWS.replace("$TABLE", RANDOM_ID), "{\"data\":{}}", 404));
    // POST /api/tables/{table}/rows/bulk
    all.add(json("bulk: no rows", "POST", BULK, "{}", 422).expectField("rows"));
    for (String rows : List.of("\"x\"", "{}", "1", "[]")) {
      all.add(json("bulk: rows " + rows, "POST", BULK, "{\"rows\":" + rows + "}", 422).expectField("rows"));
    }
    all.add(json("bulk: 5,001 rows", "POST", BULK,
        "{\"rows\":[" + String.join(",", Collections.nCopies(5_001, "{\"data\":{}}")) + "]}", 422).expectField("rows"));
    all.add(json("bulk: an item not an object", "POST", BULK, "{\"rows\":[1]}", 422).expectField("rows[0].data"));
    all.add(json("bulk: data a string", "POST", BULK, "{\"rows\":[{\"data\":\"x\"}]}", 422).expectField("rows[0].data"));
    all.add(json("bulk: one bad cell after a good row", "POST", BULK,
        "{\"rows\":[{\"data\":{\"code\":\"NEW\"}},{\"data\":{\"qty\":\"x\"}}]}", 422).expectField("rows[1].data.qty"));
    all.add(json("bulk: oversized data", "POST", BULK, "{\"rows\":[{\"data\":" + badCells.get("data") + "}]}", 422)
        .expectField("rows[0].data"));
    all.add(json("bulk: unknown table", "POST", BULK.replace("$TABLE", RANDOM_ID), "{\"rows\":[{\"data\":{}}]}", 404));
    // PATCH /api/tables/{table}/rows/{row}
    all.add(json("patch: nothing", "PATCH", ROW, "{}", 422).expectField("data"));
    all.add(json("patch: data a string", "PATCH", ROW, "{\"data\":\"x\"}", 422).expectField("data"));
    all.add(json("patch: oversized data", "PATCH", ROW, "{\"data\":" + badCells.get("data") + "}", 422).expectField("data"));
    all.add(json("patch: data unknown column", "PATCH", ROW, "{\"data\":{\"nope\":1}}", 422).expectField("data.nope"));
    all.add(json("patch: data wrong type", "PATCH", ROW, "{\"data\":{\"qty\":\"x\"}}", 422).expectField("data.qty"));
    for (String archived : List.of("\"yes\"", "1", "[]")) {
      all.add(json("patch: is_archived " + archived, "PATCH", ROW, "{\"is_archived\":" + archived + "}", 422).expectField("is_archived"));
    }
    // One past each documented bound (2^62 - 1 and -2^62), as an integer, a float spelling and a
    // number beyond a long: each is the same double as an accepted value, so only an exact
    // comparison refuses it.
    for (String position : List.of("\"1\"", "1.5", "1e300", "true", "4611686018427387904", "-4611686018427387905",
        "4611686018427387904.0", "4.611686018427387904e18", "9223372036854775808", "-99999999999999999999")) {
      all.add(json("patch: position " + position, "PATCH", ROW, "{\"position\":" + position + "}", 422).expectField("position"));
    }
    all.add(json("patch: unknown row", "PATCH", ROWS + "/" + RANDOM_ID, "{\"is_archived\":true}", 404));
    for (Map.Entry<String, String> id : BAD_IDS.entrySet()) {
      all.add(json("patch: row id " + id.getKey(), "PATCH", ROWS + "/" + urlId(id.getValue()), "{\"is_archived\":true}", 404));
      all.add(json("patch: table id " + id.getKey(), "PATCH", "/api/tables/" + urlId(id.getValue()) + "/rows/$ROW",
          "{\"is_archived\":true}", 404));
    }
    // POST /api/scans
    all.add(json("scan: nothing", "POST", SCANS, "{}", 422).expectField("table_id"));
    for (Map.Entry<String, String> id : BAD_IDS.entrySet()) {
      all.add(json("scan: table_id " + id.getKey(), "POST", SCANS, scanBody("table_id", jsonString(id.getValue())), 422)
          .expectField("table_id"));
      all.add(json("scan: id " + id.getKey(), "POST", SCANS, scanBody("id", jsonString(id.getValue())), 422).expectField("id"));
      all.add(json("scan: column_id " + id.getKey(), "POST", SCANS,
          "{\"table_id\":\"$TABLE\",\"column_id\":" + jsonString(id.getValue()) + ",\"barcode\":\"TCK-0042\"}", 422)
          .expectField("column_id"));
    }
    all.add(json("scan: unknown table", "POST", SCANS, scanBody("table_id", "\"" + RANDOM_ID + "\""), 404));
    all.add(json("scan: column_name injection", "POST", SCANS, scanBody("column_name", "\"' OR 1=1 --\""), 404));
    all.add(json("scan: no column", "POST", SCANS, "{\"table_id\":\"$TABLE\",\"barcode\":\"TCK-0042\"}", 422).expectField("column_id"));
    all.add(json("scan: column_name a number", "POST", SCANS, scanBody("column_name", "1"), 422).expectField("column_name"));
    all.add(json("scan: column_name too long", "POST", SCANS, scanBody("column_name", quoted("c".repeat(101))), 422)
        .expectField("column_name"));
    all.add(json("scan: column is not a barcode column", "POST", SCANS, scanBody("column_name", "\"name\""), 422)
        .expectField("column_name"));
    for (String barcode : List.of("1", "true", "[]", "{}", "\"\"", "\"   \"", quoted("b".repeat(513)), "\"A\\u0000B\"", "\"\\ud800\"")) {
      all.add(json("scan: barcode " + shorten(barcode), "POST", SCANS, scanBody("barcode", barcode), 422).expectField("barcode"));
    }
    for (Map.Entry<String, String> barcode : BAD_BARCODES.entrySet()) {
      all.add(json("scan: barcode " + barcode.getKey(), "POST", SCANS, scanBody("barcode", jsonString(barcode.getValue())), 422)
          .expectField("barcode"));
    }
    all.add(json("scan: GTIN with a bad check digit", "POST", SCANS,
        "{\"table_id\":\"$TABLE\",\"column_name\":\"gtin\",\"barcode\":\"4006381333932\"}", 422).expectField("barcode"));
    for (String at : List.of("1", "\"yesterday\"", "\"1999-12-31T00:00:00Z\"", "\"2999-01-01T00:00:00Z\"", "\"2026-01-01\"")) {
      all.add(json("scan: scanned_at " + at, "POST", SCANS, scanBody("scanned_at", at), 422).expectField("scanned_at"));
    }
    all.add(json("scan: source a number", "POST", SCANS, scanBody("source", "1"), 422).expectField("source"));
    all.add(json("scan: source too long", "POST", SCANS, scanBody("source", quoted("s".repeat(65))), 422).expectField("source"));
    all.add(json("scan: device_id an array", "POST", SCANS, scanBody("device_id", "[]"), 422).expectField("device_id"));
    all.add(json("scan: device_id too long", "POST", SCANS, scanBody("device_id", quoted("d".repeat(201))), 422).expectField("device_id"));
    for (String metadata : List.of("\"x\"", "[]", "1")) {
      all.add(json("scan: metadata " + metadata, "POST", SCANS, scanBody("metadata", metadata), 422).expectField("metadata"));
    }
    all.add(json("scan: metadata 5 levels", "POST", SCANS, scanBody("metadata", "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}"), 422)
        .expectField("metadata.a.b.c.d"));
    all.add(json("scan: metadata 65 keys", "POST", SCANS, scanBody("metadata", "{" + String.join(",",
        IntStream.range(0, 65).mapToObj(i -> "\"k" + i + "\":" + i).toList()) + "}"), 422).expectField("metadata"));
    all.add(json("scan: metadata over 16 KiB", "POST", SCANS, scanBody("metadata", "{\"note\":" + quoted("m".repeat(16_400)) + "}"), 422)
        .expectField("metadata"));
    all.add(json("scan: metadata NUL", "POST", SCANS, scanBody("metadata", "{\"note\":\"a\\u0000b\"}"), 422).expectField("metadata.note"));
    all.add(json("scan: metadata NUL key", "POST", SCANS, scanBody("metadata", "{\"\\u0000\":1}"), 422).expectField("metadata.\\u0000"));
    // POST /api/scans/batch: the request as a whole
    all.add(json("batch: nothing", "POST", BATCH, "{}", 422).expectField("scans"));
    for (String scans : List.of("\"x\"", "{}", "1", "[]")) {
      all.add(json("batch: scans " + scans, "POST", BATCH, "{\"scans\":" + scans + "}", 422).expectField("scans"));
    }
    all.add(json("batch: 501 scans", "POST", BATCH, "{\"scans\":[" + String.join(",",
        Collections.nCopies(501, scanBody("barcode", "\"B\"").replace("$TABLE", RANDOM_ID))) + "]}", 422).expectField("scans"));
    all.add(json("batch: NUL outside the items", "POST", BATCH, "{\"scans\":[" + scanBody("barcode", "\"B\"") + "],\"x\":\"\\u0000\"}", 422)
        .expectField("x"));
    // POST /api/scans/batch: items, each answered on its own
    Map<String, String> badItems = new LinkedHashMap<>();
    badItems.put("not an object", "1");
    badItems.put("empty", "{}");
    badItems.put("barcode full-width", scanBody("barcode", "\"１２３４５\""));
    badItems.put("barcode Cyrillic", scanBody("barcode", "\"ТСК-0042\""));
    badItems.put("barcode NUL", scanBody("barcode", "\"TCK\\u00000042\""));
    badItems.put("barcode unpaired surrogate", scanBody("barcode", "\"TCK\\udc00\""));
    badItems.put("metadata NUL", scanBody("metadata", "{\"note\":\"\\u0000\"}"));
    badItems.put("unknown member NUL", scanBody("junk", "\"\\u0000\""));
    badItems.put("metadata too deep", scanBody("metadata", "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}"));
    badItems.put("table_id traversal", scanBody("table_id", "\"../../etc/passwd\""));
    for (Map.Entry<String, String> item : badItems.entrySet()) {
      all.add(json("batch item: " + item.getKey(), "POST", BATCH, "{\"scans\":[" + item.getValue() + "," + item.getValue() + "]}", 200)
          .expectItems(422));
    }
    all.add(json("batch item: unknown table", "POST", BATCH,
        "{\"scans\":[" + scanBody("table_id", "\"" + RANDOM_ID + "\"") + "]}", 200).expectItems(404));
    return all.stream();
  }

  /** Faults of paths and query parameters, and methods a route does not have. */
  static Stream<Case> readCases() {
    List<Case> all = new ArrayList<>();
    for (Map.Entry<String, String> id : BAD_IDS.entrySet()) {
      String bad = urlId(id.getValue());
      all.add(get("table id " + id.getKey(), "/api/tables/" + bad, 404));
      all.add(get("rows of table id " + id.getKey(), "/api/tables/" + bad + "/rows", 404));
      all.add(get("row id " + id.getKey(), ROWS + "/" + bad, 404));
      all.add(get("search in table id " + id.getKey(), "/api/tables/" + bad + "/rows/search?column_name=code&value=X", 404));
      all.add(get("scan stream of table id " + id.getKey(), "/api/tables/" + bad + "/scans/stream", 404));
      all.add(get("scans of table_id " + id.getKey(), "/api/scans?table_id=" + bad, 422).expectField("table_id"));
      all.add(get("search column_id " + id.getKey(), SEARCH + "?column_id=" + bad + "&value=X", 422).expectField("column_id"));
    }
    all.add(get("table id upper-case, unknown", "/api/tables/" + RANDOM_ID.toUpperCase(Locale.ROOT), 404));
    all.add(get("path traversal, plain", "/api/tables/../../etc/passwd", 404));
    all.add(get("unknown row", ROWS + "/" + RANDOM_ID, 404));
    all.add(get("scan stream of an unknown table", "/api/tables/" + RANDOM_ID + "/scans/stream", 404));
    all.add(get("rows limit abc", ROWS + "?limit=abc", 422).expectField("limit"));
    all.add(get("rows limit 0", ROWS + "?limit=0", 422).expectField("limit"));
    all.add(get("rows limit 1001", ROWS + "?limit=1001", 422).expectField("limit"));
    all.add(get("rows include_archived maybe", ROWS + "?include_archived=maybe", 422).expectField("include_archived"));
    all.add(get("rows after garbage", ROWS + "?after=bm90LWEtY3Vyc29y", 422).expectField("after"));
    all.add(get("rows after NUL", ROWS + "?after=%00", 422).expectField("after"));
    all.add(get("rows after malformed escape", ROWS + "?after=%%%", 400));
    all.add(get("search: nothing", SEARCH, 422).expectField("value"));
    all.add(get("search: no value", SEARCH + "?column_name=code", 422).expectField("value"));
    all.add(get("search: no column", SEARCH + "?value=X", 422).expectField("column_id"));
    all.add(get("search: value too long", SEARCH + "?column_name=code&value=" + "v".repeat(513), 422).expectField("value"));
    all.add(get("search: value NUL", SEARCH + "?column_name=code&value=A%00B", 422).expectField("value"));
    all.add(get("search: value invalid UTF-8", SEARCH + "?column_name=code&value=%FF", 422).expectField("value"));
    for (Map.Entry<String, String> barcode : BAD_BARCODES.entrySet()) {
      all.add(get("search: value " + barcode.getKey(), SEARCH + "?column_name=code&value="
          + URLEncoder.encode(barcode.getValue(), StandardCharsets.UTF_8), 422).expectField("value"));
    }
    all.add(get("search: column_name injection", SEARCH + "?column_name=%27%20OR%201%3D1%20--&value=X", 404));
    all.add(get("search: column_name too long", SEARCH + "?column_name=" + "c".repeat(101) + "&value=X", 422).expectField("column_name"));
    all.add(get("search: value malformed escape", SEARCH + "?column_name=code&value=%%%", 400));
    all.add(get("scans: no table_id", SCANS, 422).expectField("table_id"));
    all.add(get("scans: unknown table", SCANS + "?table_id=" + RANDOM_ID, 404));
    for (String limit : List.of("abc", "0", "501", "-1", "1e3")) {
      all.add(get("scans: limit " + limit, SCANS + "?table_id=$TABLE&limit=" + limit, 422).expectField("limit"));
    }
    all.add(get("scans: before garbage", SCANS + "?table_id=$TABLE&before=garbage", 422).expectField("before"));
    all.add(get("scans: column_name NUL", SCANS + "?table_id=$TABLE&column_name=%00", 422).expectField("column_name"));
    all.add(get("scans: unknown column", SCANS + "?table_id=$TABLE&column_name=%27%3B%20DROP%20TABLE%20scan_history%3B--", 404));
    all.add(new Case("PUT a table", HttpMethod.PUT, TABLE, "application/json", bytes("{}"), 405, null, 0));
    all.add(new Case("PUT scans", HttpMethod.PUT, SCANS, "application/json", bytes("{}"), 405, null, 0));
    all.add(new Case("POST a table id", HttpMethod.POST, TABLE, "application/json", bytes("{}"), 405, null, 0));
    all.add(get("unknown route", "/api/tables/$TABLE/columnz", 404));
    // Members, pairings and claims
    for (String role : List.of("\"admin\"", "\"OWNER\"", "1", "null", "\"viewer\\u0000\"", "\"' OR 1=1 --\"")) {
      all.add(json("member: role " + shorten(role), "PUT", MEMBER, "{\"role\":" + role + "}", 422).expectField("role"));
    }
    all.add(json("member: guest id", "PUT", "/api/workspaces/$WORKSPACE/members/guest:x", "{\"role\":\"viewer\"}", 422)
        .expectField("user_id"));
    all.add(json("member: user id of 256", "PUT", "/api/workspaces/$WORKSPACE/members/" + "u".repeat(256),
        "{\"role\":\"viewer\"}", 422).expectField("user_id"));
    for (Map.Entry<String, String> id : BAD_IDS.entrySet()) {
      all.add(json("member: workspace id " + id.getKey(), "PUT", "/api/workspaces/" + urlId(id.getValue()) + "/members/x",
          "{\"role\":\"viewer\"}", 404));
    }
    all.add(json("pairing: no column", "POST", PAIRINGS, "{}", 422).expectField("column_id"));
    all.add(json("pairing: text column", "POST", PAIRINGS, "{\"column_name\":\"name\"}", 422).expectField("column_name"));
    for (String expiresIn : List.of("0", "59", "86401", "-1", "1.5", "\"25h\"", "\"59s\"", "\"soon\"", "\"\"", "1e9")) {
      all.add(json("pairing: expires_in " + expiresIn, "POST", PAIRINGS,
          "{\"column_name\":\"code\",\"expires_in\":" + expiresIn + "}", 422).expectField("expires_in"));
    }
    all.add(json("pairing: label of 101", "POST", PAIRINGS, "{\"column_name\":\"code\",\"label\":" + quoted("l".repeat(101)) + "}", 422)
        .expectField("label"));
    all.add(json("claim: nothing", "POST", CLAIM, "{}", 422).expectField("code"));
    all.add(json("claim: no scanner name", "POST", CLAIM, "{\"code\":\"AAAA-BBBB-CCCC\"}", 422).expectField("scanner_name"));
    for (String email : List.of("\"not-an-email\"", "\"a@b@c\"", "\"x@\"", "1")) {
      all.add(json("claim: scanner_email " + email, "POST", CLAIM,
          "{\"code\":\"AAAA-BBBB-CCCC\",\"scanner_name\":\"Ann\",\"scanner_email\":" + email + "}", 422)
          .expectField("scanner_email"));
    }
    for (String code : List.of("\"' OR 1=1 --\"", "\"../../etc\"", "\"ＡＡＡＡ-ＢＢＢＢ-ＣＣＣＣ\"", quoted("A".repeat(64)))) {
      all.add(json("claim: code " + shorten(code), "POST", CLAIM, "{\"code\":" + code + ",\"scanner_name\":\"Ann\"}", 404));
    }
    return all.stream();
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @MethodSource("bodyCases")
  void badBodies(Case bad) {
    check(bad);
  }

  @Order(2)
  @ParameterizedTest(name = "{0}")
  @MethodSource("fieldCases")
  void badFields(Case bad) {
    check(bad);
  }

  @Order(3)
  @ParameterizedTest(name = "{0}")
  @MethodSource("readCases")
  void badReads(Case bad) {
    check(bad);
  }

  @Order(4)
  @Test
  void anExpectationTheServerCannotMeetIs417() {
    HttpResponse<Buffer> response = service.client().post(SCANS).putHeader("Content-Type", "application/json")
        .putHeader("Expect", "something-else").sendBuffer(Buffer.buffer(scanBody("barcode", "\"X\"").replace("$TABLE", tableId)))
        .await();
    count(417, response);
    assertProblem(response, 417);
  }

  /** Request lines and headers over the decoder's limits, on a raw connection (no client sends them). */
  static Stream<Object[]> oversizedHeads() {
    String longUrl = "GET /api/tables/" + "a".repeat(1 << 20) + " HTTP/1.1\r\nHost: x\r\n\r\n";
    String longHeader = "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(64 << 10) + "\r\n\r\n";
    StringBuilder manyHeaders = new StringBuilder("GET /api/health HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 200; i++) {
      manyHeaders.append("X-H").append(i).append(": ").append("v".repeat(100)).append("\r\n");
    }
    manyHeaders.append("\r\n");
    String noColon = "GET /api/health HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n";
    String spaceBeforeColon = "GET /api/health HTTP/1.1\r\nHost : x\r\n\r\n";
    return Stream.of(
        new Object[] {"a 1 MiB URL", longUrl, 414},
        new Object[] {"a 64 KiB header value", longHeader, 431},
        new Object[] {"200 headers of 100 bytes", manyHeaders.toString(), 431},
        new Object[] {"a header line without a colon", noColon, 400},
        new Object[] {"white space before a header's colon", spaceBeforeColon, 400});
  }

  @Order(5)
  @ParameterizedTest(name = "{0}")
  @MethodSource("oversizedHeads")
  void oversizedRequestHeadsAreRefusedBeforeRouting(String name, String request, int status) throws Exception {
    RawAnswer answer = exchange(request.getBytes(StandardCharsets.ISO_8859_1));
    cases.incrementAndGet();
    if (answer.status() >= 500) {
      serverErrors.incrementAndGet();
    } else if (answer.status() >= 400) {
      clientErrors.incrementAndGet();
    }
    assertThat(answer.status()).as(name + ": " + answer.head()).isEqualTo(status);
    assertThat(answer.head().toLowerCase(Locale.ROOT)).contains("content-type: application/problem+json");
    JsonObject problem = new JsonObject(answer.body());
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
  }

  /**
   * Both Content-Length and Transfer-Encoding (RFC 9112 §6.3): a proxy that frames by the
   * length sees one request where a server reading chunks sees two, so the message is refused
   * with 400 and the connection closed; the request smuggled behind it is never answered.
   * Each case is followed on the same connection by a second request that would be answered
   * 200 if the server kept reading.
   */
  static Stream<Object[]> ambiguousFraming() {
    String smuggled = "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n";
    String chunkedBody = "5\r\n{\"a\"}\r\n0\r\n\r\n";
    return Stream.of(
        new Object[] {"HTTP/1.1, chunked then a length", "POST /api/pairings/claim HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + chunkedBody + smuggled},
        new Object[] {"HTTP/1.1, a length then chunked", "POST /api/pairings/claim HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody + smuggled},
        new Object[] {"HTTP/1.1, lower-case names, a zero length", "POST /api/scans HTTP/1.1\r\nhost: x\r\n"
            + "content-length: 0\r\ntransfer-encoding: chunked\r\n\r\n" + chunkedBody + smuggled},
        new Object[] {"HTTP/1.1 on a GET", "GET /api/health HTTP/1.1\r\nHost: x\r\n"
            + "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled},
        new Object[] {"HTTP/1.1, a coding other than chunked", "POST /api/pairings/claim HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: identity\r\n\r\n{\"a\"}" + smuggled},
        new Object[] {"HTTP/1.0 keep-alive, chunked and a length", "POST /api/pairings/claim HTTP/1.0\r\nHost: x\r\n"
            + "Connection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + chunkedBody + smuggled});
  }

  @Order(5)
  @ParameterizedTest(name = "{0}")
  @MethodSource("ambiguousFraming")
  void aRequestWithBothLengthAndChunkedIsRefusedAndItsConnectionClosed(String name, String request) throws Exception {
    // exchange() reads until the server closes: a server that kept the connection open fails here on the read timeout.
    RawAnswer answer = exchange(request.getBytes(StandardCharsets.ISO_8859_1));
    cases.incrementAndGet();
    if (answer.status() >= 500) {
      serverErrors.incrementAndGet();
    } else if (answer.status() >= 400) {
      clientErrors.incrementAndGet();
    }
    assertThat(answer.status()).as(name + ": " + answer.head()).isEqualTo(400);
    assertThat(answer.head().toLowerCase(Locale.ROOT)).contains("content-type: application/problem+json");
    assertThat(answer.body()).as("one answer on the connection, the smuggled request's never comes")
        .doesNotContain("HTTP/1.");
    JsonObject problem = new JsonObject(answer.body());
    assertThat(problem.getInteger("status")).isEqualTo(400);
    assertThat(problem.getString("detail")).contains("Content-Length").contains("Transfer-Encoding");
  }

  /**
   * The one protocol error Vert.x answers itself after decoding, before any handler of ours:
   * a request line with an HTTP version other than 1.0 or 1.1 gets 501 (RFC 9110 would say
   * 505; both are 5xx) and the connection is closed. Kept out of the BAD-INPUT count, which
   * is about what the service answers.
   */
  @Order(5)
  @Test
  void anUnknownHttpVersionIsRefusedByVertxItself() throws Exception {
    RawAnswer answer = exchange("GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    assertThat(answer.status()).as(answer.head()).isEqualTo(501);
  }

  /** The event-bus addresses apply the same rules to objects built in-process, which no parser has seen. */
  @Order(6)
  @Test
  void theEventBusAddressesRefuseTheSameInput() {
    // Far deeper than any bound, though not 10,000 levels: the event bus copies a local
    // message recursively on the sender's thread, which would overflow before anything is sent.
    JsonObject deep = new JsonObject();
    JsonObject cursor = deep;
    for (int i = 0; i < 500; i++) {
      JsonObject next = new JsonObject();
      cursor.put("a", next);
      cursor = next;
    }
    Map<String, JsonObject> bad = new LinkedHashMap<>();
    bad.put("barcode", scan(tableId, "code", "１２３"));
    bad.put("barcode ", scan(tableId, "code", "TCK\u200B0042"));
    bad.put("barcode  ", scan(tableId, "code", "TCK\u00000042"));
    bad.put("metadata.note", scan(tableId, "code", "TCK-0042").put("metadata", new JsonObject().put("note", "a\u0000b")));
    bad.put("metadata.n", scan(tableId, "code", "TCK-0042").put("metadata", new JsonObject().put("n", Double.NaN)));
    bad.put("metadata.a.a.a.a", scan(tableId, "code", "TCK-0042").put("metadata", deep));
    bad.put("junk", scan(tableId, "code", "TCK-0042").put("junk", "\ud800"));
    for (Map.Entry<String, JsonObject> each : bad.entrySet()) {
      assertThat(fieldsOf(refused(Addresses.SCANS_RECORD, each.getValue()))).contains(each.getKey().strip());
      if (each.getKey().startsWith("barcode")) {
        assertThat(fieldsOf(refused(Addresses.SCANS_LOOKUP, each.getValue()))).contains("barcode");
      }
      JsonObject batch = service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_RECORD_BATCH,
          new JsonObject().put("scans", new JsonArray().add(each.getValue())), FAST).await().body();
      cases.incrementAndGet();
      assertThat(batch.getJsonArray("results").getJsonObject(0).getInteger("status")).as(each.getKey()).isEqualTo(422);
      batchItemErrors.incrementAndGet();
    }
  }

  @Order(7)
  @Test
  void nothingWasWrittenAndTheServiceStillAnswers() {
    Map<String, Long> after = snapshot();
    long written = after.entrySet().stream().filter(entry -> !entry.getValue().equals(before.get(entry.getKey()))).count();
    log.info("BAD-INPUT cases={} 4xx={} batch-items-4xx={} 5xx={} written={}",
        cases.get(), clientErrors.get(), batchItemErrors.get(), serverErrors.get(), written);
    assertThat(serverErrors.get()).isZero();
    assertThat(cases.get()).isEqualTo(clientErrors.get() + batchItemErrors.get());
    assertThat(after).isEqualTo(before);

    HttpResponse<Buffer> search = service.get(SEARCH.replace("$TABLE", tableId) + "?column_name=code&value=tck-0042");
    assertThat(search.statusCode()).isEqualTo(200);
    assertThat(search.bodyAsJsonObject().getJsonArray("rows").getJsonObject(0).getString("id")).isEqualTo(rowId);
    HttpResponse<Buffer> scanned = service.post(SCANS, scan(tableId, "code", " TCK-0042 "));
    assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
    assertThat(scanned.bodyAsJsonObject().getJsonArray("matched_row_ids")).containsExactly(rowId);
  }

  /** Names that look like SQL are plain names: stored as sent, used only as parameters. */
  @Order(8)
  @Test
  void sqlLookingNamesAndValuesAreStoredAsPlainText() {
    String columnName = "x\"; DROP TABLE table_rows; --";
    HttpResponse<Buffer> created = service.post(TABLES, new JsonObject()
        .put("workspace_id", fixtures.workspace())
        .put("name", "'; DROP TABLE data_tables; --")
        .put("columns", new JsonArray().add(new JsonObject().put("name", columnName).put("column_type", "barcode"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("id");
    String value = "' OR '1'='1";
    assertThat(fixtures.row(id, new JsonObject().put(columnName, value)).getJsonObject("data").getString(columnName)).isEqualTo(value);

    HttpResponse<Buffer> found = service.get("/api/tables/" + id + "/rows/search?column_name="
        + URLEncoder.encode(columnName, StandardCharsets.UTF_8) + "&value=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    assertThat(found.statusCode()).as(found.bodyAsString()).isEqualTo(200);
    assertThat(found.bodyAsJsonObject().getJsonArray("rows")).hasSize(1);
    HttpResponse<Buffer> other = service.get("/api/tables/" + id + "/rows/search?column_name="
        + URLEncoder.encode(columnName, StandardCharsets.UTF_8) + "&value=" + URLEncoder.encode("' OR 1=1 --", StandardCharsets.UTF_8));
    assertThat(other.bodyAsJsonObject().getJsonArray("rows")).isEmpty();
    assertThat(database.count("SELECT count(*) FROM table_rows")).isEqualTo(before.get("rows") + 1);
    assertThat(database.text("SELECT name FROM table_columns WHERE table_id = '" + id + "'")).isEqualTo(columnName);
  }

  // ---------------------------------------------------------------- running a case

  private void check(Case bad) {
    String path = bad.path().replace("$TABLE", tableId).replace("$ROW", rowId).replace("$WORKSPACE", workspaceId);
    byte[] body = bad.body();
    if (body != null && containsPlaceholder(body)) {
      body = bytes(new String(body, StandardCharsets.UTF_8).replace("$TABLE", tableId).replace("$ROW", rowId)
          .replace("$WORKSPACE", workspaceId));
    }
    HttpResponse<Buffer> response = bad.method() == HttpMethod.GET && body == null
        ? service.get(path)
        : service.raw(bad.method(), path, bad.contentType(), body == null ? null : Buffer.buffer(body));
    count(bad.itemStatus() == 0 ? bad.status() : 0, response);
    if (bad.itemStatus() != 0) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      JsonArray results = response.bodyAsJsonObject().getJsonArray("results");
      assertThat(results).isNotEmpty().allSatisfy(result -> {
        JsonObject item = (JsonObject) result;
        assertThat(item.getInteger("status")).as(item.encode()).isEqualTo(bad.itemStatus());
        assertThat(item.getJsonObject("error").getString("detail")).isNotBlank();
      });
      batchItemErrors.incrementAndGet();
      return;
    }
    assertProblem(response, bad.status());
    if (bad.field() != null) {
      JsonArray errors = response.bodyAsJsonObject().getJsonArray("errors");
      assertThat(errors).as(response.bodyAsString()).isNotNull();
      assertThat(errors.stream().map(error -> ((JsonObject) error).getString("field")))
          .as(response.bodyAsString()).contains(bad.field());
    }
  }

  private void count(int expected, HttpResponse<Buffer> response) {
    cases.incrementAndGet();
    if (response.statusCode() >= 500) {
      serverErrors.incrementAndGet();
    } else if (response.statusCode() >= 400 && expected != 0) {
      clientErrors.incrementAndGet();
    }
  }

  private static void assertProblem(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = response.bodyAsJsonObject();
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
  }

  private ReplyException refused(String address, JsonObject body) {
    Throwable thrown = catchThrowable(() -> service.vertx().eventBus().request(address, body, FAST).await());
    assertThat(thrown).as(address + " must refuse " + body.fieldNames()).isInstanceOf(ReplyException.class);
    ReplyException failure = (ReplyException) thrown;
    cases.incrementAndGet();
    if (failure.failureCode() >= 500) {
      serverErrors.incrementAndGet();
    }
    assertThat(failure.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    assertThat(failure.failureCode()).as(failure.getMessage()).isEqualTo(422);
    clientErrors.incrementAndGet();
    return failure;
  }

  private static List<String> fieldsOf(ReplyException failure) {
    JsonArray errors = ServiceFailure.problemOf(failure).getJsonArray("errors");
    assertThat(errors).as(failure.getMessage()).isNotNull();
    return errors.stream().map(JsonObject.class::cast).map(error -> error.getString("field")).toList();
  }

  /** Row counts of every table, the total scan count, and a checksum of every row's cells. */
  private Map<String, Long> snapshot() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("workspaces", database.count("SELECT count(*) FROM workspaces"));
    counts.put("tables", database.count("SELECT count(*) FROM data_tables"));
    counts.put("columns", database.count("SELECT count(*) FROM table_columns"));
    counts.put("rows", database.count("SELECT count(*) FROM table_rows"));
    counts.put("barcodes", database.count("SELECT count(*) FROM barcode_values"));
    counts.put("scans", database.count("SELECT count(*) FROM scan_history"));
    counts.put("members", database.count("SELECT count(*) FROM workspace_members"));
    counts.put("pairings", database.count("SELECT count(*) FROM pairings"));
    counts.put("scan_count", database.count("SELECT coalesce(sum(scan_count), 0) FROM table_rows"));
    counts.put("rows_md5", Long.parseUnsignedLong(database.text(
        "SELECT substr(md5(string_agg(id::text || data::text || scan_count || is_archived || position, ',' ORDER BY id)), 1, 15) "
            + "FROM table_rows"), 16));
    return counts;
  }

  // ---------------------------------------------------------------- raw connections

  record RawAnswer(int status, String head, String body) {}

  /**
   * Writes {@code request} on a new connection (on another thread: the server may answer and
   * close before it has read it all) and reads the answer until the server closes.
   */
  private RawAnswer exchange(byte[] request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", service.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      Thread writer = new Thread(() -> {
        try {
          for (int at = 0; at < request.length; at += 16_384) {
            out.write(request, at, Math.min(16_384, request.length - at));
          }
          out.flush();
        } catch (IOException closedByTheServer) {
          // expected once the server has answered
        }
      }, "raw-writer");
      writer.start();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] chunk = new byte[8_192];
      try {
        for (int n; (n = in.read(chunk)) > 0; ) {
          received.write(chunk, 0, n);
        }
      } catch (SocketException reset) {
        // the server closed with our unread bytes in its buffer; what arrived before counts
      }
      writer.join(10_000);
      String text = received.toString(StandardCharsets.ISO_8859_1);
      int split = text.indexOf("\r\n\r\n");
      assertThat(split).as("an HTTP answer, got: " + text).isPositive();
      String head = text.substring(0, split);
      int status = Integer.parseInt(head.substring(9, 12));
      return new RawAnswer(status, head, new String(received.toByteArray(), split + 4, received.size() - split - 4,
          StandardCharsets.UTF_8));
    }
  }

  // ---------------------------------------------------------------- building cases

  private static Case json(String name, String method, String path, String body, int status) {
    return raw(name, method, path, "application/json", bytes(body), status);
  }

  private static Case raw(String name, String method, String path, String contentType, byte[] body, int status) {
    return new Case(name, HttpMethod.valueOf(method), path, contentType, body, status, null, 0);
  }

  private static Case get(String name, String path, int status) {
    return new Case("GET " + name, HttpMethod.GET, path, null, null, status, null, 0);
  }

  /** A good scan of the fixture table with one member replaced (or added). */
  private static String scanBody(String key, String value) {
    JsonObject good = new JsonObject().put("table_id", "$TABLE").put("column_name", "code").put("barcode", "TCK-0042");
    String encoded = good.put(key, "@@").encode();
    return encoded.replace("\"@@\"", value);
  }

  private static Map<String, String> badIds() {
    Map<String, String> ids = new LinkedHashMap<>();
    ids.put("not-a-uuid", "not-a-uuid");
    ids.put("traversal", "../../etc/passwd");
    ids.put("encoded traversal", "%2e%2e%2f%2e%2e%2fetc%2fpasswd");
    ids.put("SQL", "' OR 1=1 --");
    ids.put("SQL drop", "1; DROP TABLE table_rows; --");
    ids.put("braces", "{" + RANDOM_ID + "}");
    ids.put("leading space", " " + RANDOM_ID);
    ids.put("trailing space", RANDOM_ID + " ");
    ids.put("one digit more", RANDOM_ID + "0");
    ids.put("no hyphens", RANDOM_ID.replace("-", ""));
    ids.put("4,000 characters", "a".repeat(4_000));
    ids.put("NUL", "\u0000");
    ids.put("Arabic-Indic digit", RANDOM_ID.substring(0, 35) + "\u0661");
    return ids;
  }

  private static Map<String, String> badBarcodes() {
    Map<String, String> barcodes = new LinkedHashMap<>();
    barcodes.put("full-width digits", "１２３４５");
    barcodes.put("Cyrillic look-alikes", "ТСК-0042");
    barcodes.put("Greek look-alike", "ΤCK-0042");
    barcodes.put("zero-width space", "TCK\u200B-0042");
    barcodes.put("zero-width joiner", "TCK\u200D-0042");
    barcodes.put("byte-order mark", "\uFEFFTCK-0042");
    barcodes.put("right-to-left override", "\u202ETCK-0042");
    barcodes.put("no-break space", "TCK\u00A00042");
    barcodes.put("tab", "TCK\t0042");
    barcodes.put("line feed", "TCK\n0042");
    barcodes.put("carriage return", "TCK-0042\r");
    barcodes.put("escape", "\u001B[31mTCK");
    barcodes.put("DEL", "TCK\u007F");
    barcodes.put("C1 control", "TCK\u0085");
    barcodes.put("accented letter", "TCK-0042é");
    barcodes.put("combining accent", "TCK-0042e\u0301");
    barcodes.put("Arabic-Indic digits", "\u0661\u0662\u0663");
    barcodes.put("private use", "TCK\uE000");
    barcodes.put("emoji", "TCK\uD83D\uDE00");
    return barcodes;
  }

  /** A path segment for a bad id: percent-encoded, except the already-encoded traversal, sent as it is. */
  private static String urlId(String id) {
    return id.startsWith("%2e") ? id : URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static byte[] utf8Broken(int... tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes("{\"a\":\"x"));
    for (int b : tail) {
      out.write(b);
    }
    out.writeBytes(bytes("\"}"));
    return out.toByteArray();
  }

  private static boolean containsPlaceholder(byte[] body) {
    return new String(body, StandardCharsets.ISO_8859_1).contains("$");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String quoted(String text) {
    return "\"" + text + "\"";
  }

  private static String jsonString(String text) {
    return new JsonArray().add(text).encode().replaceAll("^\\[|]$", "");
  }

  private static String shorten(String text) {
    String printable = text.replace("\u0000", "\\0").replace("\t", "\\t").replace("\uFEFF", "<BOM>");
    return printable.length() <= 40 ? printable : printable.substring(0, 37) + "…";
  }
}
