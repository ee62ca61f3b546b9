package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.WebhookReceiver;
import com.maticsapp.scan.support.WebhookReceiver.Answer;
import com.maticsapp.scan.support.WebhookReceiver.Received;
import com.maticsapp.scan.support.WebhookVerifier;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Webhooks end to end: real receivers on loopback, the service's own dispatcher, a real
 * PostgreSQL. The test profile retries after 100-400 ms and gives each attempt 2 s.
 */
class WebhookDeliveryTest extends ServiceTest {

  private final List<WebhookReceiver> receivers = new ArrayList<>();

  private WebhookReceiver receiver() {
    WebhookReceiver receiver = WebhookReceiver.start();
    receivers.add(receiver);
    return receiver;
  }

  @AfterAll
  void closeReceivers() {
    receivers.forEach(WebhookReceiver::close);
  }

  @Test
  void everyRecordedScanArrivesInFullSignedAndOnce() {
    WebhookReceiver receiver = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "TCK-1").put("name", "Ada"));
    JsonObject endpoint = fixtures.webhook(table.getString("workspace_id"), receiver.url(), "scan.recorded");
    String secret = endpoint.getString("secret");
    assertThat(secret).startsWith("whsec_");

    Map<String, JsonObject> recorded = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      HttpResponse<Buffer> response = service.post("/api/scans", scan(tableId, "code", i % 2 == 0 ? "tck-1" : "NONE-" + i));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
      recorded.put(response.bodyAsJsonObject().getString("id"), response.bodyAsJsonObject());
    }
    // A replay records nothing new, so it sends nothing either.
    String first = recorded.keySet().iterator().next();
    assertThat(service.post("/api/scans", scan(tableId, "code", "tck-1").put("id", first)).statusCode()).isEqualTo(200);

    WebhookReceiver.await("20 deliveries", 20_000, () -> receiver.accepted().size() == 20);
    WebhookVerifier verifier = new WebhookVerifier(secret);
    for (Received each : receiver.received()) {
      assertThat(verifier.verifies(each.webhookId(), each.timestamp(), each.signature(), each.body()))
          .as("signature of %s", each.webhookId()).isTrue();
      assertThat(each.contentType()).isEqualTo("application/json");
      assertThat(each.host()).isEqualTo("127.0.0.1:" + receiver.port());
      JsonObject event = each.json();
      assertThat(event.fieldNames()).containsExactlyInAnyOrder("type", "timestamp", "data");
      assertThat(event.getString("type")).isEqualTo("scan.recorded");
      // The event's data is the scan exactly as the API answered it.
      assertThat(event.getJsonObject("data")).isEqualTo(recorded.get(event.getJsonObject("data").getString("id")));
      assertThat(event.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    }
    Set<String> scanIds = receiver.accepted().values().stream().map(r -> r.json().getJsonObject("data").getString("id"))
        .collect(Collectors.toSet());
    assertThat(scanIds).isEqualTo(recorded.keySet());
    assertThat(receiver.received()).as("each event once: no retries were needed").hasSize(20);

    // A signature made with any other secret does not verify.
    Received one = receiver.received().get(0);
    assertThat(new WebhookVerifier(com.maticsapp.scan.webhooks.Signature.newSecret())
        .verifies(one.webhookId(), one.timestamp(), one.signature(), one.body())).isFalse();

    awaitSettled(endpoint, 20);
    HttpResponse<Buffer> log = service.get(endpointPath(endpoint) + "/deliveries?limit=50");
    assertThat(log.statusCode()).as(log.bodyAsString()).isEqualTo(200);
    JsonArray deliveries = log.bodyAsJsonObject().getJsonArray("deliveries");
    assertThat(deliveries).hasSize(20);
    JsonObject delivered = deliveries.getJsonObject(0);
    assertThat(delivered.getString("state")).isEqualTo("delivered");
    assertThat(delivered.getInteger("last_status")).isEqualTo(200);
    JsonObject attempt = delivered.getJsonArray("attempt_log").getJsonObject(0);
    assertThat(attempt.getInteger("status_code")).isEqualTo(200);
    assertThat(attempt.getString("response")).isEqualTo("answer 200");
    assertThat(attempt.getInteger("latency_ms")).isNotNull();
  }

  @Test
  void retriesThroughFailuresAndATimeoutWithTheSameIdThenA410DisablesTheEndpoint() {
    WebhookReceiver receiver = receiver();
    receiver.then(Answer.ok(), Answer.status(500), Answer.status(500), Answer.status(500), Answer.slow(3_000),
        Answer.status(410));
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject endpoint = fixtures.webhook(table.getString("workspace_id"), receiver.url(), "scan.recorded");

    assertThat(service.post("/api/scans", scan(tableId, "code", "first")).statusCode()).isEqualTo(201);
    WebhookReceiver.await("the first delivery", 10_000, () -> receiver.received().size() == 1);
    assertThat(service.post("/api/scans", scan(tableId, "code", "second")).statusCode()).isEqualTo(201);
    WebhookReceiver.await("five more attempts", 30_000, () -> receiver.received().size() == 6);

    List<Received> attempts = receiver.received().subList(1, 6);
    assertThat(attempts).extracting(Received::webhookId).as("one webhook-id across retries").containsOnly(attempts.get(0).webhookId());
    assertThat(attempts.get(0).webhookId()).isNotEqualTo(receiver.received().get(0).webhookId());
    WebhookVerifier verifier = new WebhookVerifier(endpoint.getString("secret"));
    attempts.forEach(each -> assertThat(verifier.verifies(each.webhookId(), each.timestamp(), each.signature(), each.body())).isTrue());
    assertThat(attempts).extracting(r -> r.json().getJsonObject("data").getString("barcode")).containsOnly("second");

    WebhookReceiver.await("the endpoint disabled", 10_000,
        () -> !service.get(endpointPath(endpoint)).bodyAsJsonObject().getBoolean("enabled"));
    JsonObject disabled = service.get(endpointPath(endpoint)).bodyAsJsonObject();
    assertThat(disabled.getString("disabled_reason")).isEqualTo("the endpoint answered 410 Gone");
    assertThat(disabled.getString("disabled_at")).isNotNull();
    assertThat(disabled.containsKey("secret")).as("the secret is shown only once").isFalse();

    JsonObject log = service.get(endpointPath(endpoint) + "/deliveries").bodyAsJsonObject();
    JsonObject second = log.getJsonArray("deliveries").getJsonObject(0);
    assertThat(second.getString("state")).isEqualTo("failed");
    assertThat(second.getInteger("attempts")).isEqualTo(5);
    assertThat(second.getString("webhook_id")).isEqualTo(attempts.get(0).webhookId());
    JsonArray attemptLog = second.getJsonArray("attempt_log");
    List<Object> statuses = attemptLog.stream().map(a -> ((JsonObject) a).getValue("status_code")).toList();
    assertThat(statuses).containsExactly(410, null, 500, 500, 500);
    assertThat(attemptLog.getJsonObject(1).getString("error")).startsWith("timed out");
    assertThat(attemptLog.getJsonObject(2).getString("next_retry_at")).isNotNull();

    // Disabled: new scans queue nothing for it.
    long queued = database.count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + endpoint.getString("id") + "'");
    assertThat(service.post("/api/scans", scan(tableId, "code", "third")).statusCode()).isEqualTo(201);
    assertThat(database.count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + endpoint.getString("id") + "'"))
        .isEqualTo(queued);
  }

  @Test
  void rowEventsCarryTheRowAndScanCountersAreNoUpdate() {
    WebhookReceiver receiver = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.webhook(table.getString("workspace_id"), receiver.url(), "row.created", "row.updated");

    JsonObject created = fixtures.row(tableId, new JsonObject().put("code", "R-1").put("name", "Row"));
    HttpResponse<Buffer> patched = service.patch("/api/tables/" + tableId + "/rows/" + created.getString("id"),
        new JsonObject().put("data", new JsonObject().put("name", "Renamed")));
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(service.post("/api/scans", scan(tableId, "code", "r-1")).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> bulk = service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows",
        new JsonArray().add(new JsonObject().put("data", new JsonObject().put("code", "B-1")))
            .add(new JsonObject().put("data", new JsonObject().put("code", "B-2")))));
    assertThat(bulk.statusCode()).as(bulk.bodyAsString()).isEqualTo(201);

    WebhookReceiver.await("four row events", 10_000, () -> receiver.accepted().size() == 4);
    sleep(500); // nothing more is coming: the scan's counter update is not a row.updated
    List<JsonObject> events = receiver.received().stream().map(Received::json).toList();
    assertThat(events).hasSize(4);
    Map<String, List<JsonObject>> byType = events.stream().collect(Collectors.groupingBy(e -> e.getString("type")));
    assertThat(byType.get("row.created")).hasSize(3);
    assertThat(byType.get("row.updated")).hasSize(1);
    assertThat(byType.get("row.created")).extracting(e -> e.getJsonObject("data")).contains(created);
    assertThat(byType.get("row.updated").get(0).getJsonObject("data")).isEqualTo(patched.bodyAsJsonObject());
  }

  @Test
  void anUndoIsAScanUndoneEventCarryingTheScanAsTheUndoAnsweredAndIsSentOnce() {
    WebhookReceiver receiver = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "U-1").put("name", "Undone"));
    fixtures.webhook(table.getString("workspace_id"), receiver.url(), "scan.undone");
    HttpResponse<Buffer> scanned = service.post("/api/scans", scan(tableId, "code", "U-1"));
    assertThat(scanned.statusCode()).isEqualTo(201);
    String scanId = scanned.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> undone = service.post("/api/scans/" + scanId + "/undo", new JsonObject().put("reason", "wrong door"));
    assertThat(undone.statusCode()).as(undone.bodyAsString()).isEqualTo(200);
    // Undoing again answers the same and changes nothing, so it sends nothing either.
    assertThat(service.post("/api/scans/" + scanId + "/undo", new JsonObject()).statusCode()).isEqualTo(200);

    WebhookReceiver.await("the scan.undone event", 10_000, () -> receiver.accepted().size() == 1);
    sleep(500);
    assertThat(receiver.received()).hasSize(1);
    JsonObject event = receiver.received().get(0).json();
    assertThat(event.getString("type")).isEqualTo("scan.undone");
    assertThat(event.getJsonObject("data")).isEqualTo(undone.bodyAsJsonObject());
    assertThat(event.getJsonObject("data").getJsonObject("undo").getString("reason")).isEqualTo("wrong door");
  }

  @Test
  void aFinishedImportIsAnImportCompletedEventWithTheJobAsTheApiShowsIt() {
    WebhookReceiver receiver = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.webhook(table.getString("workspace_id"), receiver.url(), "import.completed");
    HttpResponse<Buffer> imported = service.raw(io.vertx.core.http.HttpMethod.POST, "/api/tables/" + tableId + "/import?wait=true",
        "text/csv", Buffer.buffer("code,name\nIMP-1,One\nIMP-2,Two\n"));
    assertThat(imported.statusCode()).as(imported.bodyAsString()).isIn(200, 201);
    String jobId = imported.bodyAsJsonObject().getString("id");
    WebhookReceiver.await("the import.completed event", 10_000, () -> receiver.accepted().size() == 1);
    JsonObject event = receiver.received().get(0).json();
    assertThat(event.getString("type")).isEqualTo("import.completed");
    assertThat(event.getJsonObject("data")).isEqualTo(service.get("/api/imports/" + jobId).bodyAsJsonObject());
    assertThat(event.getJsonObject("data").getString("status")).isEqualTo("succeeded");
  }

  @Test
  void aRolledBackChangeSendsNothing() throws Exception {
    WebhookReceiver receiver = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    String workspaceId = table.getString("workspace_id");
    JsonObject endpoint = fixtures.webhook(workspaceId, receiver.url(), "scan.recorded", "row.created");
    try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      statement.execute("INSERT INTO table_rows (table_id, data) VALUES ('" + tableId + "', '{\"code\": \"X\"}')");
      statement.execute("INSERT INTO scan_history (id, workspace_id, table_id, column_name, barcode, normalized_barcode, status, scanned_at) "
          + "VALUES (gen_random_uuid(), '" + workspaceId + "', '" + tableId + "', 'code', 'x', 'x', 'failure', now())");
      assertThat(count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + endpoint.getString("id") + "'", statement))
          .as("inside the transaction, the events are in the outbox").isEqualTo(2);
      connection.rollback();
    }
    assertThat(database.count("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '" + endpoint.getString("id") + "'")).isZero();
    // A committed change after it is delivered: the dispatcher was running all along.
    fixtures.row(tableId, new JsonObject().put("code", "Y"));
    WebhookReceiver.await("the committed row", 10_000, () -> receiver.accepted().size() == 1);
    sleep(300);
    assertThat(receiver.received()).hasSize(1);
    assertThat(receiver.received().get(0).json().getJsonObject("data").getJsonObject("data").getString("code")).isEqualTo("Y");
  }

  @Test
  void aSlowEndpointDoesNotHoldUpAnotherOne() {
    WebhookReceiver slow = receiver().answerByDefault(Answer.slow(10_000));
    WebhookReceiver fast = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    fixtures.webhook(table.getString("workspace_id"), slow.url(), "scan.recorded");
    fixtures.webhook(table.getString("workspace_id"), fast.url(), "scan.recorded");
    for (int i = 0; i < 40; i++) {
      assertThat(service.post("/api/scans", scan(tableId, "code", "S-" + i)).statusCode()).isEqualTo(201);
    }
    WebhookReceiver.await("40 deliveries to the fast endpoint", 15_000, () -> fast.accepted().size() == 40);
    assertThat(slow.accepted()).as("the slow endpoint has not answered once yet").isEmpty();
    assertThat(slow.maxHeldAtOnce()).as("the slow endpoint holds only its own share of the wire")
        .isPositive().isLessThanOrEqualTo(service.config().webhooks().maxInFlightPerEndpoint());
  }

  @Test
  void oneDeliveryOrEverythingSinceATimeCanBeSentAgainWithTheSameId() {
    WebhookReceiver receiver = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject endpoint = fixtures.webhook(table.getString("workspace_id"), receiver.url(), "scan.recorded");
    for (int i = 0; i < 3; i++) {
      assertThat(service.post("/api/scans", scan(tableId, "code", "RD-" + i)).statusCode()).isEqualTo(201);
    }
    WebhookReceiver.await("three deliveries", 10_000, () -> receiver.accepted().size() == 3);
    awaitSettled(endpoint, 3);
    JsonArray deliveries = service.get(endpointPath(endpoint) + "/deliveries").bodyAsJsonObject().getJsonArray("deliveries");
    JsonObject oldest = deliveries.getJsonObject(2);

    HttpResponse<Buffer> again = service.post(endpointPath(endpoint) + "/deliveries/" + oldest.getString("id") + "/redeliver",
        new JsonObject());
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(202);
    WebhookReceiver.await("the redelivery", 10_000, () -> receiver.received().size() == 4);
    assertThat(receiver.received().get(3).webhookId()).isEqualTo(oldest.getString("webhook_id"));
    awaitSettled(endpoint, 3);

    HttpResponse<Buffer> since = service.post(endpointPath(endpoint) + "/redeliver",
        new JsonObject().put("since", Instant.now().minusSeconds(3600).toString()));
    assertThat(since.statusCode()).as(since.bodyAsString()).isEqualTo(202);
    assertThat(since.bodyAsJsonObject().getLong("queued")).isEqualTo(3);
    WebhookReceiver.await("everything again", 10_000, () -> receiver.received().size() == 7);
    Set<String> ids = new HashSet<>();
    receiver.received().forEach(r -> ids.add(r.webhookId()));
    assertThat(ids).as("redeliveries reuse the webhook-ids").hasSize(3);

    HttpResponse<Buffer> unknown = service.post(endpointPath(endpoint) + "/deliveries/" + UUID.randomUUID() + "/redeliver",
        new JsonObject());
    assertThat(unknown.statusCode()).isEqualTo(404);
    String noSuchEndpoint = "/api/workspaces/" + endpoint.getString("workspace_id") + "/webhooks/" + UUID.randomUUID();
    assertThat(service.get(noSuchEndpoint + "/deliveries").statusCode()).isEqualTo(404);
    assertThat(service.post(noSuchEndpoint + "/redeliver", new JsonObject().put("since", Instant.now().toString()))
        .statusCode()).isEqualTo(404);
  }

  @Test
  void afterARotationBothSecretsSignUntilTheOverlapEnds() {
    WebhookReceiver receiver = receiver();
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    JsonObject endpoint = fixtures.webhook(table.getString("workspace_id"), receiver.url(), "scan.recorded");
    HttpResponse<Buffer> rotated = service.post(endpointPath(endpoint) + "/secret", new JsonObject().put("overlap_seconds", 3600));
    assertThat(rotated.statusCode()).as(rotated.bodyAsString()).isEqualTo(200);
    String newSecret = rotated.bodyAsJsonObject().getString("secret");
    assertThat(newSecret).startsWith("whsec_").isNotEqualTo(endpoint.getString("secret"));
    assertThat(rotated.bodyAsJsonObject().getString("previous_secret_expires_at")).isNotNull();

    assertThat(service.post("/api/scans", scan(tableId, "code", "ROT-1")).statusCode()).isEqualTo(201);
    WebhookReceiver.await("a delivery", 10_000, () -> receiver.accepted().size() == 1);
    Received during = receiver.received().get(0);
    assertThat(during.signature().split(" ")).hasSize(2);
    assertThat(new WebhookVerifier(endpoint.getString("secret")).verifies(during.webhookId(), during.timestamp(),
        during.signature(), during.body())).as("the old secret still verifies during the overlap").isTrue();
    assertThat(new WebhookVerifier(newSecret).verifies(during.webhookId(), during.timestamp(), during.signature(),
        during.body())).isTrue();

    // Ending the overlap at once: only the new secret signs.
    HttpResponse<Buffer> again = service.post(endpointPath(endpoint) + "/secret", new JsonObject().put("overlap_seconds", 0));
    String newest = again.bodyAsJsonObject().getString("secret");
    assertThat(service.post("/api/scans", scan(tableId, "code", "ROT-2")).statusCode()).isEqualTo(201);
    WebhookReceiver.await("a second delivery", 10_000, () -> receiver.accepted().size() == 2);
    Received after = receiver.received().get(1);
    assertThat(after.signature().split(" ")).hasSize(1);
    assertThat(new WebhookVerifier(newest).verifies(after.webhookId(), after.timestamp(), after.signature(), after.body())).isTrue();
    assertThat(new WebhookVerifier(newSecret).verifies(after.webhookId(), after.timestamp(), after.signature(), after.body())).isFalse();
  }

  /** Until the endpoint's log shows {@code n} deliveries settled (their outcomes are written in batches). */
  private void awaitSettled(JsonObject endpoint, int n) {
    WebhookReceiver.await(n + " settled deliveries", 10_000, () -> database.count(
        "SELECT count(*) FROM webhook_deliveries WHERE state <> 'pending' AND endpoint_id = '" + endpoint.getString("id") + "'") == n);
  }

  private static String endpointPath(JsonObject endpoint) {
    return "/api/workspaces/" + endpoint.getString("workspace_id") + "/webhooks/" + endpoint.getString("id");
  }

  private static long count(String sql, Statement statement) throws java.sql.SQLException {
    try (var rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
