package com.maticsapp.scan.bench;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ScanLoad;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offline copy's sizes and speeds (docs/benchmarks.md, "Offline copies"), in one run on one
 * service with pool max size 1, over loopback:
 * <ul>
 *   <li>a snapshot of a barcode column of {@code --rows} rows, streamed plain and gzip-compressed:
 *       time to the last byte (median of {@code --runs}), bytes per row, and the JVM's heap
 *       peak above its level before the download (the service streams page by page, so it must
 *       stay flat however large the column);</li>
 *   <li>a delta after 100 changed rows (median of {@code --runs});</li>
 *   <li>scans per second with and without snapshots streaming at the same time (closed-loop
 *       scanners, {@code --seconds} per phase, alternating, two rounds).</li>
 * </ul>
 * The client counts bytes as they arrive and keeps none of them.
 *
 * <pre>bench/snapshot.sh [--rows 100000] [--runs 5] [--seconds 10] [--scanners 32] [--page-rows N (default: sync.snapshotPageRows)]</pre>
 */
public final class SnapshotThroughput {

  private static final Pattern CURSOR = Pattern.compile("\"cursor\":\"([^\"]+)\"");

  private SnapshotThroughput() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    int rows = Integer.parseInt(options.getOrDefault("rows", "100000"));
    int runs = Integer.parseInt(options.getOrDefault("runs", "5"));
    int seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
    int scanners = Integer.parseInt(options.getOrDefault("scanners", "32"));
    String pageRows = options.get("page-rows"); // null: the service's own default

    try (TestDatabase database = TestDatabase.create()) {
      Map<String, String> environment = new java.util.HashMap<>(Map.of("DB_POOL_MAX_SIZE", "1"));
      if (pageRows != null) {
        environment.put("SYNC_SNAPSHOT_PAGE_ROWS", pageRows);
      }
      RunningService service = RunningService.start(database.url(), environment);
      System.out.printf("SNAPSHOT pool max size 1, %d rows per snapshot page, max heap %d MiB%n",
          service.config().sync().snapshotPageRows(), Runtime.getRuntime().maxMemory() / 1048576);
      Vertx clientVertx = Vertx.vertx();
      try {
        Fixtures fixtures = new Fixtures(service);
        JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "once")
            .put("display_columns", new io.vertx.core.json.JsonArray().add("name").add("ticket_type")));
        String tableId = table.getString("id");
        String column = Fixtures.columnId(table, "ticket");
        long seeded = System.nanoTime();
        database.execute("INSERT INTO table_rows (table_id, data) SELECT '" + tableId + "', jsonb_build_object("
            + "'ticket', 'TICKET-' || lpad(g::text, 7, '0'), 'name', 'Guest number ' || g, 'ticket_type', "
            + "(ARRAY['standard', 'vip', 'press'])[1 + g % 3], 'email', 'guest' || g || '@example.org', 'paid', g % 7 <> 0) "
            + "FROM generate_series(1, " + rows + ") g", "VACUUM ANALYZE table_rows", "VACUUM ANALYZE barcode_values");
        System.out.printf("SNAPSHOT seeded %d rows in %.1f s%n", rows, (System.nanoTime() - seeded) / 1e9);
        String scanTable = fixtures.table().getString("id");
        fixtures.row(scanTable, new JsonObject().put("code", "LOAD-1"));

