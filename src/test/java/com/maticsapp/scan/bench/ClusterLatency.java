package com.maticsapp.scan.bench;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.FreePorts;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.Tokens;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End-to-end latency across the clustered event bus: {@code POST /api/scans} on member A to the
 * {@code scans.recorded} message arriving at a consumer registered on member B, at a fixed
 * (open-loop) scan rate. Both members run in this JVM, each a clustered Vert.x built by
 * Application with its own Hazelcast member and event bus on 127.0.0.1, over one fresh database
 * (the test server, see TestDatabase); both ends of the measurement read the same clock.
 *
 * <p>Latency runs from the moment a scan was scheduled to be sent (so a stalled sender cannot
 * hide queueing) to its arrival in B's handler. A consumer on A receives the same publication;
 * B's arrival minus A's is the hop between members alone. The client runs on a Vert.x of its own.
 *
 * <pre>bench/cluster-latency.sh [--rate 200] [--seconds 10] [--warmup 3] [--rows 1000]</pre>
 */
public final class ClusterLatency {

  private ClusterLatency() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    int rate = Integer.parseInt(options.getOrDefault("rate", "200"));
    int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
    int warmup = Integer.parseInt(options.getOrDefault("warmup", "3"));
    int rows = Integer.parseInt(options.getOrDefault("rows", "1000"));

