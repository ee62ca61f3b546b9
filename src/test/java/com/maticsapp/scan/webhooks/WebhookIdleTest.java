package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.WebhookReceiver;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without an enabled endpoint the dispatcher leaves the database alone: no statement, so the
 * pool's connection closes for idleness (a pooler gets its slot back). Measured by the
 * database itself: the scans PostgreSQL counts on the webhook tables (pg_stat_user_tables,
 * which only webhook statements and the event triggers touch, and no scan is recorded while
 * it is measured) and the service's backends in pg_stat_activity. A backend's table counts
 * reach the statistics at the latest when it exits, which the short pool idle timeout brings
 * about; while it lives they arrive about once a second.
 */
class WebhookIdleTest {

  /** The dispatcher, when it polls, polls every 20 ms: two idle seconds would be ~100 claims. */
  private static final Map<String, String> ENVIRONMENT = Map.of(
      "DB_POOL_IDLE_TIMEOUT", "1s", "WEBHOOKS_POLL_INTERVAL", "20ms", "WEBHOOKS_IDLE_CHECK_INTERVAL", "1h");

  @Test
  void withoutAnEnabledEndpointTheDispatcherSendsNothingAndWithOneItDelivers() throws Exception {
    try (TestDatabase database = TestDatabase.create();
         RunningService service = RunningService.start(database.url(), ENVIRONMENT);
         WebhookReceiver receiver = WebhookReceiver.start()) {
      String workspace = workspace(service);
      String tableId = table(service, workspace);

      assertIdle("no endpoint exists", database);

      // One endpoint: the dispatcher wakes at once, claims every poll interval and delivers.
      long before = webhookTableScans(database);
      JsonObject endpoint = webhook(service, workspace, receiver.url());
      HttpResponse<Buffer> scanned = service.post("/api/scans", scan(tableId, "code", "IDLE-1"));
      assertThat(scanned.statusCode()).as(scanned.bodyAsString()).isEqualTo(201);
      WebhookReceiver.await("the scan delivered", 10_000, () -> receiver.accepted().size() == 1);
      // The measurement sees a polling dispatcher: without this, the idle checks could not fail.
      WebhookReceiver.await("the webhook tables read by a polling dispatcher", 10_000,
          () -> webhookTableScans(database) - before >= 20);

      // Disabled, it counts as none: after one claim that says so, silence again.
      String path = "/api/workspaces/" + workspace + "/webhooks/" + endpoint.getString("id");
      HttpResponse<Buffer> disabled = service.patch(path, new JsonObject().put("enabled", false));
      assertThat(disabled.statusCode()).as(disabled.bodyAsString()).isEqualTo(200);
      assertIdle("the only endpoint is disabled", database);

      // Enabled again: a scan recorded meanwhile is delivered without any outside nudge.
      HttpResponse<Buffer> enabled = service.patch(path, new JsonObject().put("enabled", true));
      assertThat(enabled.statusCode()).as(enabled.bodyAsString()).isEqualTo(200);
      assertThat(service.post("/api/scans", scan(tableId, "code", "IDLE-2")).statusCode()).isEqualTo(201);
      WebhookReceiver.await("the second scan delivered", 10_000, () -> receiver.accepted().size() == 2);
    }
  }

  /**
   * Another instance, not clustered, creates the endpoint and records the scan, but runs no
   * dispatcher: the idle instance's slow check finds the endpoint and delivers the event.
   */
  @Test
  void anIdleInstanceFindsAnEndpointAnotherInstanceCreated() throws Exception {
    try (TestDatabase database = TestDatabase.create();
         RunningService idle = RunningService.start(database.url(), Map.of("WEBHOOKS_IDLE_CHECK_INTERVAL", "500ms"));
         RunningService other = RunningService.start(database.url(), Map.of("WEBHOOKS_ENABLED", "false"));
         WebhookReceiver receiver = WebhookReceiver.start()) {
      String workspace = workspace(other);
      String tableId = table(other, workspace);
      webhook(other, workspace, receiver.url());
      assertThat(other.post("/api/scans", scan(tableId, "code", "ELSEWHERE")).statusCode()).isEqualTo(201);
      WebhookReceiver.await("the event delivered by the idle instance", 10_000, () -> receiver.accepted().size() == 1);
      assertThat(receiver.accepted().values().iterator().next().json().getJsonObject("data").getString("barcode"))
          .isEqualTo("ELSEWHERE");
    }
  }

  /**
   * The service's connection closes for idleness, and for two seconds after that no backend of
   * the service appears and the webhook tables are not read.
   */
  private static void assertIdle(String why, TestDatabase database) throws InterruptedException {
    awaitNoBackend(why + ": the service's connection closes for idleness", database);
    Thread.sleep(200); // the exiting backend's last counts
    long before = webhookTableScans(database);
    long end = System.currentTimeMillis() + 2_000;
    while (System.currentTimeMillis() < end) {
      assertThat(backends(database)).as(why + ": nothing opens a connection to the database").isZero();
      Thread.sleep(50);
    }
    awaitNoBackend(why, database);
    Thread.sleep(200);
    assertThat(webhookTableScans(database) - before).as(why + ": statements on the webhook tables").isZero();
  }

  private static void awaitNoBackend(String what, TestDatabase database) {
    WebhookReceiver.await(what, 10_000, () -> backends(database) == 0);
  }

  private static long backends(TestDatabase database) {
    return database.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database.name()
        + "' AND application_name = 'matic-scan'");
  }

  /** Every sequential and index scan PostgreSQL has counted on the webhook tables. */
  private static long webhookTableScans(TestDatabase database) {
    return database.count("SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables "
        + "WHERE relname IN ('webhook_endpoints', 'webhook_deliveries', 'webhook_attempts')");
  }

  private static String workspace(RunningService service) {
    HttpResponse<Buffer> created = service.post("/api/workspaces", new JsonObject().put("name", "Idle")
        .put("slug", "idle-" + UUID.randomUUID().toString().substring(0, 8)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  private static String table(RunningService service, String workspace) {
    HttpResponse<Buffer> created = service.post("/api/tables", new JsonObject().put("workspace_id", workspace).put("name", "T")
        .put("columns", new JsonArray().add(new JsonObject().put("name", "code").put("column_type", "barcode"))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("id");
  }

  private static JsonObject webhook(RunningService service, String workspace, String url) {
    HttpResponse<Buffer> created = service.post("/api/workspaces/" + workspace + "/webhooks", new JsonObject()
        .put("url", url).put("event_types", new JsonArray().add("scan.recorded")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }
}
