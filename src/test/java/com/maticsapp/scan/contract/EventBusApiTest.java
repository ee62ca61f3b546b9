package com.maticsapp.scan.contract;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.Tokens;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The public event-bus addresses (docs/event-bus.md) as a consumer deployed in the same Vert.x
 * instance uses them: request/reply shapes, failures as ReplyException + problem document, and
 * the scans.recorded publication. Real PostgreSQL, whole service in-process.
 */
class EventBusApiTest extends ServiceTest {

  /** A missing reply fails the test in seconds instead of after the 30 s bus default. */
  private static final DeliveryOptions FAST = new DeliveryOptions().setSendTimeout(5_000)
      .addHeader(Addresses.AUTHORIZATION, Tokens.bearer(Tokens.user(RunningService.USER)));
  /** How long to watch for a publication that must not happen. */
  private static final long QUIET_MILLIS = 300;
  /** How long to wait for a publication that must happen. */
  private static final long ARRIVAL_MILLIS = 5_000;

  // ---------------------------------------------------------------- scans.lookup

  @Test
  void lookupByColumnNameAnswersTheLiveRowsTheNormalisedValueAndTheColumn() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject first = fixtures.row(tableId, new JsonObject().put("code", "LK-7").put("name", "first"));
    JsonObject second = fixtures.row(tableId, new JsonObject().put("code", "lk-7").put("name", "second"));
    fixtures.row(tableId, new JsonObject().put("code", "LK-8").put("name", "other"));

    JsonObject reply = request(Addresses.SCANS_LOOKUP, scan(tableId, "code", "  Lk-7 "));