    try (TestDatabase database = TestDatabase.create()) {
      List<Integer> ports = FreePorts.loopback(2);
      List<String> members = ports.stream().map(port -> "127.0.0.1:" + port).toList();
      RunningService a = RunningService.startClustered(database, ports.get(0), members, Map.of());
      RunningService b = RunningService.startClustered(database, ports.get(1), members, Map.of());
      Vertx clientVertx = Vertx.vertx();
      try {
        String tableId = table(a, rows);
        Run warm = drive(clientVertx, a, b, tableId, rows, rate, warmup);
        System.out.printf("CLUSTER-LATENCY warm-up: %d scans in %d s%n", warm.sent(), warmup);
        Run run = drive(clientVertx, a, b, tableId, rows, rate, seconds);
        report(run, rate, seconds);
      } finally {
        clientVertx.close().await();
        b.close();
        a.close();
      }
    }
    System.exit(0); // Hazelcast and Vert.x threads are gone; nothing left to wait for
  }

  /** A table with a barcode column "code" and {@code rows} rows CODE-0 … CODE-(rows-1). */
  private static String table(RunningService a, int rows) {
    String tableId = new Fixtures(a).table().getString("id");
    JsonArray bulk = new JsonArray();
    for (int i = 0; i < rows; i++) {
      bulk.add(new JsonObject().put("data", new JsonObject().put("code", "CODE-" + i)));
    }
    HttpResponse<Buffer> created = a.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", bulk));
    if (created.statusCode() != 201) {
      throw new IllegalStateException("bulk rows: " + created.statusCode() + " " + created.bodyAsString());
    }
    return tableId;
  }

  record Run(long[] endToEndNanos, long[] hopNanos, long[] httpNanos, int sent, int acknowledged, int notArrived, double seconds) {}

  /** Sends {@code rate} scans a second for {@code seconds} to A and waits (bounded) for B to see them all. */
  private static Run drive(Vertx clientVertx, RunningService a, RunningService b, String tableId, int rows,
                           int rate, int seconds) throws InterruptedException {
    Map<String, Long> scheduled = new ConcurrentHashMap<>();
    Map<String, Long> arrived = new ConcurrentHashMap<>();
    Map<String, Long> arrivedOnA = new ConcurrentHashMap<>();
    List<Long> http = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger acknowledged = new AtomicInteger();
    MessageConsumer<JsonObject> consumer = b.vertx().eventBus().consumer(Addresses.SCANS_RECORDED, message -> {
      long now = System.nanoTime();
      String id = message.body().getString("id");
      if (id != null && scheduled.containsKey(id)) {
        arrived.putIfAbsent(id, now);
      }
    });
    consumer.completion().await();
    // The same publication seen on A itself: B's arrival minus A's is the hop between members.
    MessageConsumer<JsonObject> local = a.vertx().eventBus().consumer(Addresses.SCANS_RECORDED, message -> {
      long now = System.nanoTime();
      String id = message.body().getString("id");
      if (id != null && scheduled.containsKey(id)) {
        arrivedOnA.putIfAbsent(id, now);
      }
    });
    local.completion().await();
    awaitConsumerSeenFrom(a, b);

    WebClient client = WebClient.create(clientVertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(a.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(64));
    String token = Tokens.bearer(Tokens.user(RunningService.USER)); // the user who owns the table
    int total = rate * seconds;
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    for (int i = 0; i < total; i++) {
      long due = start + i * intervalNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      String id = UUID.randomUUID().toString();
      JsonObject body = new JsonObject().put("id", id).put("table_id", tableId).put("column_name", "code")
          .put("barcode", "CODE-" + ThreadLocalRandom.current().nextInt(rows)).put("source", "bench");
      scheduled.put(id, due);
      client.post("/api/scans").putHeader("Content-Type", "application/json").putHeader("Authorization", token)
          .sendBuffer(body.toBuffer())
          .onSuccess(response -> {
            if (response.statusCode() == 201) {
              acknowledged.incrementAndGet();
              http.add(System.nanoTime() - due);
            }
          });
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((arrived.size() < total || acknowledged.get() < total) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    consumer.unregister().await();
    local.unregister().await();
    client.close();
    long[] endToEnd = arrived.entrySet().stream().mapToLong(e -> e.getValue() - scheduled.get(e.getKey())).sorted().toArray();
    long[] hop = arrived.entrySet().stream().filter(e -> arrivedOnA.containsKey(e.getKey()))
        .mapToLong(e -> e.getValue() - arrivedOnA.get(e.getKey())).sorted().toArray();
    long[] httpSorted;
    synchronized (http) {
      httpSorted = http.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    return new Run(endToEnd, hop, httpSorted, total, acknowledged.get(), total - arrived.size(), elapsed);
  }

  /** B's consumer has to be known on A before A's publications include it: probe until one arrives. */
  private static void awaitConsumerSeenFrom(RunningService a, RunningService b) throws InterruptedException {
    String probe = UUID.randomUUID().toString();
    Map<String, Boolean> seen = new ConcurrentHashMap<>();
    MessageConsumer<JsonObject> watcher = b.vertx().eventBus().consumer(Addresses.SCANS_RECORDED, message -> {
      if (probe.equals(message.body().getString("probe"))) {
        seen.put(probe, true);
      }
    });
    watcher.completion().await();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!seen.containsKey(probe) && System.nanoTime() < deadline) {
      a.vertx().eventBus().publish(Addresses.SCANS_RECORDED, new JsonObject().put("probe", probe));
      Thread.sleep(50);
    }
    watcher.unregister().await();
    if (!seen.containsKey(probe)) {
      throw new IllegalStateException("B's consumer never became reachable from A");
    }
  }

  private static void report(Run run, int rate, int seconds) {
    System.out.printf("CLUSTER-LATENCY rate=%d/s duration=%ds sent=%d acknowledged_201=%d not_arrived_on_B=%d send_window_s=%.2f%n",
        rate, seconds, run.sent(), run.acknowledged(), run.notArrived(), run.seconds());
    System.out.printf("CLUSTER-LATENCY POST on A -> scans.recorded on B: p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms (n=%d)%n",
        millis(run.endToEndNanos(), 0.50), millis(run.endToEndNanos(), 0.90), millis(run.endToEndNanos(), 0.99),
        millis(run.endToEndNanos(), 1.0), run.endToEndNanos().length);
    System.out.printf("CLUSTER-LATENCY consumer on A -> consumer on B:   p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms (n=%d)%n",
        millis(run.hopNanos(), 0.50), millis(run.hopNanos(), 0.90), millis(run.hopNanos(), 0.99),
        millis(run.hopNanos(), 1.0), run.hopNanos().length);
    System.out.printf("CLUSTER-LATENCY POST on A -> 201 response:        p50=%.2f ms p90=%.2f ms p99=%.2f ms max=%.2f ms (n=%d)%n",
        millis(run.httpNanos(), 0.50), millis(run.httpNanos(), 0.90), millis(run.httpNanos(), 0.99),
        millis(run.httpNanos(), 1.0), run.httpNanos().length);
  }

  /** Nearest-rank percentile of sorted values, in milliseconds. */
  private static double millis(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(quantile * sorted.length);
    return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] / 1e6;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("usage: [--rate N] [--seconds N] [--warmup N] [--rows N]; got " + Arrays.toString(args));
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }
}
