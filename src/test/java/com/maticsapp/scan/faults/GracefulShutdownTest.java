package com.maticsapp.scan.faults;

import com.maticsapp.scan.Main;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.ContractCheck;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.MainProcess;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ScanLoad.Failure;
import com.maticsapp.scan.support.ScanLoad.Result;
import com.maticsapp.scan.support.ScanLoad;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM to a real process under steady scan load: readiness goes DOWN at once, requests are
 * still served during the grace, then refused with 503 while the in-flight ones finish, the
 * process exits 0 within grace + drain, every acknowledged scan is stored exactly once, and
 * no connection to the database is left behind.
 *
 * <p>The main load behaves like a well-behaved client (it honours Retry-After and
 * {@code Connection: close}), which is what the 503s of the drain ask of it. A second, eager
 * load on another table ignores both and opens a new connection for every scan, like a client
 * that reconnects at once: once the drain begins it must be refused cleanly (connection
 * refused, or a 503 on a connection it already had), never accepted and then reset.
 */
@Tag("faults")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GracefulShutdownTest {

  private static final Duration GRACE = Duration.ofSeconds(1);

  /** How long before the port closed a connection may still sit in the kernel's listen backlog. */

  private static final long BACKLOG_WINDOW_MILLIS = 100;
  private static final Duration DRAIN = Duration.ofSeconds(10);
  private static final int CONCURRENCY = 16;
  private static final int EAGER_CONCURRENCY = 8;
  private static final String BARCODE = "SHUTDOWN-0001";

  private TestDatabase database;
  private Vertx vertx;
  private Process process;
  private Path output;

  @BeforeAll
  void createDatabase() throws IOException {
    database = TestDatabase.create();
    vertx = Vertx.vertx();
    output = Files.createTempFile("matic-scan-shutdown-", ".log");
  }

  @AfterAll
  void cleanUp() throws Exception {
    try {
      if (process != null) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } finally {
      if (vertx != null) {
        vertx.close().await();
      }
      if (output != null) {
        Files.deleteIfExists(output);
      }
      if (database != null) {
        database.close();
      }
    }
  }

  @Test
  void sigtermUnderLoadDrainsAcknowledgedScansAndExitsZero() throws Exception {
    int port = freePort();
    process = startMain(port);
    try {
      WebClient http = WebClientSession.create(ContractCheck.validating(WebClient.create(vertx, new WebClientOptions()
              .setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions().setHttp1MaxSize(2 * CONCURRENCY))))
          .addHeader("Authorization", Tokens.bearer(Tokens.user(RunningService.USER)));
      // Probes open a connection each, like a load balancer's health checker.
      WebClient probes = ContractCheck.validating(WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(port).setKeepAlive(false)));
      awaitReady(probes);

      String tableId = createTable(http);
      String rowId = post(http, "/api/tables/" + tableId + "/rows",
          new JsonObject().put("data", new JsonObject().put("code", BARCODE))).getString("id");

      // Each eager scan on a new connection (no keep-alive), resent at once whatever it got.
      WebClient eagerHttp = WebClientSession.create(ContractCheck.validating(WebClient.create(vertx, new WebClientOptions()
              .setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(false),
              new PoolOptions().setHttp1MaxSize(EAGER_CONCURRENCY))))
          .addHeader("Authorization", Tokens.bearer(Tokens.user(RunningService.USER)));
      String eagerTableId = createTable(http);
      String eagerRowId = post(http, "/api/tables/" + eagerTableId + "/rows",
          new JsonObject().put("data", new JsonObject().put("code", BARCODE))).getString("id");

      ScanLoad load = ScanLoad.start(vertx, http, tableId, BARCODE, CONCURRENCY, true);
      ScanLoad eager = ScanLoad.start(vertx, eagerHttp, eagerTableId, BARCODE, EAGER_CONCURRENCY, false);
      Queue<long[]> readiness = new ConcurrentLinkedQueue<>();
      long poller = vertx.setPeriodic(50, id -> probes.get("/api/health/ready").timeout(2_000).send()
          .onComplete(answer -> readiness.add(new long[] {System.currentTimeMillis(),
              answer.succeeded() ? answer.result().statusCode() : -1})));
      Thread.sleep(1_000);
      assertThat(load.acknowledged()).as("the load is running before SIGTERM").isPositive();

      assertThat(process.supportsNormalTermination()).as("Process.destroy() sends SIGTERM").isTrue();
      AtomicLong exitedAt = new AtomicLong();
      process.onExit().thenRun(() -> exitedAt.set(System.currentTimeMillis()));
      long sigtermAt = System.currentTimeMillis();
      process.destroy();

      long bound = GRACE.plus(DRAIN).plusSeconds(10).toMillis();
      boolean exited = process.waitFor(bound, TimeUnit.MILLISECONDS);
      assertThat(exited).as("exits within grace + drain + 10 s; output:%n%s", log()).isTrue();
      while (exitedAt.get() == 0) {
        Thread.sleep(5);
      }
      long shutdownMillis = exitedAt.get() - sigtermAt;
      // The load keeps going after the exit (its clients wake from their Retry-After pause):
      // now it must be refused.
      long refusalDeadline = System.currentTimeMillis() + 5_000;
      while (System.currentTimeMillis() < refusalDeadline && load.results().stream()
          .noneMatch(r -> r.failure() == Failure.REFUSED && r.sentAtMillis() >= exitedAt.get())) {
        Thread.sleep(20);
      }
      load.stop();
      eager.stop();
      vertx.cancelTimer(poller);
      int exitCode = process.exitValue();

      List<Result> results = load.results();
      long exit = exitedAt.get();
      long answered2xx = load.acknowledged();
      long refusedWhileDraining = load.count(503);
      long refusedAfterExit = results.stream().filter(r -> r.failure() == Failure.REFUSED && r.endedAtMillis() >= exit).count();
      long refusedBeforeExit = load.count(Failure.REFUSED) - refusedAfterExit;
      long closed = load.count(Failure.CLOSED);
      long hung = load.count(Failure.TIMEOUT);
      long other = load.count(Failure.OTHER);
      long inHistory = database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'");
      System.out.printf("FAULT %-28s sent=%d 2xx=%d 503=%d refused_after_exit=%d refused_before_exit=%d closed=%d hung=%d "
              + "other=%d acknowledged=%d in_history=%d exit_code=%d shutdown_ms=%d max_latency_ms=%d%n",
          "sigterm-graceful-shutdown", results.size(), answered2xx, refusedWhileDraining, refusedAfterExit, refusedBeforeExit,
          closed, hung, other, answered2xx, inHistory, exitCode, shutdownMillis, load.maxLatencyMillis());

      System.out.println(log());
      results.stream().filter(r -> r.status() != 200 && r.status() != 201)
          .forEach(r -> System.out.printf("  %s sent=+%dms ended=+%dms status=%d failure=%s detail=%s%n", r.id(),
              r.sentAtMillis() - sigtermAt, r.endedAtMillis() - sigtermAt, r.status(), r.failure(), r.detail()));
      System.out.printf("  exit=+%dms%n", exit - sigtermAt);
      assertThat(exitCode).as("exit status; output:%n%s", log()).isZero();
      assertThat(shutdownMillis).as("SIGTERM to exit").isLessThanOrEqualTo(bound);

      // (a) + (b): readiness DOWN at once, while scans are still served during the grace.
      long firstDown = readiness.stream().filter(r -> r[0] >= sigtermAt && r[1] == 503)
          .mapToLong(r -> r[0]).min().orElse(Long.MAX_VALUE);
      assertThat(firstDown).as("readiness answered 503 before the process exited; polls: %s", describe(readiness, sigtermAt))
          .isLessThan(exit);
      assertThat(firstDown - sigtermAt).as("readiness DOWN within the grace").isLessThan(GRACE.toMillis());
      assertThat(readiness.stream().filter(r -> r[0] < sigtermAt).allMatch(r -> r[1] == 200))
          .as("ready before SIGTERM").isTrue();
      assertThat(results.stream().anyMatch(r -> (r.status() == 200 || r.status() == 201) && r.sentAtMillis() > firstDown))
          .as("scans sent after readiness went DOWN are still served during the grace").isTrue();

      // (c): the drain refuses with a proper 503, and nothing else goes wrong.
      assertThat(results).filteredOn(r -> r.status() > 0)
          .allSatisfy(r -> assertThat(r.status()).as("scan %s", r.id()).isIn(200, 201, 503));
      assertThat(results).filteredOn(r -> r.status() == 503).allSatisfy(r -> {
        assertThat(r.retryAfter()).as("Retry-After on 503").isNotBlank();
        assertThat(r.contentType()).isEqualTo("application/problem+json");
      });
      assertThat(refusedWhileDraining).as("new requests were refused with 503 during the drain").isPositive();
      assertThat(hung).as("no request hung").isZero();
      // A request sent on a kept-alive connection in the moment the stopping server closes it
      // is the HTTP race every client retries (RFC 9112, 9.3.1): allowed when the service never
      // took the scan (not in the history), so its retry with the same id is safe.
      assertRefusedOrInTheBacklogWindow(results.stream().filter(r -> !(r.failure() == Failure.CLOSED
          && String.valueOf(r.detail()).contains("HttpClosedException")
          && database.count("SELECT count(*) FROM scan_history WHERE id = '" + r.id() + "'") == 0)).toList());
      assertThat(refusedAfterExit).as("the load ran on past the exit").isPositive();

      // (d): every acknowledged scan is stored exactly once; the row's counter equals the history.
      load.assertAcknowledgedStoredExactlyOnce(database, rowId);
      assertThat(inHistory).as("only acknowledged scans are stored: unanswered ones never reached the service")
          .isEqualTo(answered2xx);

      // (d) + (e): the pool's connections were closed, not dropped with the process.
      long deadline = System.currentTimeMillis() + 5_000;
      long sessions;
      do {
        sessions = database.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database.name()
            + "' AND application_name = 'matic-scan'");
        if (sessions > 0) {
          Thread.sleep(50);
        }
      } while (sessions > 0 && System.currentTimeMillis() < deadline);
      assertThat(sessions).as("matic-scan sessions left on the database").isZero();

      // (f): the eager clients were never accepted and then dropped: every scan was answered
      // (2xx, or 503 during the drain) or its connection refused, and what was answered is stored.
      List<Result> eagerResults = eager.results();
      System.out.printf("FAULT %-28s sent=%d 2xx=%d 503=%d refused=%d closed=%d hung=%d other=%d%n",
          "sigterm-eager-reconnects", eagerResults.size(), eager.acknowledged(), eager.count(503),
          eager.count(Failure.REFUSED), eager.count(Failure.CLOSED), eager.count(Failure.TIMEOUT), eager.count(Failure.OTHER));
      eagerResults.stream().filter(r -> r.failure() != null && r.failure() != Failure.REFUSED)
          .forEach(r -> System.out.printf("  eager %s sent=+%dms ended=+%dms failure=%s detail=%s%n", r.id(),
              r.sentAtMillis() - sigtermAt, r.endedAtMillis() - sigtermAt, r.failure(), r.detail()));
      assertThat(eagerResults).filteredOn(r -> r.status() > 0)
          .allSatisfy(r -> assertThat(r.status()).as("eager scan %s", r.id()).isIn(200, 201, 503));
      assertThat(eager.count(Failure.REFUSED)).as("the eager clients ran into the closed port").isPositive();
      assertRefusedOrInTheBacklogWindow(eagerResults);
      eager.assertAcknowledgedStoredExactlyOnce(database, eagerRowId);

      String log = log();
      assertThat(log).contains("shutdown requested").contains("exit status 0");
      assertThat(log).as("no accepted connection was left without an event loop")
          .doesNotContain("Failed to register an accepted channel");
      eagerHttp.close();
      http.close();
      probes.close();
    } finally {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * In-process, the data verticle's part alone: with no drain time at all the HTTP side is cut
   * at once, yet the scans the data verticle already holds (one statement blocked on a lock,
   * the rest queued behind it) are completed before the client is closed, not cut off.
   */
  @Test
  void dataVerticleFinishesQueuedScansBeforeClosingThePool() throws Exception {
    RunningService service = RunningService.start(database.url(), Map.of("DRAIN_TIMEOUT", "0s"));
    boolean closed = false;
    try {
      Fixtures fixtures = new Fixtures(service);
      String tableId = fixtures.table().getString("id");
      String rowId = fixtures.row(tableId, new JsonObject().put("code", "QUEUED")).getString("id");
      int scans = 20;
      try (Connection blocker = database.connect()) {
        blocker.setAutoCommit(false);
        blocker.createStatement().execute("LOCK TABLE scan_history IN ACCESS EXCLUSIVE MODE");
        for (int i = 0; i < scans; i++) {
          service.client().post("/api/scans").putHeader("Content-Type", "application/json")
              .sendJsonObject(Fixtures.scan(tableId, "code", "QUEUED").put("id", UUID.randomUUID().toString()));
        }
        long deadline = System.currentTimeMillis() + 5_000;
        while (database.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database.name()
            + "' AND application_name = 'matic-scan' AND wait_event_type = 'Lock'") == 0
            && System.currentTimeMillis() < deadline) {
          Thread.sleep(20);
        }
        Thread.sleep(200); // the remaining scans reach the coalescer's queue

        long began = System.nanoTime();
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(service::close);
        Thread.sleep(300);
        assertThat(stopping).as("stop waits for the scans the data verticle holds").isNotDone();
        blocker.rollback();
        stopping.get(10, TimeUnit.SECONDS);
        closed = true;
        System.out.printf("FAULT %-28s scans=%d in_history=%d stop_ms=%d%n", "stop-with-queued-scans", scans,
            database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'"),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
      }
      assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'"))
          .as("every scan the data verticle had accepted was completed").isEqualTo(scans);
      assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + rowId + "'")).isEqualTo(scans);
      assertThat(database.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database.name()
          + "' AND application_name = 'matic-scan'")).as("the pool's connections are closed").isZero();
    } finally {
      if (!closed) {
        service.close();
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Main on the test class path in a fresh JVM, configured through the environment only. */
  private Process startMain(int port) throws IOException {
    return MainProcess.builder(Map.of(
        "ENVIRONMENT", "test",
        "DATABASE_URL", database.url(),
        "PORT", Integer.toString(port),
        "SHUTDOWN_GRACE", GRACE.toMillis() + "ms",
        "DRAIN_TIMEOUT", DRAIN.toMillis() + "ms")).redirectOutput(output.toFile()).start();
  }

  private void awaitReady(WebClient probes) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      assertThat(process.isAlive()).as("Main exited during start-up; output:%n%s", log()).isTrue();
      try {
        if (probes.get("/api/health/ready").timeout(2_000).send().await().statusCode() == 200) {
          return;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not ready within 60 s; output:\n" + log());
  }

  private static String createTable(WebClient http) {
    String workspace = post(http, "/api/workspaces", new JsonObject().put("name", "Shutdown")
        .put("slug", "shutdown-" + UUID.randomUUID().toString().substring(0, 8))).getString("id");
    return post(http, "/api/tables", new JsonObject()
        .put("workspace_id", workspace)
        .put("name", "Shutdown")
        .put("columns", new JsonArray().add(new JsonObject().put("name", "code").put("column_type", "barcode"))))
        .getString("id");
  }

  private static JsonObject post(WebClient http, String path, JsonObject body) {
    HttpResponse<Buffer> response = http.post(path).putHeader("Content-Type", "application/json")
        .sendBuffer(body.toBuffer()).await();
    assertThat(response.statusCode()).as(path + ": " + response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  private static String describe(Queue<long[]> polls, long since) {
    StringBuilder text = new StringBuilder();
    polls.forEach(p -> text.append(p[0] - since).append("ms=").append(p[1]).append(' '));
    return text.toString();
  }

  private String log() throws IOException {
    return Files.readString(output);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * Every scan without an answer was refused, except in the one window no process can close
   * (docs/operations.md, "Graceful shutdown"): a connection the kernel completed in the listen
   * backlog just before the port closed is reset with it. Such a scan was sent at most a moment
   * before the first refused one; any other connection accepted and then dropped is a failure.
   */
  private static void assertRefusedOrInTheBacklogWindow(List<Result> results) {
    long portClosedBy = results.stream().filter(r -> r.failure() == Failure.REFUSED)
        .mapToLong(Result::sentAtMillis).min().orElse(Long.MAX_VALUE);
    assertThat(results).filteredOn(r -> r.status() < 0 && r.failure() != Failure.REFUSED)
        .allSatisfy(r -> assertThat(r.failure() == Failure.CLOSED && r.sentAtMillis() >= portClosedBy - BACKLOG_WINDOW_MILLIS
                && r.sentAtMillis() <= portClosedBy)
            .as("scan %s (%s), sent %d ms before the port closed: accepted, then dropped (%s)", r.id(), r.failure(),
                portClosedBy - r.sentAtMillis(), r.detail())
            .isTrue());
  }
}
