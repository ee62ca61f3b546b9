package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.SseStream.Frame;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live stream's {@code status} events (?status=true): the door's numbers after ready, again
 * when a scan is recorded or undone, debounced per table, and only for streams that asked.
 */
class StreamStatusTest extends ServiceTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  /** Long enough that a debounced burst is told apart from one event per scan, whatever the load. */
  private static final long INTERVAL_MILLIS = 1_000;

  @Override
  protected Map<String, String> environment() {
    return Map.of("HTTP_STREAM_STATUS_INTERVAL", INTERVAL_MILLIS + "ms");
  }

  private SseStream open(String tableId, String query) {
    String path = "/api/tables/" + tableId + "/scans/stream?access_token=" + Tokens.user(RunningService.USER) + query;
    SseStream stream = SseStream.open(service.vertx(), service.port(), path, null);
    assertThat(stream.status()).as(stream.bodyText()).isEqualTo(200);
    return stream;
  }

  /** Frames up to and including the first event that passes {@code wanted}; fails after WAIT. */
  private static List<Frame> until(SseStream stream, Predicate<Frame> wanted) {
    List<Frame> seen = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      Frame frame = stream.nextEvent(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      seen.add(frame);
      if (wanted.test(frame)) {
        return seen;
      }
    }
  }

  private static Predicate<Frame> status(String columnId, Predicate<JsonObject> numbers) {
    return frame -> "status".equals(frame.event()) && columnId.equals(frame.json().getString("column_id"))
        && numbers.test(frame.json());
  }

  private JsonObject record(String tableId, String barcode) {
    HttpResponse<Buffer> response = service.post("/api/scans", Fixtures.scan(tableId, "ticket", barcode));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
    return response.bodyAsJsonObject();
  }

  @Test
  void aDeskGetsTheNumbersAfterReadyAndWheneverAScanIsRecordedOrUndone() {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once"));
    String tableId = table.getString("id");
    String ticket = Fixtures.columnId(table, "ticket");
    fixtures.row(tableId, new JsonObject().put("ticket", "ST-1"));
    fixtures.row(tableId, new JsonObject().put("ticket", "ST-2"));

    try (SseStream stream = open(tableId, "&status=true")) {
      List<Frame> opening = until(stream, status(ticket, numbers -> true));
      assertThat(opening.get(0).event()).isEqualTo("ready");
      JsonObject first = opening.get(opening.size() - 1).json();
      assertThat(first.getLong("rows_in_scope")).isEqualTo(2);
      assertThat(first.getLong("accepted")).isZero();
      assertThat(opening.get(opening.size() - 1).id()).as("numbers are not history: no resume point").isNull();

      JsonObject accepted = record(tableId, "ST-1");
      until(stream, status(ticket, numbers -> numbers.getLong("accepted") == 1 && numbers.getLong("rows_accepted") == 1));
      record(tableId, "ST-1");
      JsonObject refused = until(stream, status(ticket, numbers -> numbers.getLong("refused") == 1)).stream()
          .reduce((a, b) -> b).orElseThrow().json();
      assertThat(refused.getJsonObject("refused_by_reason")).isEqualTo(new JsonObject().put("already_scanned", 1));

      assertThat(service.post("/api/scans/" + accepted.getString("id") + "/undo", new JsonObject()).statusCode()).isEqualTo(200);
      List<Frame> afterUndo = until(stream, status(ticket, numbers -> numbers.getLong("undone") == 1));
      assertThat(afterUndo).anySatisfy(frame -> assertThat(frame.event()).isEqualTo("undone"));
      JsonObject undone = afterUndo.get(afterUndo.size() - 1).json();
      assertThat(undone.getLong("accepted")).isZero();
      assertThat(undone.getLong("rows_accepted")).isZero();
      // The same numbers as the route gives.
      JsonObject route = service.get("/api/tables/" + tableId + "/scan-status?column_id=" + ticket).bodyAsJsonObject();
      route.remove("accepted_per_minute");
      undone.remove("accepted_per_minute");
      assertThat(undone).isEqualTo(route);
    }
  }

  @Test
  void aBurstOfScansGivesAFewStatusEventsNotOnePerScan() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    String tableId = table.getString("id");
    String ticket = Fixtures.columnId(table, "ticket");
    fixtures.row(tableId, new JsonObject().put("ticket", "BURST"));
    int scans = 60;

    try (SseStream stream = open(tableId, "&status=true")) {
      until(stream, status(ticket, numbers -> true));
      long started = System.nanoTime();
      // Three batches and single scans interleaved: many scans.recorded messages in a short time.
      for (int round = 0; round < 3; round++) {
        JsonArray batch = new JsonArray();
        for (int i = 0; i < scans / 3 - 5; i++) {
          batch.add(Fixtures.scan(tableId, "ticket", "BURST"));
        }
        assertThat(service.post("/api/scans/batch", new JsonObject().put("scans", batch)).statusCode()).isEqualTo(200);
        for (int i = 0; i < 5; i++) {
          record(tableId, "BURST");
        }
      }
      List<Frame> seen = until(stream, status(ticket, numbers -> numbers.getLong("accepted") == scans));
      long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
      long statusEvents = seen.stream().filter(frame -> "status".equals(frame.event())).count();
      assertThat(seen.stream().filter(frame -> "scan".equals(frame.event()))).hasSize(scans);
      // At most one read at once and per interval: the first change is read at once, the rest
      // gather until the interval is over.
      assertThat(statusEvents).as("%d status events for %d scans in %d ms", statusEvents, scans, elapsedMillis)
          .isLessThanOrEqualTo(2 + elapsedMillis / INTERVAL_MILLIS);
      assertThat(statusEvents).isLessThan(scans / 4);
    }
  }

  @Test
  void aStreamThatDidNotAskGetsScansOnlyAndOtherTablesNothing() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    String tableId = table.getString("id");
    JsonObject other = fixtures.eventTable(new JsonObject());
    String otherId = other.getString("id");
    fixtures.row(tableId, new JsonObject().put("ticket", "PLAIN"));
    fixtures.row(otherId, new JsonObject().put("ticket", "ELSEWHERE"));

    try (SseStream plain = open(tableId, "");
         SseStream watching = open(tableId, "&status=true");
         SseStream otherTable = open(otherId, "&status=false")) {
      until(plain, frame -> "ready".equals(frame.event()));
      until(watching, status(Fixtures.columnId(table, "ticket"), numbers -> true));
      until(otherTable, frame -> "ready".equals(frame.event()));
      record(tableId, "PLAIN");
      record(otherId, "ELSEWHERE");
      until(watching, status(Fixtures.columnId(table, "ticket"), numbers -> numbers.getLong("accepted") == 1));
      String sentinel = record(tableId, "sentinel").getString("id");
      until(plain, frame -> "scan".equals(frame.event()) && sentinel.equals(frame.json().getString("id")))
          .forEach(frame -> assertThat(frame.event()).isNotEqualTo("status"));
      until(otherTable, frame -> "scan".equals(frame.event()))
          .forEach(frame -> assertThat(frame.event()).isNotEqualTo("status"));
      // The watching stream's numbers are of its own table only.
      watching.drainReceived().stream().filter(frame -> "status".equals(frame.event()))
          .forEach(frame -> assertThat(frame.json().getString("table_id")).isEqualTo(tableId));
    }
  }

  @Test
  void aStatusParameterThatIsNotABooleanIs422() {
    String tableId = fixtures.eventTable(new JsonObject()).getString("id");
    HttpResponse<Buffer> response = service.get("/api/tables/" + tableId + "/scans/stream?status=yes");
    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(response.bodyAsJsonObject().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("status");
  }
}
