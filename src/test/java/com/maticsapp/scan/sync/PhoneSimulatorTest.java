package com.maticsapp.scan.sync;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.PhoneCopy;
import com.maticsapp.scan.support.ReferenceRules;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Phones that lose the network: each downloads its column's snapshot, decides its queue at the
 * door with the phones' reference rules (web/src/rules.js in node, the code the phone page runs),
 * while another phone scans some of the same tickets online; then the offline phones upload
 * (the first one twice, the second time a replay). Their clock runs two minutes slow, and says
 * so with {@code device_time}. The service's record must be one consistent truth: every scan
 * stored once, conflicts exactly for the tickets let in twice, counters, devices and status in
 * step, and entry/exit state as if every scan had arrived in scan-time order.
 */
class PhoneSimulatorTest extends ServiceTest {

  /** The phones' clocks are this far behind the service's. */
  private static final Duration PHONE_CLOCK_BEHIND = Duration.ofMinutes(2);

  @Test
  void offlinePhonesAndAnOnlinePhoneEndInOneConsistentTruth() throws Exception {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    String ticketColumn = Fixtures.columnId(table, "ticket");
    bulk(tableId, IntStream.range(0, 210).mapToObj(i -> new JsonObject().put("ticket", ticket(i)).put("name", "Guest " + i)).toList());
    // True times: ten minutes ago onwards, one scan a second.
    Instant base = Instant.now().minus(Duration.ofMinutes(10));

    PhoneCopy copyA = PhoneCopy.download(service.client(), tableId, ticketColumn, "phone-a");
    PhoneCopy copyB = PhoneCopy.download(service.client(), tableId, ticketColumn, "phone-b");

    // Phone A's queue: 180 tickets, 15 of them again (refused at the door), 5 that phone B lets in too.
    List<JsonObject> queueA = new ArrayList<>();
    IntStream.range(0, 180).forEach(i -> queueA.add(offlineScan(ticket(i), "phone-a", base.plusSeconds(i))));
    IntStream.range(0, 15).forEach(i -> queueA.add(offlineScan(ticket(i), "phone-a", base.plusSeconds(180 + i))));
    IntStream.range(200, 205).forEach(i -> queueA.add(offlineScan(ticket(i), "phone-a", base.plusSeconds(i))));
    List<JsonObject> queueB = IntStream.range(200, 210)
        .mapToObj(i -> offlineScan(ticket(i), "phone-b", base.plusSeconds(250 + i))).toList();
    Map<String, String> decidedA = decideAtTheDoor(copyA, queueA);
    Map<String, String> decidedB = decideAtTheDoor(copyB, queueB);
    assertThat(decidedA.values().stream().filter("accepted"::equals).count()).isEqualTo(185);
    assertThat(decidedA.values().stream().filter("already_scanned"::equals).count()).isEqualTo(15);
    assertThat(decidedB.values()).containsOnly("accepted").hasSize(10);

    // Meanwhile, online at another door: 50 tickets, 30 of which phone A let in offline.
    for (int i = 150; i < 200; i++) {
      HttpResponse<Buffer> online = service.post("/api/scans", Fixtures.scan(tableId, "ticket", ticket(i))
          .put("device_id", "phone-online").put("scanned_at", base.plusSeconds(300 + i).toString()));
      assertThat(online.statusCode()).as(online.bodyAsString()).isEqualTo(201);
      assertThat(online.bodyAsJsonObject().getString("decision")).isEqualTo("accepted");
    }

    // Back online: A uploads in two batches, B after it; then A's upload is repeated (a lost answer).
    List<JsonObject> resultsA = upload(queueA, decidedA);
    List<JsonObject> resultsB = upload(queueB, decidedB);
    assertThat(resultsA).extracting(r -> r.getInteger("status")).containsOnly(201);
    assertThat(resultsB).extracting(r -> r.getInteger("status")).containsOnly(201);
    // The per-minute ring moves with the clock; the counts are what a replay must not touch.
    JsonObject statusBeforeReplay = counts(fixtures.scanStatus(table, "ticket"));
    List<JsonObject> replayed = upload(queueA, decidedA);
    assertThat(replayed).extracting(r -> r.getInteger("status")).containsOnly(200);
    for (int i = 0; i < resultsA.size(); i++) {
      assertThat(replayed.get(i).getJsonObject("scan")).isEqualTo(resultsA.get(i).getJsonObject("scan"));
    }
    assertThat(counts(fixtures.scanStatus(table, "ticket"))).as("a replay changes nothing").isEqualTo(statusBeforeReplay);

    // Every scan stored exactly once, as the door decided it, at its true time.
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'")).isEqualTo(200 + 10 + 50);
    for (JsonObject result : resultsA) {
      JsonObject scan = result.getJsonObject("scan");
      String decidedOffline = decidedA.get(scan.getString("id"));
      assertThat(scan.getJsonObject("offline").getString("decision")).isEqualTo(decidedOffline);
      assertThat(scan.getString("decision")).as("the door's decision stands").isEqualTo(decidedOffline);
      assertThat(scan.getJsonObject("offline").getLong("clock_offset_ms")).isCloseTo(PHONE_CLOCK_BEHIND.toMillis(), within(5_000L));
    }
    JsonObject first = resultsA.get(0).getJsonObject("scan");
    assertThat(Duration.between(base, OffsetDateTime.parse(first.getString("scanned_at")).toInstant()).abs())
        .as("the scan time corrected by the phone's clock error").isLessThan(Duration.ofSeconds(5));

    // Conflicts exactly for the tickets let in twice: A's after the online door, B's after A.
    Set<String> expectedConflicts = new TreeSet<>();
    IntStream.range(150, 180).forEach(i -> expectedConflicts.add(ticket(i)));
    IntStream.range(200, 205).forEach(i -> expectedConflicts.add(ticket(i)));
    List<JsonObject> conflicts = allConflicts(tableId);
    assertThat(conflicts).extracting(scan -> scan.getString("barcode")).containsExactlyInAnyOrderElementsOf(expectedConflicts);
    assertThat(conflicts).allSatisfy(scan -> {
      assertThat(scan.getString("decision")).isEqualTo("accepted");
      assertThat(scan.getJsonObject("conflict").getString("reason")).isEqualTo("already_scanned");
      assertThat(scan.getJsonObject("conflict").getJsonObject("earlier_scan").getString("id")).isNotEqualTo(scan.getString("id"));
    });
    assertThat(conflicts.stream().filter(scan -> scan.getString("device_id").equals("phone-b")).count()).isEqualTo(5);
    Set<String> conflictIds = conflicts.stream().map(scan -> scan.getString("id")).collect(Collectors.toSet());
    assertThat(resultsA.stream().map(r -> r.getJsonObject("scan")).filter(scan -> scan.getValue("conflict") != null)
        .map(scan -> scan.getString("id"))).allMatch(conflictIds::contains).hasSize(30);

    // The numbers, the devices and the rows agree.
    JsonObject status = fixtures.scanStatus(table, "ticket");
    assertThat(status.getLong("accepted")).isEqualTo(185 + 10 + 50);
    assertThat(status.getLong("rows_accepted")).isEqualTo(210);
    assertThat(status.getLong("conflicts")).isEqualTo(35);
    assertThat(status.getJsonObject("refused_by_reason")).isEqualTo(new JsonObject().put("already_scanned", 15));
    Map<String, JsonObject> devices = devices(tableId);
    assertThat(devices.get("phone-a").getLong("scans_uploaded")).isEqualTo(200);
    assertThat(devices.get("phone-a").getLong("conflicts_caused")).isEqualTo(30);
    assertThat(devices.get("phone-b").getLong("conflicts_caused")).isEqualTo(5);
    assertThat(devices.get("phone-online").getLong("conflicts_caused")).isZero();
    assertThat(database.count("SELECT sum(scan_count) FROM table_rows WHERE table_id = '" + tableId + "'"))
        .as("every accepted scan counted on its row").isEqualTo(185 + 10 + 50);
    // A once row keeps its first accepted scan as the one that let the guest in.
    String onlineWinner = database.text("SELECT id FROM scan_history WHERE table_id = '" + tableId
        + "' AND barcode = '" + ticket(160) + "' AND device_id = 'phone-online'");
    assertThat(database.text("SELECT scan_state -> '" + ticketColumn + "' ->> 'last_scan_id' FROM table_rows WHERE table_id = '"
        + tableId + "' AND data ->> 'ticket' = '" + ticket(160) + "'")).isEqualTo(onlineWinner);
  }

