package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.ScanCursor;
import com.maticsapp.scan.config.AppConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * {@code GET /api/tables/{table_id}/scans/stream}: the scans recorded on a table, live, as
 * Server-Sent Events ({@link ScanStream} is one stream).
 *
 * <p>Each HTTP verticle instance has ONE consumer of {@code scans.recorded}, registered when it
 * starts (on the clustered event bus it receives the publications of every member), and hands
 * each scan to the open streams of its table. One consumer per instance rather than one per
 * stream: a scan is copied and encoded once per instance whatever the number of streams, and
 * opening or closing a stream registers nothing on the event bus (in a cluster, nothing in the
 * cluster-wide subscription map). A stream joins its table's set before the data verticle is
 * asked for its replay, so nothing recorded in between is missed.
 *
 * <p>Metrics: {@code matic_scan_streams_opened_total}, {@code matic_scan_streams_ended_total}
 * by {@code reason} ({@code client}, {@code overflow}, {@code shutdown}), the gauge
 * {@code matic_scan_streams_open}, and {@code matic_scan_streams_refused_total} by
 * {@code limit} ({@code caller}, {@code instance}).
 *
 * <p>Bounds ({@link StreamSlots}): a caller over {@code http.stream.maxPerCaller} open streams
 * gets 429, an instance at {@code http.stream.maxOpen} answers 503; both with Retry-After.
 */
final class ScanStreamRoutes {

  private static final Logger log = LoggerFactory.getLogger(ScanStreamRoutes.class);
  static final String OPENED = "matic.scan.streams.opened";
  static final String ENDED = "matic.scan.streams.ended";
  static final String OPEN = "matic.scan.streams.open";
  static final String REFUSED = "matic.scan.streams.refused";

  private final Vertx vertx;
  private final DataClient data;
  private final Responses responses;
  private final AppConfig.StreamConfig config;
  private final StreamSlots slots;
  private final MeterRegistry registry;
  /** Table id → its open (or opening) streams on this instance. */
  private final Map<String, Set<ScanStream>> byTable = new HashMap<>();
  private MessageConsumer<JsonObject> consumer;
  private MessageConsumer<JsonObject> undoneConsumer;
  private MessageConsumer<JsonObject> importConsumer;
  private MessageConsumer<JsonObject> tableConsumer;
  /** The door's numbers for the streams that asked for them. */
  private final StatusFeed statusFeed;

  ScanStreamRoutes(Vertx vertx, DataClient data, Responses responses, AppConfig.StreamConfig config, StreamSlots slots,
                   MeterRegistry registry) {
    this.vertx = vertx;
    this.data = data;
    this.responses = responses;
    this.config = config;
    this.slots = slots;
    this.registry = registry;
    this.statusFeed = new StatusFeed(vertx, data, config.statusInterval().toMillis(), this::statusRead);
    // One gauge per registry, whichever instance registers it first; it reads the counters.
    Gauge.builder(OPEN, registry, r -> total(r, OPENED) - total(r, ENDED))
        .description("Open live scan streams (SSE)")
        .strongReference(true)
        .register(registry);
  }

