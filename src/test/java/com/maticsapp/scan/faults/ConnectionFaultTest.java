package com.maticsapp.scan.faults;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.PgBouncer;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ScanLoad;
import com.maticsapp.scan.support.TcpProxy;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real faults between the service and its database, each under steady scan load with client
 * ids: the invariants are checked by {@link ScanLoad} and a FAULT line is printed per fault.
 */
@Tag("faults")
class ConnectionFaultTest {

  @Test
  void aTerminatedBackendIsReplacedAndNoScanIsLostOrDoubled() throws Exception {
    try (TestDatabase database = TestDatabase.create();
         RunningService service = RunningService.start(database.url(), Map.of("DB_POOL_MAX_SIZE", "1"))) {
      Fixtures fixtures = new Fixtures(service);
      String tableId = fixtures.table().getString("id");
      String rowId = fixtures.row(tableId, new JsonObject().put("code", "KILL")).getString("id");
      ScanLoad load = ScanLoad.start(service, tableId, "KILL", 16);
      long recovery = 0;
      for (int kill = 0; kill < 5; kill++) {
        Thread.sleep(300);
        long killed = database.count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '"
            + database.name() + "' AND application_name = 'matic-scan'");
        assertThat(killed).as("the service's backend was there to kill").isPositive();
        long start = System.currentTimeMillis();
        ScanLoad.awaitStatus200(service, "/api/health/database", 10_000);
        recovery = Math.max(recovery, System.currentTimeMillis() - start);
        String lookup = "/api/tables/" + tableId + "/rows/search?column_name=code&value=kill";
        assertThat(service.get(lookup).statusCode()).isEqualTo(200);
      }
      Thread.sleep(300);
      load.stop();
      assertThat(load.count(-1)).as("no request hung or failed without an answer").isZero();
      assertThat(load.outcomes().values()).allSatisfy(status -> assertThat(status).isIn(200, 201, 503));
      load.assertNothingLostNothingDoubled("pg_terminate_backend x5", database, service, rowId, recovery);
    }
  }

  @Test
  void aSilentlyDeadConnectionIsBoundedAndReplaced() throws Exception {
    try (TestDatabase database = TestDatabase.create();
         TcpProxy proxy = TcpProxy.start(database.host(), database.port());
         RunningService service = RunningService.start(database.url("127.0.0.1", proxy.port()), Map.of(
             "DB_POOL_MAX_SIZE", "1", "DB_READ_IDLE_TIMEOUT", "2s", "DB_CONNECT_TIMEOUT", "1s",
             "DB_POOL_CONNECTION_TIMEOUT", "1s", "HTTP_REQUEST_TIMEOUT", "6s"))) {
      Fixtures fixtures = new Fixtures(service);
      String tableId = fixtures.table().getString("id");
      String rowId = fixtures.row(tableId, new JsonObject().put("code", "SILENT")).getString("id");
      ScanLoad load = ScanLoad.start(service, tableId, "SILENT", 8);
      Thread.sleep(500);

      proxy.pause(); // bytes stop moving; no FIN, no RST: only a timeout can notice
      long pausedAt = System.currentTimeMillis();
      HttpResponse<Buffer> during = service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=silent");
      long waited = System.currentTimeMillis() - pausedAt;
      assertThat(during.statusCode()).as("answered, not hung").isIn(503, 504);
      assertThat(waited).as("bounded by the deadline, not by the kernel's minutes").isLessThan(8_000);
      Thread.sleep(2_500);
      proxy.resume();

      long recovery = ScanLoad.awaitStatus200(service, "/api/health/database", 15_000);
      Thread.sleep(500);
      load.stop();
      assertThat(load.count(-1)).isZero();
      assertThat(load.maxLatencyMillis()).as("no scan waited past its deadline").isLessThan(8_000);
      load.assertNothingLostNothingDoubled("silent connection drop", database, service, rowId, recovery);
    }
  }

  @Test
  void aPoolerThatRefusesNewClientsMeans503AndRecoveryWhenItAcceptsAgain() throws Exception {
    try (TestDatabase database = TestDatabase.create();
         PgBouncer pooler = PgBouncer.start(database, "session", 2, 2);
         // The webhook dispatcher runs as in production: with no endpoint it checks the outbox
         // only every webhooks.idleCheckInterval, so it does not race the hogs for the slot.
         RunningService service = RunningService.start(database.url("127.0.0.1", pooler.port()), Map.of(
             "DB_POOLER_MODE", "session", "DB_POOL_MAX_SIZE", "1", "DB_POOL_MAX_LIFETIME", "1s",
             "DB_POOL_IDLE_TIMEOUT", "1s", "DB_CONNECT_TIMEOUT", "1s"))) {
      Fixtures fixtures = new Fixtures(service);
      String tableId = fixtures.table().getString("id");
      String rowId = fixtures.row(tableId, new JsonObject().put("code", "FULL")).getString("id");
      String jdbc = "jdbc:postgresql://127.0.0.1:" + pooler.port() + "/" + database.name();
      List<Connection> hogs = new ArrayList<>();
      try {
        // Other clients take every slot the pooler has; the service's own connection reaches
        // its lifetime and must reconnect into a full pooler.
        hogs.add(DriverManager.getConnection(jdbc, "postgres", ""));
        long deadline = System.currentTimeMillis() + 10_000;
        while (hogs.size() < 2 && System.currentTimeMillis() < deadline) {
          try {
            hogs.add(DriverManager.getConnection(jdbc, "postgres", ""));
          } catch (java.sql.SQLException full) {
            Thread.sleep(50);
          }
        }
        assertThat(hogs).hasSize(2);
        Thread.sleep(1_500);
        ScanLoad load = ScanLoad.start(service, tableId, "FULL", 4);
        Thread.sleep(1_000);
        HttpResponse<Buffer> refused = service.get("/api/health/database");
        assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(503);
        assertThat(service.get("/api/health/live").statusCode()).isEqualTo(200);
        assertThat(load.count(503)).as("scans are refused honestly while the pooler is full").isPositive();

        hogs.forEach(ConnectionFaultTest::closeQuietly);
        hogs.clear();
        long recovery = ScanLoad.awaitStatus200(service, "/api/health/database", 10_000);
        Thread.sleep(500);
        load.stop();
        assertThat(load.count(-1)).isZero();
        assertThat(load.count(201)).isPositive();
        load.assertNothingLostNothingDoubled("pooler max_client_conn full", database, service, rowId, recovery);
      } finally {
        hogs.forEach(ConnectionFaultTest::closeQuietly);
      }
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (Exception ignored) {
      // already gone
    }
  }
}
