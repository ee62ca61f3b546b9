package com.maticsapp.scan.faults;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.PrivatePostgres;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ScanLoad;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL itself restarts under a steady scan load: a private server the test owns is
 * stopped (fast shutdown, sessions terminated), kept down, and started again. While it is down
 * the service answers 503 quickly (never hangs), health says DOWN but the process stays live;
 * once it is back the service recovers by itself, and nothing acknowledged is lost or counted
 * twice.
 */
@Tag("faults")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseRestartTest {

  private static final String DATABASE = "matic_restart";

  private PrivatePostgres postgres;
  private TestDatabase database;
  private RunningService service;
  private Fixtures fixtures;

  @BeforeAll
  void start() {
    postgres = PrivatePostgres.start();
    postgres.createDatabase(DATABASE);
    database = postgres.database(DATABASE);
    service = RunningService.start(postgres.url(DATABASE), Map.of(
        "DB_POOL_MAX_SIZE", "1", "DB_CONNECT_TIMEOUT", "1s", "DB_POOL_CONNECTION_TIMEOUT", "2s"));
    fixtures = new Fixtures(service);
  }

  @AfterAll
  void stop() {
    try {
      if (service != null) {
        service.close();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  @Test
  void theServiceRidesThroughAPostgresRestart() throws InterruptedException {
    String tableId = fixtures.table().getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("code", "RESTART")).getString("id");

    ScanLoad load = ScanLoad.start(service, tableId, "RESTART", 16);
    Thread.sleep(1_000);
    assertThat(acknowledged(load)).as("the load is being served before the fault").isPositive();
    long refusedBefore = load.count(503);

    postgres.stop();

    awaitStatus("/api/health/database", 503, 5_000);
    awaitStatus("/api/health/ready", 503, 5_000);
    HttpResponse<Buffer> down = service.get("/api/health/database");
    assertThat(down.bodyAsJsonObject().getString("status")).isEqualTo("DOWN");
    assertThat(service.get("/api/health/live").statusCode()).as("liveness never depends on the database").isEqualTo(200);
    // Whatever was acknowledged so far, it was acknowledged before the restart.
    long acknowledgedBeforeRestart = acknowledged(load);

    long started = System.nanoTime();
    HttpResponse<Buffer> read = service.get("/api/scans?table_id=" + tableId);
    long readMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(read.statusCode()).as(read.bodyAsString()).isEqualTo(503);
    assertThat(read.getHeader("Retry-After")).isNotBlank();
    assertThat(read.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(readMillis).as("a read during the outage is refused, not held").isLessThan(10_000);

    Thread.sleep(2_000);
    assertThat(load.count(503)).as("scans during the outage come back 503").isGreaterThan(refusedBefore);
    assertThat(service.get("/api/health/ready").statusCode()).as("still not ready while the database is down").isEqualTo(503);
    assertThat(service.get("/api/health/live").statusCode()).isEqualTo(200);

    postgres.startAgain();
    long recoveryMillis = ScanLoad.awaitStatus200(service, "/api/health/ready", 15_000);
    long acknowledgedAtRecovery = acknowledged(load);
    assertThat(service.get("/api/health/database").statusCode()).isEqualTo(200);

    Thread.sleep(1_000);
    load.stop();

    assertThat(load.count(-1)).as("no request failed at the HTTP level or hung until the client timeout").isZero();
    assertThat(load.maxLatencyMillis()).as("no scan was held anywhere near the request timeout").isLessThan(10_000);
    Map<Integer, Long> byStatus = load.outcomes().values().stream()
        .collect(Collectors.groupingBy(status -> status, TreeMap::new, Collectors.counting()));
    assertThat(byStatus.keySet()).as("only acknowledgements and honest refusals, no 500 or 504: " + byStatus)
        .isSubsetOf(200, 201, 503);
    assertThat(acknowledged(load)).as("scans are acknowledged after the restart, without restarting the service")
        .isGreaterThan(acknowledgedBeforeRestart);
    assertThat(acknowledged(load)).as("and keep being acknowledged once ready again")
        .isGreaterThan(acknowledgedAtRecovery);

    load.assertNothingLostNothingDoubled("postgres restart", database, service, rowId, recoveryMillis);
  }

  private static long acknowledged(ScanLoad load) {
    return load.count(200) + load.count(201);
  }

  private void awaitStatus(String path, int expected, long limitMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + limitMillis;
    IntSupplier status = () -> service.get(path).statusCode();
    int last;
    while ((last = status.getAsInt()) != expected && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(last).as(path + " within " + limitMillis + " ms of the database stopping").isEqualTo(expected);
  }
}
