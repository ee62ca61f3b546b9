package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.LookupResult;
import com.maticsapp.scan.contract.ScanBatchResult;
import com.maticsapp.scan.contract.ScanOutcome;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import com.maticsapp.scan.config.AppConfig;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Handlers for barcode lookups and scans: read what is HTTP's (a strict JSON body, path ids,
 * query parameters), ask the data verticle, which validates the request, and answer.
 */
final class ScanRoutes {

  private final DataClient data;
  private final Responses responses;
  private final AppConfig.LimitsConfig limits;

  ScanRoutes(DataClient data, Responses responses, AppConfig.LimitsConfig limits) {
    this.data = data;
    this.responses = responses;
    this.limits = limits;
  }

  /** GET /api/tables/:table_id/rows/search?column_id|column_name&value */
  void search(RoutingContext ctx) {
    JsonObject query = new JsonObject()
        .put("table_id", Requests.pathId(ctx, "table_id").toString())
        .put("column_id", ctx.queryParams().get("column_id"))
        .put("column_name", ctx.queryParams().get("column_name"))
        .put("barcode", ctx.queryParams().get("value"));
    data.ask(ctx, Addresses.SCANS_LOOKUP, query, LookupResult.class).onComplete(outcome -> {
      if (outcome.succeeded()) {
        responses.json(ctx, 200, new JsonObject()
            .put("rows", outcome.result().rows())
            .put("normalized_value", outcome.result().normalizedValue()));
      } else if (outcome.cause() instanceof ReplyException reply && reply.failureCode() == 422) {
        responses.problem(ctx, renamed(ServiceFailure.of(reply), "barcode", "value"));
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }

  /** POST /api/scans: 201 for a new scan, 200 for a replay of a known id. */
  void record(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth());
    data.ask(ctx, Addresses.SCANS_RECORD, body, ScanOutcome.class).onComplete(outcome -> {
      if (outcome.result() instanceof ScanOutcome.Recorded recorded) {
        responses.json(ctx, 201, recorded.scan());
      } else if (outcome.result() instanceof ScanOutcome.Replayed replayed) {
        responses.json(ctx, 200, replayed.scan());
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }

  /** POST /api/scans/batch: always 200 with one result per item (each has its own status). */
  void recordBatch(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth(), "scans");
    data.ask(ctx, Addresses.SCANS_RECORD_BATCH, body, ScanBatchResult.class).onComplete(outcome -> {
      if (outcome.failed()) {
        responses.failure(ctx, outcome.cause());
      } else if (outcome.result().allUnavailable()) {
        // Nothing was recorded and nothing can be right now: say so at the HTTP level, so a
        // syncing phone backs off and retries the whole queue (its ids make that safe).
        responses.problem(ctx, 503, "Service unavailable", "no scan of the batch could be recorded now; retry shortly", null);
      } else {
        responses.json(ctx, 200, outcome.result().toJson());
      }
    });
  }

  /** GET /api/scans?table_id&column_id|column_name&limit&before */
  void list(RoutingContext ctx) {
    JsonObject query = new JsonObject()
        .put("table_id", ctx.queryParams().get("table_id"))
        .put("column_id", ctx.queryParams().get("column_id"))
        .put("column_name", ctx.queryParams().get("column_name"))
        .put("limit", Requests.intParam(ctx, "limit", 1, limits.pageMaxScans()))
        .put("before", ctx.queryParams().get("before"));
    data.forward(ctx, Addresses.SCANS_LIST, query, 200);
  }

  /** GET /api/tables/:table_id/conflicts?limit&before */
  void conflicts(RoutingContext ctx) {
    JsonObject query = new JsonObject()
        .put("table_id", Requests.pathId(ctx, "table_id").toString())
        .put("limit", Requests.intParam(ctx, "limit", 1, limits.pageMaxScans()))
        .put("before", ctx.queryParams().get("before"));
    data.forward(ctx, Addresses.SCANS_CONFLICTS, query, 200);
  }

  /** POST /api/scans/:scan_id/undo with an optional body {@code {reason?}}. */
  void undo(RoutingContext ctx) {
    boolean empty = ctx.body().buffer() == null || ctx.body().buffer().length() == 0;
    JsonObject body = empty ? new JsonObject() : Requests.body(ctx, limits.jsonMaxDepth()).copy();
    data.forward(ctx, Addresses.SCANS_UNDO, body.put("scan_id", Requests.pathId(ctx, "scan_id").toString()), 200);
  }

  /** GET /api/tables/:table_id/scan-status?column_id */
  void status(RoutingContext ctx) {
    JsonObject query = new JsonObject()
        .put("table_id", Requests.pathId(ctx, "table_id").toString())
        .put("column_id", ctx.queryParams().get("column_id"));
    data.forward(ctx, Addresses.SCANS_STATUS, query, 200);
  }

  /** The search route calls the barcode "value": report errors under the name the client used. */
  private static ServiceFailure renamed(ServiceFailure failure, String from, String to) {
    List<FieldError> errors = failure.errors().stream()
        .map(error -> error.field().equals(from) ? new FieldError(to, error.message()) : error)
        .toList();
    return ServiceFailure.invalid(errors);
  }
}
