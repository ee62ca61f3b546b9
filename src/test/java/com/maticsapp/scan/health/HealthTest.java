package com.maticsapp.scan.health;

import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TcpProxy;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Health routes against a database that really goes away: the service reaches PostgreSQL
 * through a TCP proxy that the test cuts and restores. The probes are read on the public port,
 * the detailed document and the metrics on the management port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthTest {

  private TestDatabase database;
  private TcpProxy proxy;
  private RunningService service;

  @BeforeAll
  void start() {
    database = TestDatabase.create();
    proxy = TcpProxy.start(database.host(), database.port());
    service = RunningService.start(database.url("127.0.0.1", proxy.port()),
        Map.of("DB_CONNECT_TIMEOUT", "3s", "DB_POOL_CONNECTION_TIMEOUT", "2s"));
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
  void healthFollowsTheDatabaseDownAndBackUp() throws InterruptedException {
    assertThat(service.get("/api/health").statusCode()).isEqualTo(200);
    assertThat(service.get("/api/health/live").statusCode()).isEqualTo(200);
    // The open probes answer status only, on either port: no version, no target, no error text.
    for (HttpResponse<Buffer> database : List.of(service.get("/api/health/database"), service.getManagement("/api/health/database"))) {
      assertThat(database.statusCode()).isEqualTo(200);
      assertThat(database.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP")
          .put("checks", new JsonObject().put("database", "UP")));
    }
    HttpResponse<Buffer> ready = service.get("/api/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "UP")
        .put("checks", new JsonObject().put("database", "UP").put("accepting_traffic", "UP")));

    HttpResponse<Buffer> detailed = service.getManagement("/api/health/detailed");
    assertThat(detailed.statusCode()).isEqualTo(200);
    JsonObject body = detailed.bodyAsJsonObject();
    assertThat(body.getString("environment")).isEqualTo("test");
    assertThat(body.getString("version")).isNotBlank();
    assertThat(body.getJsonObject("database").getBoolean("connected")).isTrue();
    // What the open probes keep to themselves is here, behind the admin credential.
    assertThat(body.getJsonObject("database").getString("server_version")).isNotBlank();
    assertThat(body.getJsonObject("database").getString("target")).contains(database.name());
    JsonObject pool = body.getJsonObject("pool");
    assertThat(pool.getInteger("max_size")).isEqualTo(service.config().database().pool().maxSize());
    assertThat(pool.getInteger("connections_open")).isBetween(1, pool.getInteger("max_size"));
    assertThat(pool.getLong("acquisitions")).isPositive();
    assertThat(pool.getInteger("wait_queue_limit")).isEqualTo(service.config().database().pool().maxWaitQueueSize());
    assertThat(detailed.bodyAsString()).doesNotContain("password");
    assertThat(body.getJsonObject("cluster")).as("not clustered by default").isEqualTo(new JsonObject().put("enabled", false));
    assertThat(service.application().clusterManager()).as("no Hazelcast started").isNull();

    // The same document on the public port, to the admin credential.
    assertThat(service.getAsAdmin("/api/health/detailed").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> metrics = service.getManagement("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
    assertThat(metrics.bodyAsString())
        .contains("vertx_pool_in_use{pool_name=\"matic-scan-db\",pool_type=\"sql\"}")
        .contains("vertx_net_client_active_connections{client_name=\"matic-scan-db\"}")
        .contains("matic_http_requests_seconds_count{method=\"GET\",route=\"/api/health/detailed\",status=\"200\"}");

    proxy.cut();

    HttpResponse<Buffer> down = service.get("/api/health/database");
    assertThat(down.statusCode()).as(down.bodyAsString()).isEqualTo(503);
    assertThat(down.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "DOWN")
        .put("checks", new JsonObject().put("database", "DOWN")));
    HttpResponse<Buffer> notReady = service.get("/api/health/ready");
    assertThat(notReady.statusCode()).as(notReady.bodyAsString()).isEqualTo(503);
    assertThat(notReady.bodyAsJsonObject().getJsonObject("checks").getString("database")).isEqualTo("DOWN");
    assertThat(notReady.bodyAsString()).doesNotContain("error").doesNotContain("127.0.0.1");
    HttpResponse<Buffer> detailedDown = service.getManagement("/api/health/detailed");
    assertThat(detailedDown.statusCode()).isEqualTo(503);
    assertThat(detailedDown.bodyAsJsonObject().getJsonObject("database").getString("error"))
        .as("the cause is told to the admin").isNotBlank();
    assertThat(service.get("/api/health/live").statusCode()).as("liveness never depends on the database").isEqualTo(200);
    HttpResponse<Buffer> scan = service.get("/api/scans?table_id=00000000-0000-0000-0000-000000000000");
    assertThat(scan.statusCode()).isEqualTo(503);
    assertThat(scan.getHeader("Retry-After")).isNotBlank();
    assertThat(scan.getHeader("Content-Type")).isEqualTo("application/problem+json");

    proxy.restore();

    long deadline = System.currentTimeMillis() + 10_000;
    int status;
    do {
      status = service.get("/api/health/ready").statusCode();
      if (status != 200) {
        Thread.sleep(100);
      }
    } while (status != 200 && System.currentTimeMillis() < deadline);
    assertThat(status).as("ready again by itself once the database is back").isEqualTo(200);
    assertThat(service.get("/api/health/database").statusCode()).isEqualTo(200);
  }
}
