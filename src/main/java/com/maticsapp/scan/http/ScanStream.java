package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.ScanCursor;
import com.maticsapp.scan.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One open {@code GET /api/tables/{table_id}/scans/stream}: a Server-Sent Events response that
 * lives on its HTTP verticle's event loop (everything here runs there, so nothing is
 * synchronised).
 *
 * <p>Life cycle. It is subscribed to the table's live scans ({@link ScanStreamRoutes}) before
 * the data verticle is asked whether the table exists and, on a resume, for the missed scans;
 * live scans that arrive meanwhile wait in {@link #early}. Then the headers go out with the
 * replayed scans (or a {@code reset}), a {@code ready} event, the early live scans the replay
 * did not already contain, and from then on every live scan as it comes.
 *
 * <p>Event ids are {@link ScanCursor}s and never go backwards on a stream: a scan whose own
 * cursor is below one already sent (a statement that began earlier committed later) is sent
 * with the highest id so far, so a client that resumes from its last id is never replayed
 * what it already has.
 *
 * <p>Memory is bounded: at most {@code bufferMax} early scans (beyond that they are dropped
 * and the client is told to {@code reset}), at most {@code bufferMax} frames waiting for a
 * full write queue (beyond that the stream ends with {@code overflow}), and the ids of the
 * replayed scans for {@link #REPLAY_SETTLE_MILLIS} at most.
 */
final class ScanStream {

  /**
   * How long after the replay a live scan may still turn out to be one the replay already
   * sent: the replay can read a committed scan before that scan's scans.recorded message has
   * reached this verticle.
   */
  static final long REPLAY_SETTLE_MILLIS = 10_000;

  /** After the last event of a stream the server ends, how long the client gets to read it before the connection is closed. */
  static final long CLOSE_LINGER_MILLIS = 5_000;

  private static final Buffer HEARTBEAT = Buffer.buffer(": keep-alive\n\n");

  private enum State { OPENING, LIVE, ENDED }

  /** A live scan that arrived before the stream was open. */
  private record Early(String id, ScanCursor cursor, String json) {}

  /** A frame waiting for the write queue, with its event id. */
  private record Pending(Buffer frame, ScanCursor id) {}

  private final Vertx vertx;
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final String tableId;
  private final ScanCursor resume;
  private final String unusableLastEventId;
  private final AppConfig.StreamConfig config;
  private final Consumer<ScanStream> onEnd;
  /** The client asked for the door's numbers ({@code ?status=true}). */
  private final boolean wantsStatus;

  private State state = State.OPENING;
  /** Live scans received while OPENING, at most bufferMax. */
  private final List<Early> early = new ArrayList<>();
  /** More live scans came while OPENING than {@link #early} may hold: the client must reload. */
  private boolean earlyOverflow;
  /** Frames waiting for the write queue to drain, at most bufferMax. */
  private final ArrayDeque<Pending> backlog = new ArrayDeque<>();
  /** Ids of the scans the replay sent, dropped when they arrive live too; null once settled. */
  private Set<String> replayedIds;
  /** The highest id given to any frame so far (queued or written). */
  private ScanCursor highest;
  /** The id of the last frame handed to the response: where a resume after an overflow starts. */
  private ScanCursor written;
  private long heartbeatTimer = -1;
  private long settleTimer = -1;
  /** The headers went out: the stream counts as opened (metrics). */
  private boolean opened;
  /** Why the server ended the stream (metrics); null while open or when the client left. */
  private String endReason;

  /**
   * @param resume              the client's Last-Event-ID as a cursor, or null
   * @param unusableLastEventId a Last-Event-ID that is not one of ours (the client must reload), or null
   * @param wantsStatus         the stream also carries {@code status} events
   */
  ScanStream(Vertx vertx, RoutingContext ctx, String tableId, ScanCursor resume, String unusableLastEventId,
             boolean wantsStatus, AppConfig.StreamConfig config, Consumer<ScanStream> onEnd) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.response = ctx.response();
    this.tableId = tableId;
    this.resume = resume;
    this.unusableLastEventId = unusableLastEventId;
    this.config = config;
    this.onEnd = onEnd;
    this.wantsStatus = wantsStatus;
    this.highest = resume;
  }

  String tableId() {
    return tableId;
  }

  boolean wantsStatus() {
    return wantsStatus;
  }

  boolean opened() {
    return opened;
  }

  String endReason() {
    return endReason;
  }

  /**
   * The data verticle's answer ({@code Addresses.SCANS_SINCE}): sends the headers, the replay
   * or a reset, {@code ready}, the early live scans, and goes live.
   */
  void open(JsonObject since) {
    if (state != State.OPENING) {
      return; // the client left, or shutdown began, while the data verticle was asked
    }
    state = State.LIVE;
    opened = true;
    response.setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    if (ctx.request().version() != HttpVersion.HTTP_2) {
      response.setChunked(true);
    }
    response.drainHandler(v -> flushBacklog());

    ScanCursor latest = ScanCursor.decode(since.getString("latest"));
    JsonArray replay = since.getJsonArray("scans", new JsonArray());
    String resetReason = null;
    if (unusableLastEventId != null) {
      resetReason = "the Last-Event-ID is not an event id of this stream";
    } else if (since.getBoolean("truncated", false)) {
      resetReason = "more than " + config.replayMax() + " scans were recorded since the Last-Event-ID";
    } else if (earlyOverflow) {
      resetReason = "more than " + config.bufferMax() + " scans arrived while the stream was opening";
    }

    Buffer preamble = Buffer.buffer();
    int replayed = 0;
    if (resetReason != null) {
      highest = ScanCursor.max(highest, latest);
      preamble.appendBuffer(frame(highest, "reset", new JsonObject()
          .put("reason", resetReason)
          .put("history", "/api/scans?table_id=" + tableId)
          .encode()));
    } else if (resume == null) {
      highest = ScanCursor.max(highest, latest);
    } else {
      replayedIds = new HashSet<>();
      for (int i = 0; i < replay.size(); i++) {
        JsonObject scan = replay.getJsonObject(i);
        highest = ScanCursor.max(highest, ScanCursor.of(scan));
        replayedIds.add(scan.getString("id"));
        preamble.appendBuffer(frame(highest, "scan", scan.encode()));
      }
      replayed = replay.size();
    }
    preamble.appendBuffer(frame(highest, "ready", new JsonObject().put("table_id", tableId).put("replayed", replayed).encode()));
    write(preamble, highest);

    List<Early> kept = List.copyOf(early);
    early.clear();
    for (Early scan : kept) {
      live(scan.id(), scan.cursor(), scan.json());
    }
    if (state != State.LIVE) {
      return; // a client already too slow for the early scans: ended with overflow
    }
    if (replayedIds != null) {
      settleTimer = vertx.setTimer(REPLAY_SETTLE_MILLIS, id -> {
        settleTimer = -1;
        replayedIds = null;
      });
    }
    heartbeatTimer = vertx.setPeriodic(config.heartbeat().toMillis(), id -> heartbeat());
  }

  /** A scan of this stream's table was recorded ({@code json} is its record, encoded). */
  void live(String id, ScanCursor cursor, String json) {
    if (resume != null && cursor != null && !cursor.isAfter(resume)) {
      // The client has every scan up to its Last-Event-ID: this one reached the stream it
      // left (each HTTP verticle gets its own copy of a scans.recorded message, and the one
      // serving the old stream can get it before this one does). The replay covers exactly
      // the scans after the resume cursor; live scans hold to the same line.
      return;
    }
    switch (state) {
      case ENDED -> { }
      case OPENING -> {
        if (earlyOverflow) {
          return;
        }
        if (early.size() >= config.bufferMax()) {
          // The client will be told to reload the history, which will hold these scans.
          early.clear();
          earlyOverflow = true;
          return;
        }
        early.add(new Early(id, cursor, json));
      }
      case LIVE -> {
        if (replayedIds != null && replayedIds.contains(id)) {
          return; // the replay already sent it
        }
        highest = ScanCursor.max(highest, cursor);
        Buffer frame = frame(highest, "scan", json);
        if (backlog.isEmpty() && !response.writeQueueFull()) {
          write(frame, highest);
        } else if (backlog.size() < config.bufferMax()) {
          backlog.add(new Pending(frame, highest));
        } else {
          end("overflow", "the client did not read its events fast enough (more than " + config.bufferMax()
              + " were waiting); reconnect with the last event id to resume");
        }
      }
    }
  }

  /**
   * A scan of this table was undone: an {@code undone} event with the scan record, without an
   * id (it does not move the resume cursor; a client that missed it reads the scan again).
   * Only once the stream is live.
   */
  void undone(String json) {
    unnumbered("undone", json);
  }

  /**
   * An import into this table made progress or ended: an {@code import} event without an id
   * ({@code {id, table_id, status, rows_read, rows_staged, error_count, updated_at, finished_at}}).
   */
  void importProgress(String json) {
    unnumbered("import", json);
  }

  /**
   * The table was edited (renamed, archived, a column added, changed or removed): a
   * {@code table} event without an id, {@code {table_id, change: table | columns}}; the client
   * reads the table again.
   */
  void tableChanged(String json) {
    unnumbered("table", json);
  }

  /**
   * One barcode column's numbers ({@link StatusFeed}): a {@code status} event without an id
   * (numbers are current, not history: a client that reconnects gets them afresh). Only once
   * the stream is live and if it asked for them.
   */
  void status(String json) {
    if (wantsStatus) {
      unnumbered("status", json);
    }
  }

  private void unnumbered(String event, String json) {
    if (state != State.LIVE) {
      return;
    }
    Buffer frame = frame(null, event, json);
    if (backlog.isEmpty() && !response.writeQueueFull()) {
      response.write(frame);
    } else if (backlog.size() < config.bufferMax()) {
      backlog.add(new Pending(frame, highest));
    }
  }

  /**
   * Ends the stream because the service shuts down: a {@code shutdown} event, then the
   * response ends and (HTTP/1.x) the connection is closed so the client reconnects elsewhere.
   * A stream still opening is answered 503 instead.
   */
  void shutdown(Responses responses) {
    if (state == State.OPENING) {
      abandon();
      responses.problem(ctx, 503, "Service unavailable", "the service is shutting down; retry the request", null);
    } else if (state == State.LIVE) {
      end("shutdown", "the service is shutting down; reconnect with the last event id to resume");
    }
  }

  /** Before the stream opened: the request failed (404, 503, …) and is answered by the caller. */
  void abandon() {
    if (state != State.ENDED) {
      state = State.ENDED;
      early.clear();
      onEnd.accept(this);
    }
  }

  /** The response ended or its connection closed, whoever did it: release everything once. */
  void closed() {
    if (state == State.ENDED) {
      return;
    }
    state = State.ENDED;
    release();
    onEnd.accept(this);
  }

  private void heartbeat() {
    if (state == State.LIVE && backlog.isEmpty() && !response.writeQueueFull()) {
      response.write(HEARTBEAT);
    }
  }

  private void flushBacklog() {
    while (state == State.LIVE && !backlog.isEmpty() && !response.writeQueueFull()) {
      Pending next = backlog.poll();
      write(next.frame(), next.id());
    }
  }

  private void write(Buffer frame, ScanCursor id) {
    response.write(frame);
    written = id;
  }

  /**
   * The server ends the stream with one last event. Whatever was waiting in the backlog is
   * dropped; the event's id is the last one written, so a resume replays what was dropped.
   */
  private void end(String reason, String detail) {
    endReason = reason;
    state = State.ENDED;
    release();
    Buffer last = frame(written, reason, new JsonObject().put("reason", detail).encode());
    onEnd.accept(this);
    if (ctx.request().version() == HttpVersion.HTTP_2) {
      response.end(last);
      return;
    }
    // HTTP/1.x: close the connection once the last event is out, or after a linger if the
    // client does not read it, so a stalled client holds nothing for long.
    var connection = ctx.request().connection();
    response.end(last).onComplete(done -> connection.close());
    vertx.setTimer(CLOSE_LINGER_MILLIS, id -> connection.close());
  }

  private void release() {
    early.clear();
    backlog.clear();
    replayedIds = null;
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
      heartbeatTimer = -1;
    }
    if (settleTimer >= 0) {
      vertx.cancelTimer(settleTimer);
      settleTimer = -1;
    }
  }

  /** One SSE event; {@code data} is a single line (encoded JSON has no raw line breaks). */
  private static Buffer frame(ScanCursor id, String event, String data) {
    Buffer frame = Buffer.buffer(data.length() + 96);
    if (id != null) {
      frame.appendString("id: ").appendString(id.encode()).appendString("\n");
    }
    return frame.appendString("event: ").appendString(event).appendString("\ndata: ").appendString(data).appendString("\n\n");
  }
}