    assertThat(reply.getString("normalized_value")).isEqualTo("lk-7");
    assertThat(reply.getString("column_id")).isEqualTo(Fixtures.columnId(table, "code"));
    JsonArray rows = reply.getJsonArray("rows");
    assertThat(rows).hasSize(2);
    assertThat(rows.getJsonObject(0).getString("id")).isEqualTo(first.getString("id"));
    assertThat(rows.getJsonObject(0).getJsonObject("data").getString("name")).isEqualTo("first");
    assertThat(rows.getJsonObject(1).getString("id")).isEqualTo(second.getString("id"));
    assertThat(rows.getJsonObject(1).getJsonObject("data").getString("code")).isEqualTo("lk-7");
  }

  @Test
  void lookupByColumnIdUsesThatColumnsNormalisation() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String gtinColumn = Fixtures.columnId(table, "gtin");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("gtin", "4006381333931").put("name", "Pencil"));

    JsonObject reply = request(Addresses.SCANS_LOOKUP, new JsonObject()
        .put("table_id", tableId).put("column_id", gtinColumn).put("barcode", "400-6381 333931"));

    assertThat(reply.getString("normalized_value")).isEqualTo("04006381333931");
    assertThat(reply.getString("column_id")).isEqualTo(gtinColumn);
    assertThat(reply.getJsonArray("rows")).hasSize(1);
    assertThat(reply.getJsonArray("rows").getJsonObject(0).getString("id")).isEqualTo(row.getString("id"));
    assertThat(reply.getJsonArray("rows").getJsonObject(0).getJsonObject("data").getString("name")).isEqualTo("Pencil");
  }

  @Test
  void lookupThatMatchesNothingIsAnEmptyAnswerNotAFailure() {
    String tableId = fixtures.table().getString("id");
    JsonObject reply = request(Addresses.SCANS_LOOKUP, scan(tableId, "code", "NOTHING-HERE"));
    assertThat(reply.getJsonArray("rows")).isEmpty();
    assertThat(reply.getString("normalized_value")).isEqualTo("nothing-here");
  }

  @Test
  void lookupInAnUnknownTableOrColumnFailsWith404AndAProblemDocument() {
    String missingTable = UUID.randomUUID().toString();
    ReplyException noTable = failure(Addresses.SCANS_LOOKUP, scan(missingTable, "code", "X"));
    assertThat(noTable.failureCode()).isEqualTo(404);
    JsonObject problem = ServiceFailure.problemOf(noTable);
    assertThat(problem.getInteger("status")).isEqualTo(404);
    assertThat(problem.getString("title")).isEqualTo("Not found");
    assertThat(problem.getString("detail")).contains(missingTable);

    String tableId = fixtures.table().getString("id");
    ReplyException noColumn = failure(Addresses.SCANS_LOOKUP, scan(tableId, "nope", "X"));
    assertThat(noColumn.failureCode()).isEqualTo(404);
    assertThat(ServiceFailure.problemOf(noColumn).getString("detail")).contains("nope");
  }

  @Test
  void lookupOnATextColumnIs422NamingTheColumnField() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");

    ReplyException byName = failure(Addresses.SCANS_LOOKUP, scan(tableId, "name", "X"));
    assertThat(byName.failureCode()).isEqualTo(422);
    JsonObject problem = ServiceFailure.problemOf(byName);
    assertThat(problem.getInteger("status")).isEqualTo(422);
    assertThat(problem.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("column_name");

    ReplyException byId = failure(Addresses.SCANS_LOOKUP, new JsonObject()
        .put("table_id", tableId).put("column_id", Fixtures.columnId(table, "name")).put("barcode", "X"));
    assertThat(byId.failureCode()).isEqualTo(422);
    assertThat(ServiceFailure.problemOf(byId).getJsonArray("errors").getJsonObject(0).getString("field"))
        .isEqualTo("column_id");
  }

  @Test
  void lookupWithInvalidFieldsIs422ListingEveryField() {
    JsonObject table = fixtures.table();
    ReplyException missing = failure(Addresses.SCANS_LOOKUP, new JsonObject().put("table_id", "not-a-uuid"));
    assertThat(missing.failureCode()).isEqualTo(422);
    assertThat(fieldsOf(missing)).contains("table_id", "column_id", "barcode");

    ReplyException badGtin = failure(Addresses.SCANS_LOOKUP, scan(table.getString("id"), "gtin", "4006381333932"));
    assertThat(badGtin.failureCode()).isEqualTo(422);
    assertThat(fieldsOf(badGtin)).containsExactly("barcode");
  }

  @Test
  void aBodyThatIsNotAJsonObjectIs400NotATimeoutOr500() {
    for (String address : List.of(Addresses.SCANS_LOOKUP, Addresses.SCANS_RECORD, Addresses.SCANS_RECORD_BATCH)) {
      ReplyException text = failure(address, "table_id=x&barcode=y");
      assertThat(text.failureCode()).as(address + " with a String body").isEqualTo(400);
      assertThat(ServiceFailure.problemOf(text).getString("detail")).as(address).contains("JSON object");

      ReplyException array = failure(address, new JsonArray().add("x"));
      assertThat(array.failureCode()).as(address + " with a JsonArray body").isEqualTo(400);

      ReplyException none = failure(address, null);
      assertThat(none.failureCode()).as(address + " with a null body").isEqualTo(400);
    }
  }

  // ---------------------------------------------------------------- scans.record

  @Test
  void recordAnswersCreatedAndTheScanAndAReplayAnswersTheSameScanUncounted() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "REC-1").put("name", "Ada"));
    String id = UUID.randomUUID().toString();
    JsonObject body = scan(tableId, "code", " rec-1").put("id", id).put("source", "bus")
        .put("device_id", "worker-3").put("metadata", new JsonObject().put("lane", 4));

    JsonObject first = request(Addresses.SCANS_RECORD, body);

    assertThat(first.getBoolean("created")).isTrue();
    JsonObject scan = first.getJsonObject("scan");
    assertThat(scan.getString("id")).isEqualTo(id);
    assertThat(scan.getString("table_id")).isEqualTo(tableId);
    assertThat(scan.getString("workspace_id")).isEqualTo(table.getString("workspace_id"));
    assertThat(scan.getString("column_id")).isEqualTo(Fixtures.columnId(table, "code"));
    assertThat(scan.getString("column_name")).isEqualTo("code");
    assertThat(scan.getString("barcode")).isEqualTo(" rec-1");
    assertThat(scan.getString("normalized_barcode")).isEqualTo("rec-1");
    assertThat(scan.getString("status")).isEqualTo("success");
    assertThat(scan.getJsonArray("matched_row_ids")).containsExactly(row.getString("id"));
    assertThat(scan.getString("source")).isEqualTo("bus");
    assertThat(scan.getString("device_id")).isEqualTo("worker-3");
    assertThat(scan.getJsonObject("metadata").getInteger("lane")).isEqualTo(4);
    assertThat(scan.getString("scanned_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");

    JsonObject replay = request(Addresses.SCANS_RECORD, body);

    assertThat(replay.getBoolean("created")).isFalse();
    assertThat(replay.getJsonObject("scan")).isEqualTo(scan);
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(1);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE id = '" + id + "'")).isEqualTo(1);
  }

  @Test
  void recordWithoutAnIdRecordsANewScanEachTime() {
    String tableId = fixtures.table().getString("id");
    JsonObject one = request(Addresses.SCANS_RECORD, scan(tableId, "code", "NO-ID"));
    JsonObject two = request(Addresses.SCANS_RECORD, scan(tableId, "code", "NO-ID"));
    assertThat(one.getBoolean("created")).isTrue();
    assertThat(two.getBoolean("created")).isTrue();
    assertThat(one.getJsonObject("scan").getString("id")).isNotEqualTo(two.getJsonObject("scan").getString("id"));
    assertThat(one.getJsonObject("scan").getString("status")).isEqualTo("failure");
  }

  @Test
  void invalidRecordRequestsAre422WithFieldErrorsAndWriteNothing() {
    String tableId = fixtures.table().getString("id");
    long before = database.count("SELECT count(*) FROM scan_history");

    ReplyException empty = failure(Addresses.SCANS_RECORD, new JsonObject());
    assertThat(empty.failureCode()).isEqualTo(422);
    JsonObject problem = ServiceFailure.problemOf(empty);
    assertThat(problem.getString("title")).isEqualTo("Invalid request");
    assertThat(problem.getInteger("status")).isEqualTo(422);
    assertThat(fieldsOf(empty)).contains("table_id", "column_id", "barcode");
    assertThat(problem.getString("detail")).isEqualTo(problem.getJsonArray("errors").size() + " fields are invalid");

    ReplyException blank = failure(Addresses.SCANS_RECORD, scan(tableId, "code", "   ").put("id", "123"));
    assertThat(blank.failureCode()).isEqualTo(422);
    assertThat(fieldsOf(blank)).contains("id");

    ReplyException badTime = failure(Addresses.SCANS_RECORD, scan(tableId, "code", "X").put("scanned_at", "yesterday"));
    assertThat(badTime.failureCode()).isEqualTo(422);
    assertThat(fieldsOf(badTime)).containsExactly("scanned_at");
    assertThat(ServiceFailure.problemOf(badTime).getString("detail")).startsWith("scanned_at: ");

    ReplyException textColumn = failure(Addresses.SCANS_RECORD, scan(tableId, "name", "X"));
    assertThat(textColumn.failureCode()).isEqualTo(422);
    assertThat(fieldsOf(textColumn)).containsExactly("column_name");

    ReplyException noTable = failure(Addresses.SCANS_RECORD, scan(UUID.randomUUID().toString(), "code", "X"));
    assertThat(noTable.failureCode()).isEqualTo(404);

    assertThat(database.count("SELECT count(*) FROM scan_history")).isEqualTo(before);
  }

  @Test
  void reusingAnIdForAnotherBarcodeIs409() {
    String tableId = fixtures.table().getString("id");
    String id = UUID.randomUUID().toString();
    assertThat(request(Addresses.SCANS_RECORD, scan(tableId, "code", "FIRST").put("id", id)).getBoolean("created")).isTrue();

    ReplyException reused = failure(Addresses.SCANS_RECORD, scan(tableId, "code", "SECOND").put("id", id));

    assertThat(reused.failureCode()).isEqualTo(409);
    assertThat(ServiceFailure.problemOf(reused).getString("detail")).contains(id);
  }

  // ---------------------------------------------------------------- scans.recorded

  @Test
  void everyNewScanIsPublishedOnceWhetherRecordedOverHttpOrTheBusAndReplaysPublishNothing() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "PUB-1"));
    try (Recorded recorded = listen(tableId)) {
      List<JsonObject> published = recorded.messages;
      String httpId = UUID.randomUUID().toString();
      String busId = UUID.randomUUID().toString();

      HttpResponse<Buffer> overHttp = service.post("/api/scans", scan(tableId, "code", "PUB-1").put("id", httpId));
      assertThat(overHttp.statusCode()).as(overHttp.bodyAsString()).isEqualTo(201);
      JsonObject overBus = request(Addresses.SCANS_RECORD, scan(tableId, "code", "pub-1").put("id", busId));
      assertThat(overBus.getBoolean("created")).isTrue();

      awaitSize(published, 2);
      JsonObject httpScan = overHttp.bodyAsJsonObject();
      JsonObject busScan = overBus.getJsonObject("scan");
      assertThat(published).extracting(scan -> scan.getString("id")).containsExactlyInAnyOrder(httpId, busId);
      assertThat(byId(published, httpId)).isEqualTo(httpScan);
      assertThat(byId(published, busId)).isEqualTo(busScan);
      JsonObject message = byId(published, busId);
      assertThat(message.getString("table_id")).isEqualTo(tableId);
      assertThat(message.getString("status")).isEqualTo("success");
      assertThat(message.getJsonArray("matched_row_ids")).containsExactly(row.getString("id"));
      assertThat(message.getString("created_at")).isNotNull();

      // Replays, over both routes: answered, but nothing new is published.
      HttpResponse<Buffer> httpReplay = service.post("/api/scans", scan(tableId, "code", "PUB-1").put("id", httpId));
      assertThat(httpReplay.statusCode()).isEqualTo(200);
      JsonObject busReplay = request(Addresses.SCANS_RECORD, scan(tableId, "code", "pub-1").put("id", busId));
      assertThat(busReplay.getBoolean("created")).isFalse();
      JsonObject crossReplay = request(Addresses.SCANS_RECORD, scan(tableId, "code", "PUB-1").put("id", httpId));
      assertThat(crossReplay.getBoolean("created")).isFalse();

      stayQuiet();
      assertThat(published).hasSize(2);
    }
  }

  @Test
  void aBatchPublishesOneMessagePerNewItemOnly() {
    String tableId = fixtures.table().getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "BAT-1"));
    String earlier = UUID.randomUUID().toString();
    assertThat(service.post("/api/scans", scan(tableId, "code", "BAT-1").put("id", earlier)).statusCode()).isEqualTo(201);
    String newOne = UUID.randomUUID().toString();
    HttpResponse<Buffer> response;
    List<JsonObject> published;
    try (Recorded recorded = listen(tableId)) {
      published = recorded.messages;
      response = service.post("/api/scans/batch", new JsonObject().put("scans", new JsonArray()
          .add(scan(tableId, "code", "BAT-1").put("id", newOne))
          .add(scan(tableId, "code", "BAT-2"))
          .add(scan(tableId, "code", "BAT-1").put("id", earlier))));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      awaitSize(published, 2);
      stayQuiet();
    }

    JsonArray results = response.bodyAsJsonObject().getJsonArray("results");
    assertThat(results.stream().map(JsonObject.class::cast).map(result -> result.getInteger("status")))
        .containsExactly(201, 201, 200);
    assertThat(published).hasSize(2);
    assertThat(published).extracting(scan -> scan.getString("id")).containsExactlyInAnyOrder(
        newOne, results.getJsonObject(1).getJsonObject("scan").getString("id"));
    assertThat(byId(published, newOne)).isEqualTo(results.getJsonObject(0).getJsonObject("scan"));
    assertThat(published).extracting(scan -> scan.getString("id")).doesNotContain(earlier);
  }

  @Test
  void failedRecordingsPublishNothing() {
    String tableId = fixtures.table().getString("id");
    try (Recorded recorded = listen(tableId)) {
      failure(Addresses.SCANS_RECORD, scan(tableId, "name", "X"));
      failure(Addresses.SCANS_RECORD, scan(tableId, "gtin", "123"));
      request(Addresses.SCANS_RECORD_BATCH, new JsonObject().put("scans", new JsonArray()
          .add(scan(tableId, "nope", "X"))
          .add(new JsonObject().put("table_id", tableId))));

      stayQuiet();
      assertThat(recorded.messages).isEmpty();
    }
  }

  // ---------------------------------------------------------------- scans.record.batch

  @Test
  void aBatchOverTheBusAnswersEveryItemInOrderWithItsOwnStatus() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject row = fixtures.row(tableId, new JsonObject().put("code", "BB-1"));
    String earlier = UUID.randomUUID().toString();
    JsonObject stored = request(Addresses.SCANS_RECORD, scan(tableId, "code", "BB-1").put("id", earlier)).getJsonObject("scan");
    String repeated = UUID.randomUUID().toString();
    String missingTable = UUID.randomUUID().toString();

    JsonObject reply = request(Addresses.SCANS_RECORD_BATCH, new JsonObject().put("scans", new JsonArray()
        .add(scan(tableId, "code", "BB-1").put("id", repeated))   // 0: new
        .add(scan(tableId, "code", "BB-1").put("id", earlier))    // 1: replay of an earlier scan
        .add(new JsonObject().put("table_id", tableId).put("column_name", "code")) // 2: no barcode
        .add(scan(missingTable, "code", "BB-1"))                  // 3: unknown table
        .add("not an object")                                     // 4
        .add(scan(tableId, "name", "BB-1"))                       // 5: text column
        .add(scan(tableId, "code", "BB-1").put("id", repeated))   // 6: repeat of item 0
        .add(scan(tableId, "code", "BB-9"))));                    // 7: new, matches nothing

    JsonArray results = reply.getJsonArray("results");
    assertThat(results).hasSize(8);
    for (int i = 0; i < results.size(); i++) {
      assertThat(results.getJsonObject(i).getInteger("index")).isEqualTo(i);
    }
    assertThat(results.stream().map(JsonObject.class::cast).map(result -> result.getInteger("status")))
        .containsExactly(201, 200, 422, 404, 422, 422, 200, 201);

    JsonObject created = results.getJsonObject(0);
    assertThat(created.getBoolean("created")).isTrue();
    assertThat(created.getJsonObject("scan").getString("id")).isEqualTo(repeated);
    assertThat(created.getJsonObject("scan").getJsonArray("matched_row_ids")).containsExactly(row.getString("id"));

    assertThat(results.getJsonObject(1).getBoolean("created")).isFalse();
    assertThat(results.getJsonObject(1).getJsonObject("scan")).isEqualTo(stored);

    JsonObject noBarcode = results.getJsonObject(2).getJsonObject("error");
    assertThat(noBarcode.getInteger("status")).isEqualTo(422);
    assertThat(noBarcode.getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("scans[2].barcode");
    assertThat(results.getJsonObject(2).containsKey("scan")).isFalse();

    assertThat(results.getJsonObject(3).getJsonObject("error").getString("detail")).contains(missingTable);
    assertThat(results.getJsonObject(4).getJsonObject("error").getJsonArray("errors").getJsonObject(0).getString("field"))
        .isEqualTo("scans[4]");
    JsonObject textColumn = results.getJsonObject(5).getJsonObject("error");
    assertThat(textColumn.getInteger("status")).isEqualTo(422);
    assertThat(textColumn.getJsonArray("errors").getJsonObject(0).getString("field")).endsWith("column_name");

    assertThat(results.getJsonObject(6).getBoolean("created")).isFalse();
    assertThat(results.getJsonObject(6).getJsonObject("scan")).isEqualTo(created.getJsonObject("scan"));
    assertThat(results.getJsonObject(7).getJsonObject("scan").getString("status")).isEqualTo("failure");

    // Item 0 counted once; the replays (1 and 6) counted nothing: 1 (earlier) + 1 (item 0).
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + row.getString("id") + "'")).isEqualTo(2);
  }

  @Test
  void aBatchWithoutAScansArrayOrWithAnEmptyOneFailsAsAWholeAsOverHttp() {
    ReplyException missing = failure(Addresses.SCANS_RECORD_BATCH, new JsonObject());
    assertThat(missing.failureCode()).isEqualTo(422);
    assertThat(fieldsOf(missing)).containsExactly("scans");

    ReplyException notArray = failure(Addresses.SCANS_RECORD_BATCH, new JsonObject().put("scans", "x"));
    assertThat(notArray.failureCode()).isEqualTo(422);

    // The same rule as POST /api/scans/batch: the data side owns it, whoever asks.
    ReplyException empty = failure(Addresses.SCANS_RECORD_BATCH, new JsonObject().put("scans", new JsonArray()));
    assertThat(empty.failureCode()).isEqualTo(422);
    assertThat(fieldsOf(empty)).containsExactly("scans");
  }

  // ---------------------------------------------------------------- typed replies

  @Test
  void aSenderThatAsksForRecordsGetsTheRecordsThemselvesByReference() {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "TY-1"));
    DeliveryOptions asRecords = new DeliveryOptions(FAST).addHeader(Addresses.REPLY, Addresses.REPLY_RECORD)
        .setCodecName(BusCodecs.JSON_BY_REFERENCE);
    JsonObject scan = scan(tableId, "code", "TY-1").put("id", UUID.randomUUID().toString());

    Object first = bus().request(Addresses.SCANS_RECORD, scan, asRecords).await().body();
    assertThat(first).isInstanceOf(ScanOutcome.Recorded.class);
    Object again = bus().request(Addresses.SCANS_RECORD, scan, asRecords).await().body();
    assertThat(again).isInstanceOf(ScanOutcome.Replayed.class);
    assertThat(((ScanOutcome.Replayed) again).scan().getString("id")).isEqualTo(scan.getString("id"));

    Object found = bus().request(Addresses.SCANS_LOOKUP, scan(tableId, "code", "ty-1"), asRecords).await().body();
    assertThat(found).isInstanceOf(LookupResult.class);
    assertThat(((LookupResult) found).rows()).hasSize(1);

    Object batch = bus().request(Addresses.SCANS_RECORD_BATCH,
        new JsonObject().put("scans", new JsonArray().add(scan).add(new JsonObject())), asRecords).await().body();
    assertThat(batch).isInstanceOf(ScanBatchResult.class);
    assertThat(((ScanBatchResult) batch).outcomes()).hasSize(2);
    assertThat(((ScanBatchResult) batch).outcomes().get(0)).isInstanceOf(ScanOutcome.Replayed.class);
    assertThat(((ScanBatchResult) batch).outcomes().get(1)).isInstanceOf(ScanOutcome.Refused.class);

    // Without the header the same request is answered with the JSON document.
    assertThat(request(Addresses.SCANS_RECORD, scan).getBoolean("created")).isFalse();
  }

  // ---------------------------------------------------------------- health.status

  @Test
  void liveIsUp() {
    JsonObject reply = request(Addresses.HEALTH_STATUS, new JsonObject().put("probe", "live"));
    assertThat(reply).isEqualTo(new JsonObject().put("status", "UP"));
  }

  @Test
  void databaseProbeAnswersStatusOnly() {
    JsonObject reply = request(Addresses.HEALTH_STATUS, new JsonObject().put("probe", "database"));
    assertThat(reply).isEqualTo(new JsonObject().put("status", "UP").put("checks", new JsonObject().put("database", "UP")));
    // The ping it sent is what the detailed document's server version comes from.
    JsonObject db = request(Addresses.HEALTH_STATUS, new JsonObject().put("probe", "detailed")).getJsonObject("database");
    assertThat(db.getString("server_version")).isNotBlank();
    assertThat(db.getString("target")).contains(database.name());
  }

  @Test
  void detailedProbeIsUpWithPoolStatistics() {
    JsonObject reply = request(Addresses.HEALTH_STATUS, new JsonObject().put("probe", "detailed"));
    assertThat(reply.getString("status")).as(reply.encode()).isEqualTo("UP");
    assertThat(reply.getString("environment")).isEqualTo("test");
    assertThat(reply.getBoolean("accepting_traffic")).isTrue();
    assertThat(reply.getJsonObject("database").getBoolean("connected")).isTrue();
    JsonObject pool = reply.getJsonObject("pool");
    assertThat(pool).as(reply.encode()).isNotNull();
    assertThat(pool.getInteger("max_size")).isEqualTo(service.config().database().pool().maxSize());
  }

  @Test
  void readyProbeIsUp() {
    JsonObject reply = request(Addresses.HEALTH_STATUS, new JsonObject().put("probe", "ready"));
    assertThat(reply.getString("status")).as(reply.encode()).isEqualTo("UP");
    assertThat(reply.getJsonObject("checks"))
        .isEqualTo(new JsonObject().put("database", "UP").put("accepting_traffic", "UP"));
  }

  @Test
  void anUnknownProbeIsADownAnswerNotAFailure() {
    JsonObject reply = request(Addresses.HEALTH_STATUS, new JsonObject().put("probe", "bogus"));
    // Status only, like every probe but the detailed one.
    assertThat(reply).isEqualTo(new JsonObject().put("status", "DOWN"));
  }

  @Test
  void aHealthRequestWithoutAJsonObjectStillGetsAnAnswer() {
    for (Object body : new Object[] {"live", new JsonArray().add("live"), null, new JsonObject()}) {
      JsonObject reply = request(Addresses.HEALTH_STATUS, body);
      assertThat(reply.getString("status")).as(String.valueOf(body)).isIn("UP", "DOWN");
    }
  }

  // ---------------------------------------------------------------- helpers

  private EventBus bus() {
    return service.vertx().eventBus();
  }

  /** The successful reply of a request; a failure or a missing reply fails the test. */
  private JsonObject request(String address, Object body) {
    return bus().<JsonObject>request(address, body, FAST).await().body();
  }

  /** The failure of a request the service must reject (not time out on, not find unserved). */
  private ReplyException failure(String address, Object body) {
    Throwable thrown = catchThrowable(() -> bus().request(address, body, FAST).await());
    assertThat(thrown).as(address + " must fail").isInstanceOf(ReplyException.class);
    ReplyException failure = (ReplyException) thrown;
    assertThat(failure.failureType()).as(failure.getMessage()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
    JsonObject problem = ServiceFailure.problemOf(failure);
    assertThat(problem.getInteger("status")).as(problem.encode()).isEqualTo(failure.failureCode());
    assertThat(problem.getString("detail")).isNotBlank();
    return failure;
  }

  private static List<String> fieldsOf(ReplyException failure) {
    JsonArray errors = ServiceFailure.problemOf(failure).getJsonArray("errors");
    assertThat(errors).as(failure.getMessage()).isNotNull();
    return errors.stream().map(JsonObject.class::cast).map(error -> error.getString("field")).toList();
  }

  /**
   * Collects scans.recorded messages for one table (tests share the service, so other tables'
   * scans are ignored). The consumer is registered before {@link #listen} returns.
   */
  private static final class Recorded implements AutoCloseable {
    final List<JsonObject> messages = new CopyOnWriteArrayList<>();
    private final MessageConsumer<JsonObject> consumer;

    Recorded(EventBus bus, String tableId) {
      consumer = bus.consumer(Addresses.SCANS_RECORDED, message -> {
        if (tableId.equals(message.body().getString("table_id"))) {
          messages.add(message.body());
        }
      });
      consumer.completion().await();
    }

    @Override
    public void close() {
      consumer.unregister().await();
    }
  }

  private Recorded listen(String tableId) {
    return new Recorded(bus(), tableId);
  }

  private static void awaitSize(List<JsonObject> published, int size) {
    long deadline = System.nanoTime() + ARRIVAL_MILLIS * 1_000_000;
    while (published.size() < size && System.nanoTime() < deadline) {
      pause(10);
    }
    assertThat(published).as("scans.recorded messages").hasSizeGreaterThanOrEqualTo(size);
  }

  /** Waits a short, bounded time in which no further message may arrive. */
  private static void stayQuiet() {
    pause(QUIET_MILLIS);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject byId(List<JsonObject> scans, String id) {
    return scans.stream().filter(scan -> id.equals(scan.getString("id"))).findFirst().orElseThrow();
  }
}