  @Test
  void entryAndExitEndAsIfEveryScanHadArrivedInScanTimeOrder() throws Exception {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "entry_exit"));
    String tableId = table.getString("id");
    String gate = Fixtures.columnId(table, "ticket");
    bulk(tableId, IntStream.range(0, 30).mapToObj(i -> new JsonObject().put("ticket", "G-" + i)).toList());
    Instant base = Instant.now().minus(Duration.ofMinutes(10));
    PhoneCopy copy = PhoneCopy.download(service.client(), tableId, gate, "phone-gate");

    // Offline, in the phone's order of time: everyone enters; rows 10-19 leave at +50 s, rows
    // 0-9 at +110 s (the phone toggles: a second scan is an exit).
    List<JsonObject> queue = new ArrayList<>();
    IntStream.range(0, 30).forEach(i -> queue.add(offlineScan("G-" + i, "phone-gate", base.plusSeconds(i))));
    IntStream.range(10, 20).forEach(i -> queue.add(offlineScan("G-" + i, "phone-gate", base.plusSeconds(50 + i))));
    IntStream.range(0, 10).forEach(i -> queue.add(offlineScan("G-" + i, "phone-gate", base.plusSeconds(110 + i))));
    Map<String, String> decided = decideAtTheDoor(copy, queue);
    assertThat(decided.values()).containsOnly("accepted");

    // Online, before the upload: rows 0-19 enter at +100 s (the service thinks they are outside).
    Map<Integer, String> onlineEntries = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      HttpResponse<Buffer> online = service.post("/api/scans", Fixtures.scan(tableId, "ticket", "G-" + i)
          .put("device_id", "phone-online").put("scanned_at", base.plusSeconds(100 + i).toString()));
      assertThat(online.bodyAsJsonObject().getString("direction")).isEqualTo("entry");
      onlineEntries.put(i, online.bodyAsJsonObject().getString("id"));
    }
    List<JsonObject> results = upload(queue, decided);
    assertThat(results).extracting(r -> r.getInteger("status")).containsOnly(201);
    assertThat(results).extracting(r -> r.getJsonObject("scan").getValue("conflict")).containsOnlyNulls();

    // In scan-time order: rows 0-9 entry, entry, exit → outside; rows 10-19 entry, exit, entry
    // (the online one) → inside; rows 20-29 entry → inside. Arrival order would say otherwise
    // for rows 10-19 (their offline exit arrived last).
    Map<String, String> lastExit = new HashMap<>();
    Map<String, String> firstEntry = new HashMap<>();
    for (int k = 0; k < queue.size(); k++) {
      String barcode = queue.get(k).getString("barcode");
      String id = queue.get(k).getString("id");
      if (k < 30) {
        firstEntry.put(barcode, id);
      } else {
        lastExit.put(barcode, id);
      }
    }
    for (int i = 0; i < 30; i++) {
      JsonObject state = new JsonObject(database.text("SELECT (scan_state -> '" + gate + "')::text FROM table_rows WHERE table_id = '"
          + tableId + "' AND data ->> 'ticket' = 'G-" + i + "'"));
      String expectedLast = i < 10 ? lastExit.get("G-" + i) : i < 20 ? onlineEntries.get(i) : firstEntry.get("G-" + i);
      assertThat(state.getBoolean("inside")).as("G-%d inside", i).isEqualTo(i >= 10);
      assertThat(state.getString("last_scan_id")).as("G-%d last scan", i).isEqualTo(expectedLast);
      assertThat(state.getInteger("accepted")).as("G-%d accepted scans", i).isEqualTo(i < 10 ? 3 : i < 20 ? 3 : 1);
    }
    JsonObject status = fixtures.scanStatus(table, "ticket");
    assertThat(status.getLong("inside")).isEqualTo(20);
    assertThat(status.getLong("accepted")).isEqualTo(30 + 20 + 20);
    assertThat(status.getLong("conflicts")).isZero();
  }

  private static JsonObject counts(JsonObject status) {
    JsonObject counts = status.copy();
    counts.remove("accepted_per_minute");
    return counts;
  }

  private static String ticket(int i) {
    return String.format("T-%03d", i);
  }

  /** A scan as the phone queues it: its id, and its time by the phone's (slow) clock. */
  private static JsonObject offlineScan(String barcode, String device, Instant trueTime) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("barcode", barcode).put("device_id", device)
        .put("scanned_at", trueTime.minus(PHONE_CLOCK_BEHIND).toString()).put("scanned_by", "user-1");
  }

  /** Scan id → the decision web/src/rules.js made from the copy, one scan after the other. */
  private static Map<String, String> decideAtTheDoor(PhoneCopy copy, List<JsonObject> queue) throws Exception {
    JsonArray decided = ReferenceRules.run("simulate-phone.mjs", new JsonObject().put("copy", copy.toJson())
        .put("now", Instant.now().minus(PHONE_CLOCK_BEHIND).toString()).put("scans", new JsonArray(new ArrayList<>(queue))));
    Map<String, String> byId = new HashMap<>();
    for (int i = 0; i < decided.size(); i++) {
      JsonObject outcome = decided.getJsonObject(i);
      byId.put(outcome.getString("id"), outcome.getString("decision"));
      if (outcome.getString("direction") != null) {
        queue.get(i).put("direction", outcome.getString("direction"));
      }
    }
    return byId;
  }

  /** The queue uploaded as web/src/phone.js does, in batches of 100: results in queue order. */
  private List<JsonObject> upload(List<JsonObject> queue, Map<String, String> decided) {
    String tableId = null;
    List<JsonObject> results = new ArrayList<>();
    for (int start = 0; start < queue.size(); start += 100) {
      JsonArray scans = new JsonArray();
      String deviceTime = Instant.now().minus(PHONE_CLOCK_BEHIND).toString();
      for (JsonObject queued : queue.subList(start, Math.min(queue.size(), start + 100))) {
        scans.add(new JsonObject().put("id", queued.getString("id")).put("table_id", table(queued))
            .put("column_name", "ticket").put("barcode", queued.getString("barcode"))
            .put("scanned_at", queued.getString("scanned_at")).put("device_id", queued.getString("device_id"))
            .put("direction", queued.getString("direction"))
            .put("decided_offline", decided.get(queued.getString("id"))).put("device_time", deviceTime));
      }
      HttpResponse<Buffer> response = service.post("/api/scans/batch", new JsonObject().put("scans", scans));
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      response.bodyAsJsonObject().getJsonArray("results").forEach(r -> results.add((JsonObject) r));
    }
    return results;
  }

  private final Map<String, String> tableOfBarcode = new HashMap<>();

  private String table(JsonObject queued) {
    return tableOfBarcode.get(queued.getString("barcode"));
  }

  private void bulk(String tableId, List<JsonObject> rows) {
    JsonArray items = new JsonArray();
    rows.forEach(data -> {
      items.add(new JsonObject().put("data", data));
      tableOfBarcode.put(data.getString("ticket"), tableId);
    });
    HttpResponse<Buffer> created = service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", items));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  private List<JsonObject> allConflicts(String tableId) {
    List<JsonObject> all = new ArrayList<>();
    String before = null;
    do {
      HttpResponse<Buffer> page = service.get("/api/tables/" + tableId + "/conflicts?limit=20" + (before == null ? "" : "&before=" + before));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      page.bodyAsJsonObject().getJsonArray("scans").forEach(scan -> all.add((JsonObject) scan));
      before = page.bodyAsJsonObject().getString("next_cursor");
    } while (before != null);
    return all;
  }

  private Map<String, JsonObject> devices(String tableId) {
    HttpResponse<Buffer> listed = service.get("/api/tables/" + tableId + "/devices");
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    Map<String, JsonObject> byId = new HashMap<>();
    listed.bodyAsJsonObject().getJsonArray("devices").forEach(d -> byId.put(((JsonObject) d).getString("device_id"), (JsonObject) d));
    return byId;
  }
}
