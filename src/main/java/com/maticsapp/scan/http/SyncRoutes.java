package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Offline phones (docs/offline.md): a barcode column's snapshot, streamed page by page as the
 * data verticle reads them, its deltas, and the devices. The data side validates the request;
 * these handlers only carry it and shape the answer.
 */
final class SyncRoutes {

  private static final Logger log = LoggerFactory.getLogger(SyncRoutes.class);

  private final DataClient data;
  private final Responses responses;

  SyncRoutes(DataClient data, Responses responses) {
    this.data = data;
    this.responses = responses;
  }

  /**
   * GET /api/tables/:table_id/columns/:column_id/snapshot?since&device_id&app_version&device_label:
   * the whole copy, or with {@code since} only what changed after that cursor. Gzip when the
   * client accepts it.
   */
  void snapshot(RoutingContext ctx) {
    JsonObject query = new JsonObject()
        .put("table_id", Requests.pathId(ctx, "table_id").toString())
        .put("column_id", Requests.pathId(ctx, "column_id").toString())
        .put("device_id", ctx.queryParams().get("device_id"))
        .put("app_version", ctx.queryParams().get("app_version"))
        .put("device_label", ctx.queryParams().get("device_label"));
    String since = ctx.queryParams().get("since");
    if (since != null) {
      data.request(ctx, Addresses.SYNC_DELTA, query.put("since", since)).onComplete(outcome -> {
        if (outcome.succeeded()) {
          delta(ctx, outcome.result());
        } else {
          responses.failure(ctx, outcome.cause());
        }
      });
      return;
    }
    data.request(ctx, Addresses.SYNC_SNAPSHOT_PAGE, query).onComplete(first -> {
      if (first.succeeded()) {
        new Stream(ctx, query).start(first.result());
      } else {
        responses.failure(ctx, first.cause());
      }
    });
  }

  /** GET /api/tables/:table_id/devices */
  void listDevices(RoutingContext ctx) {
    data.forward(ctx, Addresses.DEVICES_LIST, new JsonObject().put("table_id", Requests.pathId(ctx, "table_id").toString()), 200);
  }

  /** DELETE /api/tables/:table_id/devices/:device_id: the device, revoked. */
  void revokeDevice(RoutingContext ctx) {
    JsonObject request = new JsonObject()
        .put("table_id", Requests.pathId(ctx, "table_id").toString())
        .put("device_id", ctx.pathParam("device_id"));
    data.forward(ctx, Addresses.DEVICES_REVOKE, request, 200);
  }

  /** A delta is bounded (sync.deltaMaxRows): one document, its rows spliced in as the data side wrote them. */
  private static void delta(RoutingContext ctx, JsonObject delta) {
    String rows = (String) delta.remove("rows_json");
    delta.remove("rows");
    Buffer body = spliced(head(ctx, delta), "rows", rows);
    HttpServerResponse response = headers(ctx);
    if (Gzip.accepted(ctx)) {
      Gzip gzip = new Gzip();
      Buffer compressed = gzip.compress(body).appendBuffer(gzip.finish());
      response.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip").end(compressed);
    } else {
      response.end(body);
    }
  }

  /** {@code table_id} first, then the rest of what the data side answered. */
  private static JsonObject head(RoutingContext ctx, JsonObject reply) {
    return new JsonObject().put("table_id", ctx.pathParam("table_id")).mergeIn(reply);
  }

  /** {@code doc} with an array member {@code name} made of {@code elements} (JSON text, comma-joined) appended. */
  private static Buffer spliced(JsonObject doc, String name, String elements) {
    String head = doc.encode();
    return Buffer.buffer(head.length() + elements.length() + name.length() + 8)
        .appendString(head.substring(0, head.length() - 1))
        .appendString(",\"").appendString(name).appendString("\":[")
        .appendString(elements)
        .appendString("]}");
  }

  private static HttpServerResponse headers(RoutingContext ctx) {
    return ctx.response()
        .setStatusCode(200)
        .putHeader(HttpHeaders.CONTENT_TYPE, Responses.JSON)
        .putHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
  }

  /**
   * One snapshot on its way to one client: {@code {table_id, column, cursor, server_time, rows:
   * [...], row_count}}, written page by page. The next page is asked for as soon as one
   * arrives, and written once the client has taken the previous one (the response's write queue
   * drained): at most two pages are in memory, however large the column. A failure after the
   * first page cannot become a problem document any more: the connection is reset, so the
   * client sees an incomplete body, never a short but valid one.
   */
  private final class Stream {

    private final RoutingContext ctx;
    private final JsonObject query;
    private final HttpServerResponse response;
    private final Gzip gzip;
    private long rows;
    private boolean gone;

    Stream(RoutingContext ctx, JsonObject query) {
      this.ctx = ctx;
      this.query = query;
      this.response = ctx.response();
      this.gzip = Gzip.accepted(ctx) ? new Gzip() : null;
    }

    void start(JsonObject first) {
      headers(ctx).setChunked(true);
      if (gzip != null) {
        response.putHeader(HttpHeaders.CONTENT_ENCODING, "gzip");
      }
      response.closeHandler(closed -> gone = true);
      JsonObject head = head(ctx, new JsonObject()
          .put("column", first.getJsonObject("column"))
          .put("cursor", first.getString("cursor"))
          .put("server_time", first.getString("server_time")));
      String text = head.encode();
      write(text.substring(0, text.length() - 1) + ",\"rows\":[");
      page(first);
    }

    private void page(JsonObject page) {
      String next = page.getString("next");
      Future<JsonObject> following = next == null ? null
          : data.request(ctx, Addresses.SYNC_SNAPSHOT_PAGE, query.copy().put("after", next));
      String docs = page.getString("rows_json");
      if (!docs.isEmpty()) {
        write(rows > 0 ? "," + docs : docs);
        rows += page.getInteger("rows");
      }
      if (following == null) {
        write("],\"row_count\":" + rows + "}");
        response.end(gzip == null ? Buffer.buffer() : gzip.finish());
        return;
      }
      writable().compose(ready -> following).onComplete(outcome -> {
        if (gone) {
          return;
        }
        if (outcome.failed()) {
          log.warn("snapshot of column {} failed after {} rows; resetting the response: {}",
              query.getString("column_id"), rows, outcome.cause().toString());
          response.reset();
          return;
        }
        page(outcome.result());
      });
    }

    private void write(String text) {
      Buffer chunk = Buffer.buffer(text);
      Buffer out = gzip == null ? chunk : gzip.compress(chunk);
      if (out.length() > 0) {
        response.write(out);
      }
    }

    private Future<Void> writable() {
      if (!response.writeQueueFull()) {
        return Future.succeededFuture();
      }
      io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
      response.drainHandler(ready -> drained.tryComplete());
      response.closeHandler(closed -> {
        gone = true;
        drained.tryComplete();
      });
      return drained.future();
    }
  }
}