  private static double total(MeterRegistry registry, String name) {
    return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Registers this instance's scans.recorded consumer; completes once it is registered. */
  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.SCANS_RECORDED, this::recorded);
    undoneConsumer = vertx.eventBus().consumer(Addresses.SCANS_UNDONE, this::undone);
    importConsumer = vertx.eventBus().consumer(Addresses.IMPORTS_PROGRESS, this::importProgress);
    tableConsumer = vertx.eventBus().consumer(Addresses.TABLES_CHANGED, this::tableChanged);
    return Future.all(consumer.completion(), undoneConsumer.completion(), importConsumer.completion(),
        tableConsumer.completion()).mapEmpty();
  }

  /**
   * Drain start: every stream ends with a {@code shutdown} event (one still opening is
   * answered 503). A stream's response never ends by itself, so otherwise each would hold
   * the drain until its deadline.
   */
  void endAll() {
    List<ScanStream> open = new ArrayList<>();
    byTable.values().forEach(open::addAll);
    if (!open.isEmpty()) {
      log.info("draining: ending {} live scan streams", open.size());
    }
    open.forEach(stream -> stream.shutdown(responses));
  }

  /** Unregisters the consumer (after the drain: no stream is left). */
  Future<Void> unsubscribe() {
    statusFeed.stop();
    return consumer == null ? Future.succeededFuture()
        : Future.join(consumer.unregister(), undoneConsumer.unregister(), importConsumer.unregister(),
            tableConsumer.unregister()).mapEmpty();
  }

  /** GET /api/tables/:table_id/scans/stream */
  void stream(RoutingContext ctx) {
    String tableId = Requests.pathId(ctx, "table_id").toString();
    String caller = RateLimiter.callerKey(Authentication.caller(ctx));
    StreamSlots.Refusal refusal = slots.acquire(caller);
    if (refusal != StreamSlots.Refusal.NONE) {
      refused(ctx, refusal);
      return;
    }
    // Given back when the response ends or the connection closes, whichever way the stream goes.
    ctx.addEndHandler(done -> slots.release(caller));
    String lastEventId = lastEventId(ctx);
    ScanCursor resume = ScanCursor.decode(lastEventId);
    // A bad value fails the request (422); the slot is given back by the end handler above.
    boolean wantsStatus = Boolean.TRUE.equals(Requests.boolParam(ctx, "status"));
    ScanStream stream = new ScanStream(vertx, ctx, tableId, resume, resume == null ? lastEventId : null, wantsStatus,
        config, this::ended);
    // Subscribed before the data verticle reads: a scan recorded in between arrives live.
    byTable.computeIfAbsent(tableId, id -> new LinkedHashSet<>()).add(stream);
    ctx.addEndHandler(done -> stream.closed()); // not closeHandler: the router's end handlers (the drain's count) need theirs
    JsonObject query = new JsonObject()
        .put("table_id", tableId)
        .put("after", resume == null ? null : resume.encode())
        .put("limit", config.replayMax());
    data.request(ctx, Addresses.SCANS_SINCE, query).onComplete(since -> {
      if (since.succeeded()) {
        stream.open(since.result());
        if (stream.opened()) {
          Counter.builder(OPENED).description("Live scan streams (SSE) opened").register(registry).increment();
          if (wantsStatus) {
            statusFeed.wantAll(tableId); // its first numbers: every barcode column's
          }
        }
      } else {
        stream.abandon();
        responses.failure(ctx, since.cause());
      }
    });
  }

  private void refused(RoutingContext ctx, StreamSlots.Refusal refusal) {
    boolean caller = refusal == StreamSlots.Refusal.CALLER;
    Counter.builder(REFUSED).description("Live scan streams refused, by the limit that was reached: caller, instance")
        .tag("limit", caller ? "caller" : "instance").register(registry).increment();
    if (caller) {
      responses.problem(ctx, 429, "Too many requests", "this caller already holds " + slots.maxPerCaller()
          + " live scan streams (http.stream.maxPerCaller); close one or retry later", null);
    } else {
      responses.problem(ctx, 503, "Service unavailable", "this instance holds its most live scan streams ("
          + slots.maxOpen() + "); retry later", null);
    }
  }

  /** The Last-Event-ID header (what EventSource sends on reconnect), else ?last_event_id=; blank is none. */
  private static String lastEventId(RoutingContext ctx) {
    String header = ctx.request().getHeader("Last-Event-ID");
    if (header != null && !header.isBlank()) {
      return header.trim();
    }
    String query = ctx.queryParams().get("last_event_id");
    return query == null || query.isBlank() ? null : query.trim();
  }

  private void recorded(Message<JsonObject> message) {
    if (!(((Message<?>) message).body() instanceof JsonObject scan)) {
      return;
    }
    Set<ScanStream> streams = byTable.get(scan.getString("table_id"));
    if (streams == null) {
      return;
    }
    ScanCursor cursor = ScanCursor.of(scan);
    if (cursor == null) {
      log.warn("scans.recorded message without created_at/id ignored by the scan streams: {}", scan.getString("id"));
      return;
    }
    String json = scan.encode();
    // A copy: a stream may end (overflow) and leave the set while it is handed the scan.
    for (ScanStream stream : List.copyOf(streams)) {
      stream.live(scan.getString("id"), cursor, json);
    }
    numbersMayHaveChanged(scan);
  }

  /**
   * An import job's progress ({@code imports.progress}) as an {@code import} event of its
   * table's streams: the counts and the status only. The report (mapping, problems) is for
   * whoever started the job and reads it by id; a guest's phone may hold the stream too.
   */
  private void importProgress(Message<JsonObject> message) {
    if (!(((Message<?>) message).body() instanceof JsonObject job)) {
      return;
    }
    if (byTable.containsKey(job.getString("table_id"))) {
      JsonObject progress = new JsonObject();
      for (String key : List.of("id", "table_id", "status", "rows_read", "rows_staged", "error_count", "updated_at", "finished_at")) {
        progress.put(key, job.getValue(key));
      }
      toStreams(job.getString("table_id"), progress, ScanStream::importProgress);
    }
  }

  /** A table edit ({@code tables.changed}) as a {@code table} event of its streams. */
  private void tableChanged(Message<JsonObject> message) {
    if (!(((Message<?>) message).body() instanceof JsonObject change)) {
      return;
    }
    toStreams(change.getString("table_id"), change, ScanStream::tableChanged);
  }

  private void undone(Message<JsonObject> message) {
    if (!(((Message<?>) message).body() instanceof JsonObject scan)) {
      return;
    }
    if (toStreams(scan.getString("table_id"), scan, ScanStream::undone)) {
      numbersMayHaveChanged(scan);
    }
  }

  /** A scan of a table with streams was recorded or undone: its column's numbers, if a stream wants them. */
  private void numbersMayHaveChanged(JsonObject scan) {
    String tableId = scan.getString("table_id");
    String columnId = scan.getString("column_id");
    Set<ScanStream> streams = byTable.get(tableId);
    if (columnId != null && streams != null && streams.stream().anyMatch(ScanStream::wantsStatus)) {
      statusFeed.changed(tableId, columnId);
    }
  }

  /** The feed read a column's numbers: to each stream of the table that asked for them. */
  private void statusRead(String tableId, JsonObject status) {
    toStreams(tableId, status, ScanStream::status);
  }

  /**
   * One event to every stream of a table, encoded once; false when the table has none. A copy
   * of the set: a stream may end (overflow) and leave it while it is handed the event.
   */
  private boolean toStreams(String tableId, JsonObject event, BiConsumer<ScanStream, String> send) {
    Set<ScanStream> streams = byTable.get(tableId);
    if (streams == null) {
      return false;
    }
    String json = event.encode();
    List.copyOf(streams).forEach(stream -> send.accept(stream, json));
    return true;
  }

  private void ended(ScanStream stream) {
    Set<ScanStream> streams = byTable.get(stream.tableId());
    if (streams != null && streams.remove(stream)) {
      if (streams.isEmpty()) {
        byTable.remove(stream.tableId());
      }
      if (streams.stream().noneMatch(ScanStream::wantsStatus)) {
        statusFeed.forget(stream.tableId());
      }
    }
    if (stream.opened()) {
      Counter.builder(ENDED).description("Live scan streams (SSE) ended, by reason: client, overflow, shutdown")
          .tag("reason", stream.endReason() == null ? "client" : stream.endReason())
          .register(registry).increment();
    }
  }
}
