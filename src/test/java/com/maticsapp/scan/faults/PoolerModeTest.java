package com.maticsapp.scan.faults;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.PgBouncer;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole API through a real pgbouncer in session and in transaction mode, with the small
 * limits of a managed pooler: migrations, tables, bulk rows, lookups, scans with replays,
 * concurrent scans and batches, and health.
 */
@Tag("faults")
class PoolerModeTest {

  @ParameterizedTest(name = "pgbouncer in {0} mode")
  @ValueSource(strings = {"session", "transaction"})
  void everyOperationWorksThroughThePooler(String mode) {
    try (TestDatabase database = TestDatabase.create();
         PgBouncer pooler = PgBouncer.start(database, mode, 8, 2);
         RunningService service = RunningService.start(database.url("127.0.0.1", pooler.port()),
             Map.of("DB_POOLER_MODE", mode, "DB_POOL_MAX_SIZE", "2"))) {
      Fixtures fixtures = new Fixtures(service);
      JsonObject table = fixtures.table();
      String tableId = table.getString("id");
      JsonArray rows = new JsonArray();
      for (int i = 0; i < 300; i++) {
        rows.add(new JsonObject().put("data", new JsonObject().put("code", "P-" + i).put("gtin", i == 7 ? "036000291452" : null)));
      }
      assertThat(service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", rows)).statusCode()).isEqualTo(201);

      // Many rounds of the same statements: named prepared statements would collide or vanish
      // between transactions behind a transaction pooler; here they must simply work.
      for (int round = 0; round < 3; round++) {
        JsonObject found = service.get("/api/tables/" + tableId + "/rows/search?column_name=code&value=p-250").bodyAsJsonObject();
        assertThat(found.getJsonArray("rows")).hasSize(1);
        assertThat(service.get("/api/tables/" + tableId + "/rows/search?column_name=gtin&value=0036000291452")
            .bodyAsJsonObject().getJsonArray("rows")).hasSize(1);
      }

      String id = UUID.randomUUID().toString();
      assertThat(service.post("/api/scans", scan(tableId, "code", "P-1").put("id", id)).statusCode()).isEqualTo(201);
      assertThat(service.post("/api/scans", scan(tableId, "code", "P-1").put("id", id)).statusCode()).isEqualTo(200);

      List<Future<HttpResponse<Buffer>>> concurrent = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        concurrent.add(service.client().post("/api/scans").putHeader("Content-Type", "application/json")
            .sendJsonObject(scan(tableId, "code", "P-2").put("id", UUID.randomUUID().toString())));
      }
      Future.join(concurrent).await();
      assertThat(concurrent).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(201));

      JsonArray batch = new JsonArray();
      for (int i = 0; i < 200; i++) {
        batch.add(scan(tableId, "code", "P-" + (i % 300)).put("id", UUID.randomUUID().toString()));
      }
      JsonArray results = service.post("/api/scans/batch", new JsonObject().put("scans", batch)).bodyAsJsonObject().getJsonArray("results");
      assertThat(results).allSatisfy(r -> assertThat(((JsonObject) r).getInteger("status")).isEqualTo(201));

      assertThat(database.count("SELECT scan_count FROM table_rows WHERE data->>'code' = 'P-1'")).isEqualTo(2); // scan + batch item 1
      assertThat(database.count("SELECT scan_count FROM table_rows WHERE data->>'code' = 'P-2'")).isEqualTo(51);
      assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isEqualTo(251);
      assertThat(service.get("/api/scans?table_id=" + tableId + "&limit=500").bodyAsJsonObject().getJsonArray("scans")).hasSize(251);
      assertThat(service.get("/api/health/database").statusCode()).isEqualTo(200);
      assertThat(service.get("/api/health/ready").statusCode()).isEqualTo(200);
    }
  }
}
