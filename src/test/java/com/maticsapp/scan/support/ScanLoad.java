package com.maticsapp.scan.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Steady scan traffic for fault tests: {@code concurrency} clients each send scans with client
 * ids back to back until stopped, and every answer is kept (id → status, or -1 when the request
 * itself failed or timed out). Afterwards it checks the invariants against the database and
 * prints one summary line per fault.
 */
public final class ScanLoad {

  private final WebClient client;
  private final String tableId;
  private final String barcode;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<String, Integer> outcomes = new ConcurrentHashMap<>();
  private final List<Long> latencies = new CopyOnWriteArrayList<>();
  private final Promise<Void> stopped = Promise.promise();
  private int active;

  private ScanLoad(WebClient client, String tableId, String barcode) {
    this.client = client;
    this.tableId = tableId;
    this.barcode = barcode;
  }

  /** Starts the load on the service's own Vert.x (its event loops, never blocked). */
  public static ScanLoad start(RunningService service, String tableId, String barcode, int concurrency) {
    ScanLoad load = new ScanLoad(service.client(), tableId, barcode);
    service.vertx().runOnContext(v -> {
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
    client.post("/api/scans").putHeader("Content-Type", "application/json").timeout(15_000)
        .sendJsonObject(new JsonObject().put("id", id).put("table_id", tableId).put("column_name", "code").put("barcode", barcode))
        .onComplete(outcome -> {
          latencies.add((System.nanoTime() - started) / 1_000_000);
          outcomes.put(id, outcome.succeeded() ? outcome.result().statusCode() : -1);
          next();
        });
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

  public long count(int status) {
    return outcomes.values().stream().filter(s -> s == status).count();
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
    long acknowledged = outcomes.values().stream().filter(s -> s == 200 || s == 201).count();
    long unavailable = count(503) + count(504);
    long other = outcomes.size() - acknowledged - unavailable;
    long inHistory = database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'");
    System.out.printf("FAULT %-28s sent=%d 2xx=%d 503/504=%d other=%d acknowledged=%d in_history=%d recovery_ms=%d max_latency_ms=%d%n",
        fault, outcomes.size(), acknowledged, unavailable, other, acknowledged, inHistory, recoveryMillis, maxLatencyMillis());

    String acknowledgedIds = ids(s -> s == 200 || s == 201);
    if (!acknowledgedIds.isEmpty()) {
      assertThat(database.count("SELECT count(*) FROM scan_history WHERE id IN (" + acknowledgedIds + ")"))
          .as("every acknowledged scan is stored").isEqualTo(acknowledged);
    }
    assertThat(inHistory).as("nothing stored beyond what was sent").isLessThanOrEqualTo(outcomes.size());
    assertThat(database.count("SELECT scan_count FROM table_rows WHERE id = '" + rowId + "'"))
        .as("the row's counter matches the history exactly").isEqualTo(inHistory);

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
