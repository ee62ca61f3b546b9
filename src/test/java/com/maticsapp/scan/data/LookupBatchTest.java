package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.LookupRequest;
import com.maticsapp.scan.contract.LookupResult;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.SqlClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lookups answered together by one statement ({@link LookupStore#LOOKUP_ALL}) get what each
 * would have got alone ({@link LookupStore#LOOKUP}): the same rows, the same normalised value,
 * the same refusal, whoever asks (a member, a stranger, a guest on its column or on another), whatever they name (column by id or name, a table that does not exist, a column
 * that is not a barcode column, a value the normalisation refuses).
 */
class LookupBatchTest extends ServiceTest {

  private SqlClient client;
  private LookupStore store;
  private final List<LookupRequest> requests = new ArrayList<>();
  private final List<Caller> callers = new ArrayList<>();

  @BeforeAll
  void prepare() {
    client = PgBuilder.client().connectingTo(PgConnectOptions.fromUri(database.url())).using(service.vertx()).build();
    store = new LookupStore(client, 100);
    JsonObject table = fixtures.table();
    UUID tableId = UUID.fromString(table.getString("id"));
    UUID codeId = UUID.fromString(Fixtures.columnId(table, "code"));
    UUID nameId = UUID.fromString(Fixtures.columnId(table, "name"));
    database.execute("INSERT INTO table_rows (table_id, data) SELECT '" + tableId + "', "
        + "jsonb_build_object('code', 'L-' || g, 'name', 'item ' || (g % 3)) FROM generate_series(1, 20) g",
        "INSERT INTO table_rows (table_id, data) VALUES ('" + tableId + "', '{\"code\": \"l-7\", \"name\": \"twin\"}')");
    fixtures.guest(tableId.toString(), "code", "door-1");
    UUID pairing = UUID.fromString(database.text("SELECT id FROM pairings WHERE table_id = '" + tableId + "'"));
    Caller member = Caller.user(RunningService.USER, null, null);
    Caller stranger = Caller.user("someone-else", null, null);
    Caller guest = Caller.guest(new Caller.Guest(pairing, tableId, codeId, "Door volunteer", null, "door-1"));

    add(new LookupRequest(tableId, codeId, null, "L-7"), member);          // two rows (exact: l-7 and L-7)
    add(new LookupRequest(tableId, null, "code", " l-3 "), member);        // by name, trimmed
    add(new LookupRequest(tableId, codeId, null, "NONE"), member);         // a miss
    add(new LookupRequest(tableId, codeId, null, "L-7"), stranger);        // not a member
    add(new LookupRequest(tableId, codeId, null, "L-5"), guest);           // guest on its column
    add(new LookupRequest(tableId, nameId, null, "item 1"), guest);        // guest on another column
    add(new LookupRequest(UUID.randomUUID(), null, "code", "L-1"), member); // no such table
    add(new LookupRequest(tableId, nameId, null, "item 1"), member);       // not a barcode column
    add(new LookupRequest(tableId, null, "nothing", "L-1"), member);       // no such column
    add(new LookupRequest(tableId, codeId, null, "   "), member);          // nothing left to look up
    add(new LookupRequest(tableId, codeId, null, "L-12"), guest);
  }

  private void add(LookupRequest request, Caller caller) {
    requests.add(request);
    callers.add(caller);
  }

  @AfterAll
  void close() {
    client.close().await();
  }

  @Test
  void everyLookupInOneStatementGetsWhatItWouldHaveGotAlone() {
    List<Object> together = store.lookupAll(requests, callers).await();
    assertThat(together).hasSize(requests.size());
    List<String> alone = new ArrayList<>();
    List<String> batched = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      AsyncResult<LookupResult> single = store.lookup(requests.get(i), callers.get(i))
          .transform(done -> Future.succeededFuture(done)).await();
      alone.add(describe(single));
      batched.add(describe(together.get(i) instanceof LookupResult found ? Future.succeededFuture(found)
          : Future.failedFuture((Throwable) together.get(i))));
    }
    assertThat(batched).isEqualTo(alone);
    // And the cases are what they say: rows, a miss, refusals of several kinds.
    assertThat(alone.get(0)).contains("\"code\":\"l-7\"").contains("\"code\":\"L-7\"");
    assertThat(alone.get(2)).isEqualTo("found none none");
    assertThat(alone.get(3)).startsWith("refused 404");
    assertThat(alone.get(4)).contains("L-5");
    assertThat(alone.get(5)).startsWith("refused");
    assertThat(alone.get(6)).startsWith("refused 404");
    assertThat(alone.get(7)).startsWith("refused 422");
    assertThat(alone.get(9)).startsWith("refused 422");
  }

  private static String describe(AsyncResult<LookupResult> outcome) {
    if (outcome.failed()) {
      return outcome.cause() instanceof ServiceFailure failure
          ? "refused " + failure.status() + " " + failure.getMessage()
          : "failed " + outcome.cause();
    }
    LookupResult result = outcome.result();
    return "found " + result.normalizedValue() + " " + (result.rows().isEmpty() ? "none" : result.rows().encode());
  }
}
