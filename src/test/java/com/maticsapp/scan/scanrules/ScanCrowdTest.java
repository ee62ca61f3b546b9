package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many phones at once, over HTTP and the event bus mixed: every scan of one row is decided on
 * the state the one before left, also when several land in one coalesced statement.
 */
class ScanCrowdTest extends ServiceTest {

  private static final int SCANS = 200;
  private static final int DEVICES = 20;

  /** Two data verticles with two statements in flight each: scans coalesce, and statements overlap. */
  @Override
  protected Map<String, String> environment() {
    return Map.of("DB_POOL_MAX_SIZE", "4", "DATA_INSTANCES", "2");
  }

  /** Fires all scans at once, half over HTTP and half on the bus; the scan records, in no particular order. */
  private List<JsonObject> crowd(int count, Function<Integer, JsonObject> scan) {
    DeliveryOptions bearer = new DeliveryOptions().addHeader(Addresses.AUTHORIZATION, Tokens.bearer(Tokens.user(RunningService.USER)));
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject body = scan.apply(i).put("device_id", "device-" + (i % DEVICES));
      if (i % 2 == 0) {
        replies.add(service.client().post("/api/scans").putHeader("Content-Type", "application/json").sendJsonObject(body)
            .map(response -> {
              assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
              return response.bodyAsJsonObject();
            }));
      } else {
        replies.add(service.vertx().eventBus().<JsonObject>request(Addresses.SCANS_RECORD, body, bearer)
            .map(reply -> reply.body().getJsonObject("scan")));
      }
    }
    Future.all(replies).await();
    return replies.stream().map(Future::result).toList();
  }

  private static Map<String, Long> decisions(List<JsonObject> scans) {
    return scans.stream().collect(Collectors.groupingBy(s -> s.getString("decision"), Collectors.counting()));
  }

  @Test
  void twoHundredPhonesScanningOneOnceTicketLetExactlyOneIn() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once")
        .put("on_accept", new JsonArray().add(new JsonObject().put("column", "checked_in").put("value", true))
            .add(new JsonObject().put("column", "gate").put("from", "device"))));
    String tableId = table.getString("id");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "CROWD-1")).getString("id");

    List<JsonObject> scans = crowd(SCANS, i -> Fixtures.scan(tableId, "ticket", "CROWD-1"));

    assertThat(decisions(scans)).containsExactlyInAnyOrderEntriesOf(Map.of("accepted", 1L, "already_scanned", (long) SCANS - 1));
    JsonObject accepted = scans.stream().filter(s -> s.getString("decision").equals("accepted")).findFirst().orElseThrow();
    assertThat(scans).filteredOn(s -> s.getString("decision").equals("already_scanned"))
        .allSatisfy(s -> assertThat(s.getJsonObject("decision_detail").getJsonObject("earlier_scan").getString("id"))
            .isEqualTo(accepted.getString("id")));
    JsonObject row = service.get("/api/tables/" + tableId + "/rows/" + rowId).bodyAsJsonObject();
    assertThat(row.getInteger("scan_count")).isEqualTo(1);
    assertThat(row.getJsonObject("data").getString("gate")).isEqualTo(accepted.getString("device_id"));
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isEqualTo(SCANS);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "' AND cell_changes <> '[]'")).isEqualTo(1);
    assertThat(database.count("SELECT sum(accepted) FROM scan_counters WHERE table_id = '" + tableId + "'")).isEqualTo(1);
    assertThat(database.count("SELECT sum((refused ->> 'already_scanned')::int) FROM scan_counters WHERE table_id = '" + tableId + "'"))
        .isEqualTo(SCANS - 1);
  }

  @Test
  void concurrentTogglesAlternateAndTheInsideStateStaysTrue() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "entry_exit"));
    String tableId = table.getString("id");
    String column = Fixtures.columnId(table, "ticket");
    String rowId = fixtures.row(tableId, new JsonObject().put("ticket", "GATE-1")).getString("id");

    int toggles = 100;
    List<JsonObject> scans = crowd(toggles, i -> Fixtures.scan(tableId, "ticket", "GATE-1"));
    assertThat(decisions(scans)).containsExactlyEntriesOf(Map.of("accepted", (long) toggles));
    // Decided one after the other, toggles alternate: as many entries as exits.
    assertThat(scans.stream().filter(s -> "entry".equals(s.getString("direction"))).count()).isEqualTo(toggles / 2);
    assertThat(scans.stream().filter(s -> "exit".equals(s.getString("direction"))).count()).isEqualTo(toggles / 2);
    JsonObject state = service.get("/api/tables/" + tableId + "/rows/" + rowId).bodyAsJsonObject()
        .getJsonObject("scan_state").getJsonObject(column);
    assertThat(state.getInteger("accepted")).isEqualTo(toggles);
    assertThat(state.getBoolean("inside")).isFalse();

    // Everyone tries to enter at once: one gets in, the rest are already inside.
    List<JsonObject> entries = crowd(60, i -> Fixtures.scan(tableId, "ticket", "GATE-1").put("direction", "entry"));
    assertThat(decisions(entries)).containsExactlyInAnyOrderEntriesOf(Map.of("accepted", 1L, "already_inside", 59L));
    assertThat(database.count("SELECT sum(inside) FROM scan_counters WHERE column_id = '" + column + "'")).isEqualTo(1);
    List<JsonObject> exits = crowd(60, i -> Fixtures.scan(tableId, "ticket", "GATE-1").put("direction", "exit"));
    assertThat(decisions(exits)).containsExactlyInAnyOrderEntriesOf(Map.of("accepted", 1L, "not_inside", 59L));
    assertThat(database.count("SELECT sum(inside) FROM scan_counters WHERE column_id = '" + column + "'")).isZero();
  }
}
