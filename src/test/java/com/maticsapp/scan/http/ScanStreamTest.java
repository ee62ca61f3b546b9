package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.ScanCursor;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.SseStream.Frame;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live scan stream, GET /api/tables/{table_id}/scans/stream, read by a raw SSE client
 * while scans are recorded over HTTP: filtering by table, order and ids, resume with
 * Last-Event-ID, heartbeats, a reset past the replay bound, a slow consumer cut off, and
 * streams ended by a shutdown. Every wait is bounded; nothing asserts how fast anything is.
 */
class ScanStreamTest extends ServiceTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int REPLAY_MAX = 50;
  private static final int BUFFER_MAX = 4;

  /** The SSE clients run on a Vert.x of their own, so stopping a service never stops them. */
  private Vertx clients;

  @Override
  protected Map<String, String> environment() {
    return Map.of(
        "HTTP_STREAM_HEARTBEAT", "200ms",
        "HTTP_STREAM_REPLAY_MAX", Integer.toString(REPLAY_MAX),
        "HTTP_STREAM_BUFFER_MAX", Integer.toString(BUFFER_MAX));
  }

  @BeforeAll
  void startClients() {
    clients = Vertx.vertx();
  }

  @AfterAll
  void stopClients() {
    if (clients != null) {
      clients.close().await();
    }
  }

  @Test
  void streamsTheTablesScansOnlyEachOnceInOrderWithIdsFromTheScanRecord() {
    String tableId = fixtures.table().getString("id");
    String otherTableId = fixtures.table().getString("id");
    fixtures.row(tableId, new JsonObject().put("code", "A-1").put("name", "Ada"));

    try (SseStream stream = open(tableId, null)) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.header("Content-Type")).isEqualTo("text/event-stream");
      assertThat(stream.header("Cache-Control")).isEqualTo("no-cache");
      assertThat(stream.header("X-Accel-Buffering")).isEqualTo("no");
      Frame ready = stream.nextEvent(WAIT);
      assertThat(ready.event()).isEqualTo("ready");
      assertThat(ready.json().getString("table_id")).isEqualTo(tableId);
      assertThat(ready.id()).as("a fresh stream still gets a resume point").isEqualTo(ScanCursor.START.encode());

      List<JsonObject> mine = new ArrayList<>();
      mine.add(record(tableId, "A-1"));
      record(otherTableId, "B-1");
      mine.add(record(tableId, "nothing-matches"));
      record(otherTableId, "B-2");
      mine.add(record(tableId, "A-1"));
      // A sentinel: once it arrives, anything else (another table's scan, a duplicate) would have come before it.
      mine.add(record(tableId, "sentinel"));

      List<Frame> events = stream.events("scan", mine.size(), WAIT);
      for (int i = 0; i < mine.size(); i++) {
        assertThat(events.get(i).json()).as("event %d is the scan record", i).isEqualTo(mine.get(i));
        assertThat(events.get(i).id()).isEqualTo(ScanCursor.of(mine.get(i)).encode());
      }
      assertThat(events.get(0).json().getString("status")).isEqualTo("success");
      assertThat(events.stream().map(Frame::id).distinct()).hasSize(mine.size());
      assertThat(stream.drainReceived()).allSatisfy(frame -> assertThat(frame.isComment()).as(frame.toString()).isTrue());
    }
    awaitOpenStreams(0);
  }

  @Test
  void aResumedStreamReplaysExactlyTheMissedScansInStorageOrderThenGoesLive() {
    String tableId = fixtures.table().getString("id");
    String lastSeen;
    try (SseStream first = open(tableId, null)) {
      first.events("ready", 1, WAIT);
      record(tableId, "seen-1");
      record(tableId, "seen-2");
      List<Frame> seen = first.events("scan", 2, WAIT);
      lastSeen = seen.get(1).id();
    }
    awaitOpenStreams(0);

    // Missed while disconnected; an offline phone's scans carry old scanned_at values, out of
    // order, and must still come after what the desktop has, in the order they were stored.
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    List<JsonObject> missed = List.of(
        record(tableId, "missed-1", now.minus(Duration.ofDays(2))),
        record(tableId, "missed-2", now.minus(Duration.ofDays(3))),
        record(tableId, "missed-3", null));
    record(fixtures.table().getString("id"), "elsewhere");

    try (SseStream resumed = open(tableId, lastSeen)) {
      List<Frame> replayed = resumed.events("scan", 3, WAIT);
      assertThat(replayed).extracting(frame -> frame.json().getString("id"))
          .containsExactlyElementsOf(missed.stream().map(scan -> scan.getString("id")).toList());
      assertThat(replayed).extracting(Frame::id)
          .containsExactlyElementsOf(missed.stream().map(scan -> ScanCursor.of(scan).encode()).toList());
      Frame ready = resumed.nextEvent(WAIT);
      assertThat(ready.event()).isEqualTo("ready");
      assertThat(ready.json().getInteger("replayed")).isEqualTo(3);
      assertThat(ready.id()).isEqualTo(replayed.get(2).id());

      List<JsonObject> live = List.of(record(tableId, "live-1"), record(tableId, "live-2"));
      List<Frame> after = resumed.events("scan", 2, WAIT);
      assertThat(after).extracting(frame -> frame.json().getString("id"))
          .containsExactly(live.get(0).getString("id"), live.get(1).getString("id"));
      assertThat(resumed.drainReceived()).allSatisfy(frame -> assertThat(frame.isComment()).as(frame.toString()).isTrue());
    }
    awaitOpenStreams(0);
  }

  /**
   * Each HTTP verticle gets its own copy of a scans.recorded message, so the copy for the
   * instance a client reconnects to can come after the client already read the scan on the
   * stream it left. Played here by announcing a scan the client has again, once the resumed
   * stream is live: it must not be sent twice.
   */
  @Test
  void aLiveScanTheClientAlreadyHasIsNotSentAgainAfterAResume() throws Exception {
    String tableId = fixtures.table().getString("id");
    JsonObject seen = record(tableId, "seen-1");
    String lastId = ScanCursor.of(seen).encode();
    try (SseStream resumed = open(tableId, lastId)) {
      Frame ready = resumed.events("ready", 1, WAIT).get(0);
      assertThat(ready.json().getInteger("replayed")).isZero();
      service.vertx().eventBus().publish(Addresses.SCANS_RECORDED, seen);
      JsonObject next = record(tableId, "next-1");
      Frame frame = resumed.nextEvent(WAIT);
      assertThat(frame.event()).isEqualTo("scan");
      assertThat(frame.json().getString("id")).as("the next scan, not again the one before the resume point")
          .isEqualTo(next.getString("id"));
    }
  }

  @Test
  void reconnectingOverAndOverWhileScansAreRecordedLosesNothingAndRepeatsNothing() throws Exception {
    String tableId = fixtures.table().getString("id");
    String lastId;
    try (SseStream first = open(tableId, null)) {
      lastId = first.events("ready", 1, WAIT).get(0).id();
    }
    int total = 80;
    List<String> recorded = java.util.Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> recording = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < total; i++) {
        recorded.add(record(tableId, "busy-" + i).getString("id"));
        sleep(5);
      }
    });

    // Each connection reads a few scans and goes away; the next resumes from the last id it got.
    List<String> received = new ArrayList<>();
    java.util.Random random = new java.util.Random(42);
    int connections = 0;
    while (received.size() < total) {
      connections++;
      try (SseStream stream = open(tableId, lastId)) {
        int want = 1 + random.nextInt(6);
        for (int got = 0; got < want && received.size() < total; ) {
          Frame frame = stream.nextEvent(WAIT);
          assertThat(frame.event()).as(frame.toString()).isIn("scan", "ready");
          if (frame.event().equals("scan")) {
            received.add(frame.json().getString("id"));
            got++;
          }
          lastId = frame.id();
        }
      }
    }
    recording.get(30, TimeUnit.SECONDS);
    assertThat(received).as("over %d connections", connections).containsExactlyElementsOf(recorded);
    awaitOpenStreams(0);
  }

  @Test
  void anIdleStreamGetsHeartbeats() {
    String tableId = fixtures.table().getString("id");
    try (SseStream stream = open(tableId, null)) {
      stream.events("ready", 1, WAIT);
      Frame first = stream.next(WAIT);
      Frame second = stream.next(WAIT);
      assertThat(List.of(first, second)).allSatisfy(frame -> {
        assertThat(frame.isComment()).as(frame.toString()).isTrue();
        assertThat(frame.comment()).isEqualTo("keep-alive");
      });
    }
  }

  @Test
  void anUnknownTableIsA404Problem() {
    for (String path : List.of("/api/tables/" + UUID.randomUUID() + "/scans/stream", "/api/tables/not-a-uuid/scans/stream")) {
      try (SseStream stream = SseStream.open(clients, service.port(), path, null)) {
        assertThat(stream.status()).as(path).isEqualTo(404);
        assertThat(stream.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(stream.awaitEnd(WAIT)).isTrue();
        assertThat(new JsonObject(stream.bodyText()).getInteger("status")).isEqualTo(404);
      }
    }
  }

  @Test
  void aResumeMissingMoreThanReplayMaxScansIsAResetThenLive() {
    String tableId = fixtures.table().getString("id");
    String lastSeen;
    try (SseStream first = open(tableId, null)) {
      lastSeen = first.events("ready", 1, WAIT).get(0).id();
    }
    JsonArray scans = new JsonArray();
    for (int i = 0; i < REPLAY_MAX + 2; i++) {
      scans.add(scan(tableId, "code", "batch-" + i));
    }
    HttpResponse<Buffer> batch = service.post("/api/scans/batch", new JsonObject().put("scans", scans));
    assertThat(batch.statusCode()).isEqualTo(200);
    JsonArray results = batch.bodyAsJsonObject().getJsonArray("results");
    ScanCursor newest = null;
    for (int i = 0; i < results.size(); i++) {
      newest = ScanCursor.max(newest, ScanCursor.of(results.getJsonObject(i).getJsonObject("scan")));
    }

    // ?last_event_id= works like the header (for clients that cannot set headers).
    try (SseStream resumed = SseStream.open(clients, service.port(),
        "/api/tables/" + tableId + "/scans/stream?last_event_id=" + lastSeen, null)) {
      Frame reset = resumed.nextEvent(WAIT);
      assertThat(reset.event()).isEqualTo("reset");
      assertThat(reset.json().getString("history")).isEqualTo("/api/scans?table_id=" + tableId);
      assertThat(reset.json().getString("reason")).contains("more than " + REPLAY_MAX);
      assertThat(reset.id()).as("the reset moves the resume point past what the history reload covers")
          .isEqualTo(newest.encode());
      Frame ready = resumed.nextEvent(WAIT);
      assertThat(ready.event()).isEqualTo("ready");
      assertThat(ready.json().getInteger("replayed")).isZero();

      JsonObject live = record(tableId, "after-reset");
      assertThat(resumed.events("scan", 1, WAIT).get(0).json().getString("id")).isEqualTo(live.getString("id"));
    }

    // An id the service never issued cannot be resumed from either.
    try (SseStream garbage = open(tableId, "not-an-event-id")) {
      Frame reset = garbage.nextEvent(WAIT);
      assertThat(reset.event()).isEqualTo("reset");
      assertThat(garbage.nextEvent(WAIT).event()).isEqualTo("ready");
    }
    awaitOpenStreams(0);
  }

  @Test
  void aClientThatStopsReadingIsCutOffWithOverflowAndTheConnectionClosed() {
    String tableId = fixtures.table().getString("id");
    double overflowsBefore = metric("matic_scan_streams_ended_total{reason=\"overflow\"}");
    // A small receive window and no reading: the server's write queue fills after a few events.
    SseStream slow = SseStream.open(clients, service.port(), "/api/tables/" + tableId + "/scans/stream", null,
        new HttpClientOptions().setReceiveBufferSize(4096), true);
    try {
      assertThat(slow.status()).isEqualTo(200);
      String padding = "x".repeat(15_000);
      int sent = 0;
      for (int round = 0; round < 40 && metric("matic_scan_streams_ended_total{reason=\"overflow\"}") == overflowsBefore; round++) {
        JsonArray scans = new JsonArray();
        for (int i = 0; i < 50; i++) {
          scans.add(scan(tableId, "code", "slow-" + round + "-" + i).put("metadata", new JsonObject().put("pad", padding)));
        }
        assertThat(service.post("/api/scans/batch", new JsonObject().put("scans", scans)).statusCode()).isEqualTo(200);
        sent += scans.size();
      }
      assertThat(metric("matic_scan_streams_ended_total{reason=\"overflow\"}")).as("overflowed after %d scans", sent)
          .isEqualTo(overflowsBefore + 1);

      slow.resume();
      List<Frame> received = new ArrayList<>();
      Frame frame;
      do {
        frame = slow.nextEvent(WAIT);
        received.add(frame);
      } while (!"overflow".equals(frame.event()));
      assertThat(frame.json().getString("reason")).contains("more than " + BUFFER_MAX);
      long scansReceived = received.stream().filter(f -> "scan".equals(f.event())).count();
      System.out.printf("STREAM overflow: scans sent=%d, delivered before the overflow event=%d%n", sent, scansReceived);
      assertThat(scansReceived).as("the stream was cut off, not delivered in full").isLessThan(sent);
      Frame lastScan = received.stream().filter(f -> "scan".equals(f.event())).reduce((a, b) -> b).orElse(null);
      if (lastScan != null) {
        assertThat(frame.id()).as("the overflow's id is the last event delivered, so a resume replays the rest")
            .isEqualTo(lastScan.id());
      }
      assertThat(slow.awaitConnectionClosed(WAIT)).as("the server closed the connection").isTrue();
    } finally {
      slow.close();
    }
    awaitOpenStreams(0);
  }

  @Test
  void shutdownEndsOpenStreamsWithAShutdownEventInsteadOfHoldingTheDrain() throws Exception {
    // A service of its own (same database), with a drain deadline far longer than the wait below.
    RunningService stopping = RunningService.start(database.url(), Map.of("DRAIN_TIMEOUT", "60s"));
    String tableId = fixtures.table().getString("id");
    SseStream stream = SseStream.open(clients, stopping.port(), "/api/tables/" + tableId + "/scans/stream", null);
    try {
      stream.events("ready", 1, WAIT);
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(stopping::close);
      Frame shutdown = stream.nextEvent(WAIT);
      assertThat(shutdown.event()).isEqualTo("shutdown");
      assertThat(shutdown.id()).isEqualTo(ScanCursor.START.encode());
      assertThat(stream.awaitConnectionClosed(WAIT)).isTrue();
      stopped.get(30, TimeUnit.SECONDS); // well inside the 60 s drain: the stream did not hold it
    } finally {
      stream.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  private SseStream open(String tableId, String lastEventId) {
    SseStream stream = SseStream.open(clients, service.port(), "/api/tables/" + tableId + "/scans/stream", lastEventId);
    assertThat(stream.status()).as(stream.bodyText()).isEqualTo(200);
    return stream;
  }

  private JsonObject record(String tableId, String barcode) {
    return record(tableId, barcode, null);
  }

  private JsonObject record(String tableId, String barcode, Instant scannedAt) {
    JsonObject body = scan(tableId, "code", barcode).put("id", UUID.randomUUID().toString());
    if (scannedAt != null) {
      body.put("scanned_at", scannedAt.toString());
    }
    HttpResponse<Buffer> response = service.post("/api/scans", body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  /** A sample of the service's /metrics (0 when absent). */
  private double metric(String sample) {
    String text = service.getManagement("/metrics").bodyAsString();
    Matcher matcher = Pattern.compile("^" + Pattern.quote(sample) + " (\\S+)$", Pattern.MULTILINE).matcher(text);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }

  /** Streams end asynchronously on the server after the client leaves: wait (bounded) for the count. */
  private void awaitOpenStreams(double expected) {
    long deadline = System.currentTimeMillis() + WAIT.toMillis();
    double open;
    do {
      open = metric("matic_scan_streams_open");
      if (open == expected) {
        return;
      }
      sleep(20);
    } while (System.currentTimeMillis() < deadline);
    assertThat(open).as("open scan streams").isEqualTo(expected);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
