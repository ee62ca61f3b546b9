package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.ScanOutcome;
import com.maticsapp.scan.contract.ScanRequest;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.UUID;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lookup that settles a scan in doubt (ScanStore.stored, used by the coalescer once its
 * retries are used up), against the real schema: a stored scan is found as itself, an id never
 * stored is not found, and an id stored for another scan is a conflict, never that other scan.
 */
class ScanInDoubtTest extends ServiceTest {

  @Test
  void aScanInDoubtIsFoundByItsIdAsItWasStored() {
    String tableId = fixtures.table().getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "DOUBT-1"));
    String id = UUID.randomUUID().toString();
    JsonObject body = scan(tableId, "code", "DOUBT-1").put("id", id);
    assertThat(service.post("/api/scans", body).statusCode()).isEqualTo(201);

    SqlClient client = Database.client(service.vertx(), service.config().database(), false);
    try {
      ScanStore store = new ScanStore(client, service.config().data().maxMatchedRows());
      ScanOutcome found = store.stored(request(body)).await();
      assertThat(found).isInstanceOf(ScanOutcome.Replayed.class);
      assertThat(((ScanOutcome.Replayed) found).scan().getString("id")).isEqualTo(id);
      assertThat(((ScanOutcome.Replayed) found).scan().getString("barcode")).isEqualTo("DOUBT-1");

      assertThat(store.stored(request(body.copy().put("id", UUID.randomUUID().toString()))).await())
          .as("never stored").isNull();
      ScanOutcome other = store.stored(request(body.copy().put("barcode", "DOUBT-2"))).await();
      assertThat(other).isInstanceOf(ScanOutcome.Refused.class);
      assertThat(((ScanOutcome.Refused) other).failure().status()).isEqualTo(409);
    } finally {
      client.close().await();
    }
  }

  private ScanRequest request(JsonObject body) {
    ScanRequest parsed = ScanRequest.parse(body, "", service.config().limits(), new ArrayList<>());
    assertThat(parsed).isNotNull();
    return parsed.by(Caller.user(RunningService.USER, null, null));
  }
}
