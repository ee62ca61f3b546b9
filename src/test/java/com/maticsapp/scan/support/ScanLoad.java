package com.maticsapp.scan.support;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Steady scan traffic for fault tests: {@code concurrency} clients each send scans with client
 * ids back to back until stopped, and every answer is kept (id → status, or -1 when the request
 * itself failed or timed out, with the kind of failure in {@link #results()}). Afterwards it
 * checks the invariants against the database and prints one summary line per fault.
 *
 * <p>It can target any service a {@link WebClient} reaches (its default host and port), e.g. a
 * child process. A {@linkplain #start(Vertx, WebClient, String, String, int, boolean) polite}
 * load behaves like a well-behaved client: after a 503 or 429 it waits the Retry-After seconds
 * before its next scan, and after a request that got no answer it waits 100 ms.
 */
public final class ScanLoad {

  /** Why a request got no HTTP answer. */
  public enum Failure {
    /** The connection was refused: nothing listens on the port. */
    REFUSED,
    /** No answer within the request timeout: the request hung. */
    TIMEOUT,
    /** The connection closed (or was reset) before the answer came. */
    CLOSED,
    /** Anything else. */
    OTHER
  }

  /**
   * One scan request: its HTTP status (-1 when there was no answer, then {@code failure} says
   * why), when it was sent and answered (epoch millis), and for an answer whether it carried
   * Retry-After and which content type; {@code detail} is the Connection header of an answer,
   * or the failure of a request without one.
   */
  public record Result(String id, int status, Failure failure, long sentAtMillis, long endedAtMillis,
                       String retryAfter, String contentType, String detail) {}

  /** How long one scan request may take before it counts as hung. */
  public static final long REQUEST_TIMEOUT_MILLIS = 15_000;

  private final Vertx vertx;
  private final WebClient client;
  private final String tableId;
  private final String barcode;
  private final boolean polite;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<String, Integer> outcomes = new ConcurrentHashMap<>();
  private final Queue<Result> results = new ConcurrentLinkedQueue<>();
  private final Queue<Long> latencies = new ConcurrentLinkedQueue<>();
  private final Promise<Void> stopped = Promise.promise();
  private int active;

  private ScanLoad(Vertx vertx, WebClient client, String tableId, String barcode, boolean polite) {
    this.vertx = vertx;
    this.client = client;
    this.tableId = tableId;
    this.barcode = barcode;
    this.polite = polite;
  }

  /** Starts the load on the service's own Vert.x (its event loops, never blocked). */
  public static ScanLoad start(RunningService service, String tableId, String barcode, int concurrency) {
    return start(service.vertx(), service.client(), tableId, barcode, concurrency, false);
  }

  /**
   * Starts the load through {@code client} (against its default host and port) on {@code vertx}.
   * With {@code polite}, a client honours Retry-After and pauses after a failed request.
   */
  public static ScanLoad start(Vertx vertx, WebClient client, String tableId, String barcode, int concurrency,
                               boolean polite) {
    ScanLoad load = new ScanLoad(vertx, client, tableId, barcode, polite);
    vertx.runOnContext(v -> {
      load.active = concurrency;
      for (int i = 0; i < concurrency; i++) {
        load.next();
      }
    });
    return load;
  }

  private void next() {
    if (!running.get()) {
      if (--active == 0) {
        stopped.tryComplete();
      }
      return;
    }
    String id = UUID.randomUUID().toString();
    long started = System.nanoTime();
    long sentAt = System.currentTimeMillis();
    client.post("/api/scans").putHeader("Content-Type", "application/json").timeout(REQUEST_TIMEOUT_MILLIS)
        .sendJsonObject(new JsonObject().put("id", id).put("table_id", tableId).put("column_name", "code").put("barcode", barcode))
        .onComplete(outcome -> {
          latencies.add((System.nanoTime() - started) / 1_000_000);
          long pause = 0;
          if (outcome.succeeded()) {
            HttpResponse<Buffer> response = outcome.result();
            String retryAfter = response.getHeader("Retry-After");
            outcomes.put(id, response.statusCode());
            results.add(new Result(id, response.statusCode(), null, sentAt, System.currentTimeMillis(), retryAfter,
                response.getHeader("Content-Type"), response.getHeader("Connection")));
            if ((response.statusCode() == 503 || response.statusCode() == 429) && retryAfter != null
                && retryAfter.matches("\\d{1,4}")) {
              pause = Long.parseLong(retryAfter) * 1_000;
            }
          } else {
            outcomes.put(id, -1);
            results.add(new Result(id, -1, classify(outcome.cause()), sentAt, System.currentTimeMillis(), null, null,
                String.valueOf(outcome.cause())));
            pause = 100;
          }
          if (polite && pause > 0 && running.get()) {
            vertx.setTimer(pause, t -> next());
          } else {
            next();
          }
        });
  }

  static Failure classify(Throwable failure) {
    for (Throwable each = failure; each != null; each = each.getCause() == each ? null : each.getCause()) {
      if (each instanceof ConnectException) {
        return Failure.REFUSED;
      }
      if (each instanceof TimeoutException) {
        return Failure.TIMEOUT;
      }
      if (each instanceof HttpClosedException || each instanceof ClosedChannelException
          || (each instanceof IOException && String.valueOf(each.getMessage()).contains("reset"))) {
        return Failure.CLOSED;
      }
    }
    return Failure.OTHER;
  }

  /** Stops sending and waits for the answers still outstanding. */
  public ScanLoad stop() {
    running.set(false);
    stopped.future().await();
    return this;
  }

  public Map<String, Integer> outcomes() {
    return outcomes;
  }

  /** Every request in the order answered, with its failure kind and timing. */
  public List<Result> results() {
    return new ArrayList<>(results);
  }

  public long count(int status) {
    return outcomes.values().stream().filter(s -> s == status).count();
  }

  public long count(Failure failure) {
    return results.stream().filter(r -> r.failure() == failure).count();
  }

  public long acknowledged() {
    return outcomes.values().stream().filter(s -> s == 200 || s == 201).count();
  }

  public long maxLatencyMillis() {
    return latencies.stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /**
   * The invariants after a fault: every acknowledged scan is in scan_history exactly once; a
   * failed one is there at most once; the matched row's counter equals the history; and a
   * client retry of every failed scan with the same id settles it. Prints the summary line.
   */
  public void assertNothingLostNothingDoubled(String fault, TestDatabase database, RunningService service,
                                              String rowId, long recoveryMillis) {
    long acknowledged = acknowledged();
    long unavailable = count(503) + count(504);
    long other = outcomes.size() - acknowledged - unavailable;
    long inHistory = database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'");
    System.out.printf("FAULT %-28s sent=%d 2xx=%d 503/504=%d other=%d acknowledged=%d in_history=%d recovery_ms=%d max_latency_ms=%d%n",
        fault, outcomes.size(), acknowledged, unavailable, other, acknowledged, inHistory, recoveryMillis, maxLatencyMillis());

    assertAcknowledgedStoredExactlyOnce(database, rowId);

    // The client retries every scan it got no 2xx for, with the same id: that settles them.
    outcomes.forEach((id, status) -> {
      if (status != 200 && status != 201) {
        HttpResponse<Buffer> retry = service.post("/api/scans", new JsonObject().put("id", id).put("table_id", tableId)
            .put("column_name", "code").put("barcode", barcode));
        assertThat(retry.statusCode()).as("retry of " + id).isIn(200, 201);
      }
    });
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'"))
        .as("after the retries every scan is stored exactly once").isEqualTo(outcomes.size());
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + rowId + "'")).isEqualTo(outcomes.size());
  }

  /**
   * The invariants that need no running service: every acknowledged (2xx) scan is in
   * scan_history exactly once, nothing beyond what was sent is stored, and the matched row's
   * counter equals the table's history.
   */
  public void assertAcknowledgedStoredExactlyOnce(TestDatabase database, String rowId) {
    long acknowledged = acknowledged();
    long inHistory = database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'");
    String acknowledgedIds = ids(s -> s == 200 || s == 201);
    if (!acknowledgedIds.isEmpty()) {
      // scan_history.id is the primary key, so "stored" is "stored exactly once".
      assertThat(database.count("SELECT count(*) FROM scan_history WHERE id IN (" + acknowledgedIds + ")"))
          .as("every acknowledged scan is stored").isEqualTo(acknowledged);
    }
    assertThat(inHistory).as("nothing stored beyond what was sent").isLessThanOrEqualTo(outcomes.size());
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + rowId + "'"))
        .as("the row's counter matches the history exactly").isEqualTo(inHistory);
  }

  private String ids(java.util.function.IntPredicate status) {
    StringBuilder list = new StringBuilder();
    outcomes.forEach((id, s) -> {
      if (status.test(s)) {
        list.append(list.length() == 0 ? "" : ",").append('\'').append(id).append('\'');
      }
    });
    return list.toString();
  }

  /** Polls a route until it answers 200; returns how long that took, or fails after the limit. */
  public static long awaitStatus200(RunningService service, String path, long limitMillis) throws InterruptedException {
    long start = System.currentTimeMillis();
    while (System.currentTimeMillis() - start < limitMillis) {
      if (service.get(path).statusCode() == 200) {
        return System.currentTimeMillis() - start;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(path + " did not answer 200 within " + limitMillis + " ms");
  }

}
