package com.maticsapp.scan.faults;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A database too slow for the load: scans beyond the wait queue are refused at once, the ones
 * that wait too long are refused at their deadline, all with 503 + Retry-After, and nothing
 * acknowledged is lost or counted twice.
 */
class OverloadTest extends ServiceTest {

  @Override
  protected Map<String, String> environment() {
    return Map.of(
        "DB_POOL_MAX_SIZE", "1", "DB_POOL_MAX_WAIT_QUEUE", "4", "DB_POOL_CONNECTION_TIMEOUT", "300ms");
  }

  @Test
  void scansBeyondTheQueueAreRefusedFastAndHonestly() throws Exception {
    String tableId = fixtures.table().getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("code", "SLOW")).getString("id");
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    try (Connection blocker = database.connect()) {
      blocker.setAutoCommit(false);
      // The database stalls: every scan statement waits for this lock.
      blocker.createStatement().execute("LOCK TABLE scan_history IN ACCESS EXCLUSIVE MODE");
      for (int i = 0; i < 60; i++) {
        sent.add(service.client().post("/api/scans").putHeader("Content-Type", "application/json")
            .sendJsonObject(scan(tableId, "code", "SLOW").put("id", UUID.randomUUID().toString())));
      }
      long refusedBy = System.currentTimeMillis() + 3_000;
      while (sent.stream().filter(Future::isComplete).count() < 56 && System.currentTimeMillis() < refusedBy) {
        Thread.sleep(20);
      }
      long refused = sent.stream().filter(f -> f.isComplete() && f.result().statusCode() == 503).count();
      assertThat(refused).as("all but the scans on the wire are refused while the database stalls").isGreaterThanOrEqualTo(56);

      HttpResponse<Buffer> batch = service.post("/api/scans/batch", new JsonObject().put("scans", new io.vertx.core.json.JsonArray()
          .add(scan(tableId, "code", "SLOW").put("id", UUID.randomUUID().toString()))
          .add(scan(tableId, "code", "SLOW").put("id", UUID.randomUUID().toString()))));
      assertThat(batch.statusCode()).as("a batch none of whose scans can be recorded is a 503 as a whole").isEqualTo(503);
      assertThat(batch.getHeader("Retry-After")).isNotBlank();
      blocker.rollback();
    }
    Future.join(sent).await();

    List<HttpResponse<Buffer>> responses = sent.stream().map(Future::result).toList();
    assertThat(responses).allSatisfy(response -> assertThat(response.statusCode()).isIn(201, 503));
    assertThat(responses).filteredOn(r -> r.statusCode() == 503).allSatisfy(response -> {
      assertThat(response.getHeader("Retry-After")).isNotBlank();
      assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    });
    long acknowledged = responses.stream().filter(r -> r.statusCode() == 201).count();
    assertThat(acknowledged).isPositive();
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isEqualTo(acknowledged);
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + rowId + "'")).isEqualTo(acknowledged);

    JsonObject pool = service.getManagement("/api/health/detailed").bodyAsJsonObject().getJsonObject("pool");
    assertThat(pool.getLong("rejected") + pool.getLong("acquisition_timeouts"))
        .as("every refused scan is counted, the batch's two included").isEqualTo(60 - acknowledged + 2);

    HttpResponse<Buffer> after = service.post("/api/scans", scan(tableId, "code", "SLOW"));
    assertThat(after.statusCode()).as("recovers as soon as the database does").isEqualTo(201);
  }
}
