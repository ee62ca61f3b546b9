package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.support.MainProcess;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.Tokens;
import com.maticsapp.scan.support.WebhookReceiver;
import com.maticsapp.scan.support.WebhookReceiver.Answer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service as a real process, killed with deliveries pending: SIGKILL while attempts are on
 * the wire, SIGTERM while deliveries wait for their retry. After a restart every event whose
 * scan committed is delivered. And two instances on one database deliver each event once.
 */
@Tag("faults")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookRestartTest {

  private TestDatabase database;
  private Vertx vertx;
  private Path output;

  @BeforeAll
  void setUp() throws IOException {
    database = TestDatabase.create();
    vertx = Vertx.vertx();
    output = Files.createTempFile("webhook-restart", ".log");
  }

  @AfterAll
  void tearDown() throws IOException {
    vertx.close().await();
    database.close();
    Files.deleteIfExists(output);
  }

  @Test
  void afterASigkillWithAttemptsOnTheWireEveryCommittedEventIsDeliveredByTheNextProcess() throws Exception {
    restartWithPendingDeliveries(true);
  }

  @Test
  void afterASigtermWithDeliveriesAwaitingRetryEveryCommittedEventIsDeliveredByTheNextProcess() throws Exception {
    restartWithPendingDeliveries(false);
  }

  private void restartWithPendingDeliveries(boolean kill) throws Exception {
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      // SIGKILL: the receiver holds every request past the deadline, so attempts are on the wire
      // when the process dies. SIGTERM: it answers 500, so deliveries wait for their next retry.
      receiver.answerByDefault(kill ? Answer.slow(60_000) : Answer.status(500));
      int port = freePort();
      Process first = startMain(port);
      String tableId;
      WebClient http = client(port);
      try {
        awaitReady(first, http);
        String workspace = post(http, "/api/workspaces", new JsonObject().put("name", "Door")
            .put("slug", "door-" + UUID.randomUUID().toString().substring(0, 8))).getString("id");
        tableId = post(http, "/api/tables", new JsonObject().put("workspace_id", workspace).put("name", "Guests")
            .put("columns", new JsonArray().add(new JsonObject().put("name", "code").put("column_type", "barcode"))))
            .getString("id");
        post(http, "/api/workspaces/" + workspace + "/webhooks", new JsonObject().put("url", receiver.url())
            .put("event_types", new JsonArray().add("scan.recorded")));
        for (int i = 0; i < 30; i++) {
          post(http, "/api/scans", new JsonObject().put("table_id", tableId).put("column_name", "code").put("barcode", "G-" + i));
        }
        WebhookReceiver.await("attempts reaching the receiver", 20_000, () -> receiver.received().size() >= 10);
      } finally {
        http.close();
      }
      if (kill) {
        first.destroyForcibly(); // SIGKILL
        assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
      } else {
        first.destroy(); // SIGTERM
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).as(Files.readString(output)).isTrue();
        assertThat(first.exitValue()).as("a graceful stop; output:%n%s", Files.readString(output)).isZero();
      }
      assertThat(receiver.accepted()).as("nothing was accepted before the restart").isEmpty();
      assertThat(database.count("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'")).isEqualTo(30);

      receiver.answerByDefault(Answer.ok());
      Set<String> committed = committedScans(tableId);
      assertThat(committed).hasSize(30);
      Process second = startMain(port);
      WebClient probes = client(port);
      try {
        awaitReady(second, probes);
        // SIGKILL left claims behind: they are due again once the lease (5 s in the test profile) has run out.
        WebhookReceiver.await("every committed event delivered", 60_000, () -> delivered(receiver).containsAll(committed));
        assertThat(delivered(receiver)).isEqualTo(committed);
        WebhookReceiver.await("every delivery settled", 10_000,
            () -> database.count("SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'") == 30);
      } finally {
        probes.close();
        second.destroy();
        second.waitFor(30, TimeUnit.SECONDS);
        database.execute("DELETE FROM webhook_endpoints");
      }
    }
  }

  @Test
  void twoInstancesOnOneDatabaseDeliverEachEventOnce() throws Exception {
    try (WebhookReceiver receiver = WebhookReceiver.start();
         RunningService one = RunningService.start(database);
         RunningService two = RunningService.start(database)) {
      String workspace = post(one.client(), "/api/workspaces", new JsonObject().put("name", "Two")
          .put("slug", "two-" + UUID.randomUUID().toString().substring(0, 8))).getString("id");
      String tableId = post(one.client(), "/api/tables", new JsonObject().put("workspace_id", workspace).put("name", "T")
          .put("columns", new JsonArray().add(new JsonObject().put("name", "code").put("column_type", "barcode"))))
          .getString("id");
      post(one.client(), "/api/workspaces/" + workspace + "/webhooks", new JsonObject().put("url", receiver.url())
          .put("event_types", new JsonArray().add("scan.recorded")));
      for (int i = 0; i < 200; i++) {
        RunningService via = i % 2 == 0 ? one : two;
        post(via.client(), "/api/scans", new JsonObject().put("table_id", tableId).put("column_name", "code").put("barcode", "T-" + i));
      }
      Set<String> committed = committedScans(tableId);
      WebhookReceiver.await("200 deliveries", 30_000, () -> delivered(receiver).containsAll(committed));
      WebhookReceiver.await("every delivery settled", 10_000,
          () -> database.count("SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
              + "WHERE e.workspace_id = '" + workspace + "' AND d.state = 'delivered'") == 200);
      assertThat(receiver.received()).as("each event once: no instance sent what the other had claimed").hasSize(200);
      assertThat(database.count("SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
          + "JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.workspace_id = '" + workspace + "'")).isEqualTo(200);
      database.execute("DELETE FROM webhook_endpoints");
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Set<String> delivered(WebhookReceiver receiver) {
    Set<String> ids = new HashSet<>();
    receiver.accepted().values().forEach(r -> ids.add(r.json().getJsonObject("data").getString("id")));
    return ids;
  }

  private Set<String> committedScans(String tableId) throws Exception {
    Set<String> ids = new HashSet<>();
    try (var connection = database.connect(); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT id FROM scan_history WHERE table_id = '" + tableId + "'")) {
      while (rows.next()) {
        ids.add(rows.getString(1));
      }
    }
    return ids;
  }

  private Process startMain(int port) throws IOException {
    return MainProcess.builder(Map.of(
        "ENVIRONMENT", "test",
        "DATABASE_URL", database.url(),
        "PORT", Integer.toString(port),
        "DRAIN_TIMEOUT", "3s")).redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
  }

  private WebClient client(int port) {
    return RunningService.as(vertx, port, Tokens.user(RunningService.USER));
  }

  private void awaitReady(Process process, WebClient http) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      assertThat(process.isAlive()).as("Main exited during start-up; output:%n%s", Files.readString(output)).isTrue();
      try {
        if (http.get("/api/health/ready").timeout(2_000).send().await().statusCode() == 200) {
          return;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not ready within 60 s; output:\n" + Files.readString(output));
  }

  private static JsonObject post(WebClient http, String path, JsonObject body) {
    HttpResponse<Buffer> response = http.post(path).putHeader("Content-Type", "application/json")
        .sendBuffer(body.toBuffer()).await();
    assertThat(response.statusCode()).as(path + ": " + response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