        HttpClient http = clientVertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
            .setDefaultPort(service.port()).setDecompressionSupported(false));
        String token = Tokens.bearer(Tokens.user(RunningService.USER));
        String path = "/api/tables/" + tableId + "/columns/" + column + "/snapshot?device_id=bench";

        download(http, token, path, true, null); // warm-up, both encodings
        download(http, token, path, false, null);
        for (boolean gzip : new boolean[] {false, true}) {
          long[] nanos = new long[runs];
          long bytes = 0;
          long peak = 0;
          for (int i = 0; i < runs; i++) {
            System.gc();
            Thread.sleep(200);
            long before = liveHeap();
            AtomicLong highest = new AtomicLong(before);
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
              while (sampling.get()) {
                highest.accumulateAndGet(liveHeap(), Math::max);
                try {
                  Thread.sleep(5);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
            sampler.start();
            Download got = download(http, token, path, gzip, null);
            sampling.set(false);
            sampler.join();
            nanos[i] = got.nanos();
            bytes = got.bytes();
            peak = Math.max(peak, highest.get() - before);
          }
          Arrays.sort(nanos);
          System.out.printf("SNAPSHOT %-5s rows=%d runs=%d median=%.0f ms min=%.0f max=%.0f ms bytes=%d (%.1f per row) "
                  + "live heap peak above start=%.1f MiB (after-GC usage, max of runs; the body is %.1f MiB)%n",
              gzip ? "gzip" : "plain", rows, runs, nanos[runs / 2] / 1e6, nanos[0] / 1e6, nanos[runs - 1] / 1e6, bytes,
              bytes / (double) rows, peak / 1048576.0, bytes / 1048576.0);
        }

        // A delta after 100 changed rows, from a cursor just taken.
        long[] deltas = new long[runs];
        long deltaBytes = 0;
        for (int i = 0; i < runs; i++) {
          String cursor = download(http, token, path, true, CURSOR).cursor();
          database.execute("UPDATE table_rows SET data = data || jsonb_build_object('name', 'Renamed " + i + "') "
              + "WHERE id IN (SELECT id FROM table_rows WHERE table_id = '" + tableId + "' ORDER BY random() LIMIT 100)");
          Download delta = download(http, token, path + "&since=" + cursor, true, null);
          deltas[i] = delta.nanos();
          deltaBytes = delta.bytes();
        }
        Arrays.sort(deltas);
        System.out.printf("SNAPSHOT delta after 100 changed rows: median=%.1f ms min=%.1f max=%.1f ms (gzip, %d bytes)%n",
            deltas[runs / 2] / 1e6, deltas[0] / 1e6, deltas[runs - 1] / 1e6, deltaBytes);

        // Scans alone, then scans while one client after another downloads the snapshot.
        WebClient scanClient = RunningService.as(clientVertx, service.port(), Tokens.user(RunningService.USER));
        List<Double> alone = new ArrayList<>();
        List<Double> streaming = new ArrayList<>();
        scanPhase(clientVertx, scanClient, scanTable, scanners, 3, null, http, path); // warm-up
        for (int round = 0; round < 2; round++) {
          alone.add(scanPhase(clientVertx, scanClient, scanTable, scanners, seconds, null, http, path));
          streaming.add(scanPhase(clientVertx, scanClient, scanTable, scanners, seconds, token, http, path));
        }
        double a = alone.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double s = streaming.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        System.out.printf("SNAPSHOT summary: scans alone=%.0f/s while snapshots stream=%.0f/s ratio=%.3f%n", a, s, s / a);
      } finally {
        clientVertx.close().await();
        service.close();
      }
    }
    System.exit(0);
  }

  record Download(long nanos, long bytes, String cursor) {}

  /**
   * What survives collections: the heap pools' usage after their latest GC, summed. Allocation
   * that is garbage at once (a page's buffers) does not count; anything the download keeps does.
   */
  private static long liveHeap() {
    long live = 0;
    for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
        live += pool.getCollectionUsage().getUsed();
      }
    }
    return live;
  }

  /** GET path, counting bytes as they arrive; with {@code cursorOf}, the first cursor seen in the (plain) body. */
  private static Download download(HttpClient http, String token, String path, boolean gzip, Pattern cursorOf) {
    long started = System.nanoTime();
    AtomicLong bytes = new AtomicLong();
    StringBuilder head = new StringBuilder();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setURI(path)
        .putHeader("Authorization", token).setTimeout(120_000);
    if (gzip && cursorOf == null) {
      request.putHeader("Accept-Encoding", "gzip");
    }
    int status = http.request(request)
        .compose(req -> req.send())
        .compose(response -> {
          response.handler(chunk -> {
            bytes.addAndGet(chunk.length());
            if (cursorOf != null && head.length() < 4096) {
              head.append(chunk.toString());
            }
          });
          return response.end().map(done -> response.statusCode());
        })
        .await();
    if (status != 200) {
      throw new IllegalStateException("GET " + path + " answered " + status);
    }
    String cursor = null;
    if (cursorOf != null) {
      Matcher matcher = cursorOf.matcher(head);
      if (!matcher.find()) {
        throw new IllegalStateException("no cursor in the snapshot's head");
      }
      cursor = matcher.group(1);
    }
    return new Download(System.nanoTime() - started, bytes.get(), cursor);
  }

  /** Scans acknowledged per second by {@code scanners} closed-loop clients; with a token, snapshots stream meanwhile. */
  private static double scanPhase(Vertx vertx, WebClient client, String tableId, int scanners, int seconds,
                                  String streamAs, HttpClient http, String path) throws InterruptedException {
    AtomicBoolean streamingOn = new AtomicBoolean(streamAs != null);
    AtomicLong snapshots = new AtomicLong();
    Thread streamer = new Thread(() -> {
      while (streamingOn.get()) {
        download(http, streamAs, path, true, null);
        snapshots.incrementAndGet();
      }
    });
    if (streamAs != null) {
      streamer.start();
    }
    ScanLoad load = ScanLoad.start(vertx, client, tableId, "LOAD-1", scanners, false);
    long started = System.nanoTime();
    TimeUnit.SECONDS.sleep(seconds);
    load.stop();
    double elapsed = (System.nanoTime() - started) / 1e9;
    streamingOn.set(false);
    if (streamAs != null) {
      streamer.join();
    }
    double rate = load.count(201) / elapsed;
    System.out.printf("SNAPSHOT scans %-22s %.0f scans/s (%d acknowledged, %d other)%s%n",
        streamAs == null ? "alone" : "while snapshots stream", rate, load.count(201), load.results().size() - load.count(201),
        streamAs == null ? "" : " snapshots downloaded meanwhile: " + snapshots.get());
    return rate;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }
}
