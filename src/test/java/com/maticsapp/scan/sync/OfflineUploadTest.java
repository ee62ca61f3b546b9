package com.maticsapp.scan.sync;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import com.maticsapp.scan.support.WebhookReceiver;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Uploads of scans decided offline (docs/offline.md): the door's decision is recorded as it
 * happened, a disagreement with the service is a conflict (stored, counted, listed, published,
 * sent), the phone's clock error is corrected, and bad uploads are 422 with nothing written.
 */
class OfflineUploadTest extends ServiceTest {

  private JsonObject offline(String tableId, String barcode, String decision, Instant at) {
    return Fixtures.scan(tableId, "ticket", barcode).put("id", UUID.randomUUID().toString())
        .put("decided_offline", decision).put("scanned_at", at.toString()).put("device_id", "phone-off");
  }

  @Test
  void anOfflineAcceptanceOfATicketUsedOnlineIsAcceptedAsAConflictEverywhere() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once")
        .put("on_accept", new JsonArray().add(new JsonObject().put("column", "checked_in").put("value", true))));
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "C-1").put("name", "Cleo"));
    List<JsonObject> published = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> consumer = service.vertx().eventBus().consumer(Addresses.SCANS_CONFLICTED, m -> published.add(m.body()));
    consumer.completion().await();
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      fixtures.webhook(table.getString("workspace_id"), receiver.url(), "scan.conflict");
      HttpResponse<Buffer> online = service.post("/api/scans", Fixtures.scan(tableId, "ticket", "C-1").put("device_id", "phone-on"));
      assertThat(online.statusCode()).isEqualTo(201);
      String winner = online.bodyAsJsonObject().getString("id");
      // The offline phone let Cleo in a minute earlier, and says so only now.
      assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId
          + "' AND data ->> 'checked_in' = 'true'")).isEqualTo(1);
      database.execute("UPDATE table_rows SET data = data || '{\"checked_in\": false}' WHERE table_id = '" + tableId + "'");
      JsonObject upload = offline(tableId, "C-1", "accepted", Instant.now().minusSeconds(60));
      HttpResponse<Buffer> stored = service.post("/api/scans", upload);
      assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
      JsonObject scan = stored.bodyAsJsonObject();
      assertThat(scan.getString("decision")).as("never refused as a duplicate").isEqualTo("accepted");
      assertThat(scan.getJsonObject("conflict").getString("reason")).isEqualTo("already_scanned");
      assertThat(scan.getJsonObject("conflict").getJsonObject("earlier_scan").getString("id")).isEqualTo(winner);
      assertThat(scan.getJsonArray("cell_changes")).as("a conflict changes no cells").isEmpty();
      assertThat(database.count("SELECT count(*) FROM table_rows WHERE table_id = '" + tableId
          + "' AND data ->> 'checked_in' = 'true'")).isZero();
      assertThat(scan.getJsonObject("offline").getString("decision")).isEqualTo("accepted");

      // In the record, the history, the numbers, the list, the device, the bus and the webhook.
      assertThat(service.post("/api/scans", upload).statusCode()).as("a replay").isEqualTo(200);
      JsonObject history = service.get("/api/scans?table_id=" + tableId).bodyAsJsonObject();
      assertThat(history.getJsonArray("scans")).extracting(s -> ((JsonObject) s).getValue("conflict") != null).containsExactly(false, true);
      JsonObject status = fixtures.scanStatus(table, "ticket");
      assertThat(status.getLong("conflicts")).isEqualTo(1);
      assertThat(status.getLong("accepted")).isEqualTo(2);
      assertThat(status.getLong("rows_accepted")).isEqualTo(1);
      JsonObject conflicts = service.get("/api/tables/" + tableId + "/conflicts").bodyAsJsonObject();
      assertThat(conflicts.getJsonArray("scans")).hasSize(1);
      assertThat(conflicts.getJsonArray("scans").getJsonObject(0)).isEqualTo(scan);
      assertThat(conflicts.getValue("next_cursor")).isNull();
      JsonObject device = service.get("/api/tables/" + tableId + "/devices").bodyAsJsonObject().getJsonArray("devices").stream()
          .map(JsonObject.class::cast).filter(d -> d.getString("device_id").equals("phone-off")).findFirst().orElseThrow();
      assertThat(device.getLong("conflicts_caused")).isEqualTo(1);
      WebhookReceiver.await("the scan.conflict event", 10_000, () -> receiver.accepted().size() == 1);
      assertThat(receiver.received().get(0).json().getString("type")).isEqualTo("scan.conflict");
      assertThat(receiver.received().get(0).json().getJsonObject("data")).isEqualTo(scan);
      WebhookReceiver.await("the scans.conflicted publication", 5_000, () -> published.size() == 1);
      assertThat(published.get(0)).isEqualTo(scan);
    } finally {
      consumer.unregister().await();
    }
  }

  @Test
  void anOfflineRefusalIsRecordedAsTheDoorDecidedAndChangesNothing() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "R-1"));
    HttpResponse<Buffer> stored = service.post("/api/scans", offline(tableId, "R-1", "rule", Instant.now().minusSeconds(30)));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
    assertThat(stored.bodyAsJsonObject().getString("decision")).isEqualTo("rule");
    assertThat(stored.bodyAsJsonObject().getValue("conflict")).isNull();
    JsonObject status = fixtures.scanStatus(table, "ticket");
    assertThat(status.getLong("accepted")).isZero();
    assertThat(status.getJsonObject("refused_by_reason")).isEqualTo(new JsonObject().put("rule", 1));
    // The ticket is still unused: the next scan at a door with a network lets it in.
    assertThat(service.post("/api/scans", Fixtures.scan(tableId, "ticket", "R-1")).bodyAsJsonObject().getString("decision"))
        .isEqualTo("accepted");
  }

  @Test
  void anOfflineAcceptanceOfARowTheServiceNoLongerHasIsAConflictToo() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    HttpResponse<Buffer> stored = service.post("/api/scans", offline(tableId, "GONE-1", "accepted", Instant.now().minusSeconds(30)));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
    assertThat(stored.bodyAsJsonObject().getString("decision")).isEqualTo("accepted");
    assertThat(stored.bodyAsJsonObject().getJsonObject("conflict")).isEqualTo(new JsonObject().put("reason", "not_found"));
    assertThat(fixtures.scanStatus(table, "ticket").getLong("conflicts")).isEqualTo(1);
  }

  @Test
  void deviceTimeCorrectsAWrongClockAndNeverPutsAScanInTheFuture() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "K-1"));
    Instant now = Instant.now();
    // The phone's clock is an hour behind; it scanned ten minutes ago (by its clock, 70 minutes ago).
    JsonObject slow = offline(tableId, "K-1", "accepted", now.minus(Duration.ofMinutes(70)))
        .put("device_time", now.minus(Duration.ofHours(1)).toString());
    JsonObject scan = service.post("/api/scans", slow).bodyAsJsonObject();
    assertThat(Duration.between(now.minus(Duration.ofMinutes(10)), OffsetDateTime.parse(scan.getString("scanned_at")).toInstant()).abs())
        .isLessThan(Duration.ofSeconds(5));
    assertThat(scan.getJsonObject("offline").getLong("clock_offset_ms")).isCloseTo(3_600_000L, within(5_000L));
    assertThat(OffsetDateTime.parse(scan.getJsonObject("offline").getString("device_scanned_at")).toInstant())
        .isEqualTo(now.minus(Duration.ofMinutes(70)).truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    // A clock two days ahead: corrected, and a scan "in the future" by the phone is not in ours.
    JsonObject fast = offline(tableId, "K-1", "accepted", now.plus(Duration.ofDays(2)).plusSeconds(30))
        .put("device_time", now.plus(Duration.ofDays(2)).toString());
    HttpResponse<Buffer> corrected = service.post("/api/scans", fast);
    assertThat(corrected.statusCode()).as(corrected.bodyAsString()).isEqualTo(201);
    assertThat(OffsetDateTime.parse(corrected.bodyAsJsonObject().getString("scanned_at")).toInstant()).isBeforeOrEqualTo(Instant.now());
    // Within a second is network delay, not a clock error.
    JsonObject close = offline(tableId, "K-1", "accepted", now).put("device_time", Instant.now().minusMillis(300).toString());
    assertThat(service.post("/api/scans", close).bodyAsJsonObject().getJsonObject("offline").getLong("clock_offset_ms")).isZero();
  }

  @Test
  void badOfflineUploadsAre422AndWriteNothing() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "B-1"));
    Instant at = Instant.now().minusSeconds(10);
    List<JsonObject> bad = List.of(
        offline(tableId, "B-1", "maybe", at),
        offline(tableId, "B-1", "accepted", at).putNull("id"),
        offline(tableId, "B-1", "accepted", at).putNull("scanned_at"),
        offline(tableId, "B-1", "accepted", at).put("device_time", "yesterday"),
        offline(tableId, "B-1", "accepted", at).put("device_time", "1999-12-31T00:00:00Z"),
        offline(tableId, "B-1", "accepted", at).put("decided_offline", 1));
    for (JsonObject body : bad) {
      HttpResponse<Buffer> refused = service.post("/api/scans", body);
      assertThat(refused.statusCode()).as(body.encode() + " → " + refused.bodyAsString()).isEqualTo(422);
      assertThat(refused.getHeader("Content-Type")).startsWith("application/problem+json");
    }
    HttpResponse<Buffer> batch = service.post("/api/scans/batch", new JsonObject().put("scans", new JsonArray(List.copyOf(bad))));
    assertThat(batch.statusCode()).isEqualTo(200);
    assertThat(batch.bodyAsJsonObject().getJsonArray("results")).extracting(r -> ((JsonObject) r).getInteger("status")).containsOnly(422);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isZero();
  }

  @Test
  void theConflictListIsForReadersOfTheTable() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    assertThat(service.get("/api/tables/" + tableId + "/conflicts").statusCode()).isEqualTo(200);
    assertThat(service.get("/api/tables/" + UUID.randomUUID() + "/conflicts").statusCode()).isEqualTo(404);
    assertThat(service.get("/api/tables/not-a-uuid/conflicts").statusCode()).isIn(400, 404, 422);
    assertThat(service.get("/api/tables/" + tableId + "/conflicts?before=nonsense").statusCode()).isEqualTo(422);
    HttpResponse<Buffer> stranger = service.clientWithToken(Tokens.user("someone-else")).get("/api/tables/" + tableId + "/conflicts").send().await();
    assertThat(stranger.statusCode()).isIn(403, 404);
  }
}
