package com.maticsapp.scan.bench;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.Tokens;
import com.maticsapp.scan.support.WebhookReceiver;
import com.maticsapp.scan.support.WebhookReceiver.Answer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.ArrayList;
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
 * Scans with and without webhooks, in the same run on the same service: phases alternate
 * between a table whose workspace has no endpoints and one whose workspace has two (a fast
 * receiver answering 200 and a failing one answering 500), each at a fixed open-loop scan rate.
 * Reported per phase: scans acknowledged per second and the HTTP latency; for the webhook
 * phases, the delay from the moment a scan was scheduled to its delivery at the fast receiver
 * (same JVM, same clock), and whether every scan reached it.
 *
 * <p>The service runs with the production retry schedule (first retry after 5 s) so the
 * failing endpoint's retries are what they would be in production.
 *
 * <pre>bench/webhooks.sh [--rate 1000] [--seconds 10] [--rounds 2] [--rows 1000]</pre>
 */
public final class WebhookThroughput {

  private WebhookThroughput() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    int rate = Integer.parseInt(options.getOrDefault("rate", "1000"));
    int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
    int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
    int rows = Integer.parseInt(options.getOrDefault("rows", "1000"));

    try (TestDatabase database = TestDatabase.create();
         WebhookReceiver fast = WebhookReceiver.start();
         WebhookReceiver failing = WebhookReceiver.start().answerByDefault(Answer.status(500))) {
      RunningService service = RunningService.start(database.url(), Map.of(
          "WEBHOOKS_INITIAL_BACKOFF", "5s", "WEBHOOKS_MAX_BACKOFF", "6h", "WEBHOOKS_POLL_INTERVAL", "250ms"));
      Vertx clientVertx = Vertx.vertx();
      try {
        Fixtures fixtures = new Fixtures(service);
        String plain = table(service, fixtures, rows);
        String hooked = table(service, fixtures, rows);
        String hookedWorkspace = service.get("/api/tables/" + hooked).bodyAsJsonObject().getString("workspace_id");
        fixtures.webhook(hookedWorkspace, fast.url(), "scan.recorded");
        fixtures.webhook(hookedWorkspace, failing.url(), "scan.recorded");

        drive(clientVertx, service, plain, rows, rate, 3, null); // warm-up
        drive(clientVertx, service, hooked, rows, rate, 3, fast);
        List<Phase> plainPhases = new ArrayList<>();
        List<Phase> hookedPhases = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
          plainPhases.add(report("no-webhooks", drive(clientVertx, service, plain, rows, rate, seconds, null)));
          hookedPhases.add(report("two-endpoints", drive(clientVertx, service, hooked, rows, rate, seconds, fast)));
        }
        double plainRate = plainPhases.stream().mapToDouble(Phase::ackPerSecond).average().orElse(0);
        double hookedRate = hookedPhases.stream().mapToDouble(Phase::ackPerSecond).average().orElse(0);
        System.out.printf("WEBHOOKS summary: rate=%d/s no-webhooks=%.0f/s two-endpoints=%.0f/s ratio=%.3f; "
                + "failing endpoint got %d attempts; outbox pending now=%d%n",
            rate, plainRate, hookedRate, hookedRate / plainRate, failing.received().size(),
            database.count("SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'"));
      } finally {
        clientVertx.close().await();
        service.close();
      }
    }
    System.exit(0);
  }

  private static String table(RunningService service, Fixtures fixtures, int rows) {
    String tableId = fixtures.table().getString("id");
    JsonArray bulk = new JsonArray();
    for (int i = 0; i < rows; i++) {
      bulk.add(new JsonObject().put("data", new JsonObject().put("code", "CODE-" + i)));
    }
    HttpResponse<Buffer> created = service.post("/api/tables/" + tableId + "/rows/bulk", new JsonObject().put("rows", bulk));
    if (created.statusCode() != 201) {
      throw new IllegalStateException("bulk rows: " + created.statusCode() + " " + created.bodyAsString());
    }
    return tableId;
  }

  record Phase(int sent, int acknowledged, double seconds, long[] httpNanos, long[] deliveryNanos, int undelivered) {
    double ackPerSecond() {
      return acknowledged / seconds;
    }
  }

  /**
   * {@code rate} scans a second for {@code seconds}; the rate achieved is the scans acknowledged
   * (201) between the first send and the last answer. With a receiver, waits (bounded) for every
   * scan to reach it.
   */
  private static Phase drive(Vertx clientVertx, RunningService service, String tableId, int rows, int rate, int seconds,
                             WebhookReceiver receiver) throws InterruptedException {
    Map<String, Long> scheduled = new ConcurrentHashMap<>();
    List<Long> http = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger acknowledged = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    long[] lastAnswer = {0};
    int before = receiver == null ? 0 : receiver.received().size();
    WebClient client = WebClient.create(clientVertx, new WebClientOptions()
        .setDefaultHost("127.0.0.1").setDefaultPort(service.port()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(128));
    String token = Tokens.bearer(Tokens.user(RunningService.USER));
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
          .onComplete(response -> {
            long now = System.nanoTime();
            if (response.succeeded() && response.result().statusCode() == 201) {
              acknowledged.incrementAndGet();
              http.add(now - due);
            }
            synchronized (lastAnswer) {
              lastAnswer[0] = Math.max(lastAnswer[0], now);
            }
            answered.incrementAndGet();
          });
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (answered.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    double elapsed = (lastAnswer[0] - start) / 1e9;
    long[] delivery = new long[0];
    int undelivered = 0;
    if (receiver != null) {
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (receiver.accepted().size() - before < acknowledged.get() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Map<String, Long> arrived = new HashMap<>();
      long offset = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
      receiver.accepted().values().forEach(r -> {
        String scanId = r.json().getJsonObject("data").getString("id");
        if (scheduled.containsKey(scanId)) {
          arrived.putIfAbsent(scanId, TimeUnit.MILLISECONDS.toNanos(r.atMillis()) + offset);
        }
      });
      delivery = arrived.entrySet().stream().mapToLong(e -> e.getValue() - scheduled.get(e.getKey())).sorted().toArray();
      undelivered = acknowledged.get() - arrived.size();
    }
    client.close();
    long[] httpSorted;
    synchronized (http) {
      httpSorted = http.stream().mapToLong(Long::longValue).sorted().toArray();
    }
    return new Phase(total, acknowledged.get(), elapsed, httpSorted, delivery, undelivered);
  }

  private static Phase report(String name, Phase phase) {
    System.out.printf("WEBHOOKS %-13s sent=%d acknowledged=%d in %.2f s -> %.0f scans/s; POST->201 p50=%.2f p99=%.2f ms",
        name, phase.sent(), phase.acknowledged(), phase.seconds(), phase.ackPerSecond(),
        millis(phase.httpNanos(), 0.50), millis(phase.httpNanos(), 0.99));
    if (phase.deliveryNanos().length > 0 || phase.undelivered() > 0) {
      System.out.printf("; scan->fast receiver p50=%.1f p99=%.1f max=%.1f ms (n=%d, undelivered=%d)",
          millis(phase.deliveryNanos(), 0.50), millis(phase.deliveryNanos(), 0.99), millis(phase.deliveryNanos(), 1.0),
          phase.deliveryNanos().length, phase.undelivered());
    }
    System.out.println();
    return phase;
  }

  /** Nearest-rank percentile of sorted values, in milliseconds. */
  private static double millis(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return options;
  }
}
