package com.maticsapp.scan.data;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several data verticle instances share one pool: the process never holds more than maxSize
 * connections, and health checks under load add none.
 */
class ConnectionBudgetTest {

  @Test
  void threeDataVerticlesNeverHoldMoreThanTheConfiguredConnections() throws Exception {
    try (TestDatabase database = TestDatabase.create();
         RunningService service = RunningService.start(database.url(), Map.of(
             "DATA_INSTANCES", "3", "DB_POOL_MAX_SIZE", "2", "HTTP_INSTANCES", "2"))) {
      assertThat(service.config().data().instances()).isEqualTo(3);
      String tableId = new Fixtures(service).table().getString("id");
      long peak = 0;
      for (int round = 0; round < 5; round++) {
        List<Future<HttpResponse<Buffer>>> load = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          load.add(i % 2 == 0
              ? service.client().get("/api/tables/" + tableId + "/rows/search?column_name=code&value=X" + i).send()
              : service.client().post("/api/scans").putHeader("Content-Type", "application/json")
                  .sendJsonObject(scan(tableId, "code", "X" + i).put("id", UUID.randomUUID().toString())));
        }
        peak = Math.max(peak, database.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '"
            + database.name() + "' AND application_name = 'matic-scan'"));
        // A busy pool is not a sick database: health answers from the traffic's own evidence
        // and does not queue a ping behind it.
        HttpResponse<Buffer> health = service.getManagement("/api/health/detailed");
        assertThat(health.statusCode()).as(health.bodyAsString()).isEqualTo(200);
        assertThat(health.bodyAsJsonObject().getJsonObject("database").getString("evidence")).isEqualTo("recent-query");
        Future.join(load).await();
        assertThat(load).allSatisfy(f -> assertThat(f.result().statusCode()).isIn(200, 201));
        peak = Math.max(peak, database.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '"
            + database.name() + "' AND application_name = 'matic-scan'"));
      }
      assertThat(peak).isBetween(1L, 2L);
      JsonObject pool = service.getManagement("/api/health/detailed").bodyAsJsonObject().getJsonObject("pool");
      assertThat(pool.getInteger("connections_open")).isBetween(1, 2);
    }
  }
}
