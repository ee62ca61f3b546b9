package com.maticsapp.scan.health;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.LogCapture;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TcpProxy;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database frozen (a TCP proxy that stops moving bytes: nothing answers, nothing closes)
 * and cut, under requests: readiness sees a stall while a recent success would still vouch for
 * the database, and an outage that fails every request logs a few WARN lines, not one per
 * request, while the metric counts each failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseStallTest {

  private static final int STALLED_AFTER_MILLIS = 500;
  private static final int LOG_INTERVAL_MILLIS = 1_000;

  private TestDatabase database;
  private TcpProxy proxy;
  private RunningService service;
  private String lookup;

  @BeforeAll
  void start() {
    database = TestDatabase.create();
    proxy = TcpProxy.start(database.host(), database.port());
    service = RunningService.start(database.url("127.0.0.1", proxy.port()), Map.of(
        "DB_CONNECT_TIMEOUT", "3s", "DB_POOL_CONNECTION_TIMEOUT", "2s",
        "HEALTH_STALLED_AFTER", STALLED_AFTER_MILLIS + "ms",
        "DATA_FAILURE_LOG_INTERVAL", LOG_INTERVAL_MILLIS + "ms"));
    String tableId = new Fixtures(service).table().getString("id");
    lookup = "/api/tables/" + tableId + "/rows/search?column_name=code&value=STALL";
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  void readinessGoesDownWhileStatementsWaitOnAFrozenDatabase() throws InterruptedException {
    assertThat(service.get(lookup).statusCode()).isEqualTo(200);
    assertThat(service.get("/api/health/ready").statusCode()).as("a success just now vouches for the database").isEqualTo(200);

    proxy.pause();
    try {
      Future<HttpResponse<Buffer>> waiting = service.client().get(lookup).send();
      Thread.sleep(STALLED_AFTER_MILLIS * 3);
      // The last success is far inside health.recentQueryWindow (5 s): only the waiting lookup tells.
      HttpResponse<Buffer> ready = service.get("/api/health/ready");
      assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(503);
      assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getString("database")).isEqualTo("DOWN");
      JsonObject detailed = service.getManagement("/api/health/detailed").bodyAsJsonObject().getJsonObject("database");
      assertThat(detailed.getString("evidence")).isEqualTo("stalled");
      assertThat(detailed.getLong("oldest_in_flight_ms")).isGreaterThan(STALLED_AFTER_MILLIS);
      assertThat(waiting.isComplete()).as("the lookup is still waiting").isFalse();
      proxy.resume();
      assertThat(waiting.await().statusCode()).as("the frozen lookup answered once the database moved").isEqualTo(200);
    } finally {
      proxy.resume();
    }
    assertThat(service.get("/api/health/ready").statusCode()).as("ready again").isEqualTo(200);
  }

  @Test
  void anOutageLogsTheFirstFailureAndSummariesWhileTheMetricCountsEach() throws InterruptedException {
    assertThat(service.get(lookup).statusCode()).isEqualTo(200);
    double before = unavailableFailures();
    try (LogCapture logs = LogCapture.of("com.maticsapp.scan.data.FailureObserver")) {
      proxy.cut();
      long began = System.currentTimeMillis();
      int refused = 0;
      for (int i = 0; i < 40; i++) {
        if (service.get(lookup).statusCode() == 503) {
          refused++;
        }
      }
      assertThat(refused).as("the outage refused the lookups").isGreaterThan(30);
      long burstMillis = System.currentTimeMillis() - began;
      Thread.sleep(LOG_INTERVAL_MILLIS * 2L + 500);
      List<String> warnings = logs.messages("WARN");
      // Each cause: one line at once ("... repeats are summarised ...") and "<cause> N more times ..." summaries.
      long firsts = warnings.stream().filter(line -> line.contains("repeats are summarised")).count();
      Pattern summary = Pattern.compile(" (\\d+) more times in the last ");
      long repeats = 0;
      for (String line : warnings) {
        Matcher m = summary.matcher(line);
        if (m.find()) {
          repeats += Long.parseLong(m.group(1));
        }
      }
      // At most: the first line of each cause, one summary per cause and interval of the burst, and the last one.
      assertThat(warnings.size()).as("lines for %d failures in %d ms: %s", refused, burstMillis, warnings)
          .isLessThanOrEqualTo((int) (firsts * (burstMillis / LOG_INTERVAL_MILLIS + 3)))
          .isLessThan(refused / 2);
      assertThat(firsts + repeats).as("the lines account for every failure: %s", warnings).isEqualTo(refused);
      assertThat(unavailableFailures() - before).as("the metric counts each failure").isEqualTo(refused);
    } finally {
      proxy.restore();
    }
  }

  private double unavailableFailures() {
    String metrics = service.getManagement("/metrics").bodyAsString();
    Matcher m = Pattern.compile("matic_data_failures_total\\{kind=\"unavailable\"} (\\S+)").matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
