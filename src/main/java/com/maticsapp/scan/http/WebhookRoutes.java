package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Handlers for a workspace's webhook endpoints, their delivery log and redelivery: read the
 * path and the body, ask the data verticle, answer. The data side checks everything.
 */
final class WebhookRoutes {

  private final DataClient data;
  private final Responses responses;
  private final int jsonMaxDepth;
  private final int pageMax;

  WebhookRoutes(DataClient data, Responses responses, int jsonMaxDepth, int pageMax) {
    this.data = data;
    this.responses = responses;
    this.jsonMaxDepth = jsonMaxDepth;
    this.pageMax = pageMax;
  }

  /** POST /api/workspaces/:workspace_id/webhooks: 201 with the secret, shown this once. */
  void create(RoutingContext ctx) {
    data.forward(ctx, Addresses.WEBHOOKS_CREATE, body(ctx).mergeIn(workspaceRef(ctx)), 201);
  }

  /** GET /api/workspaces/:workspace_id/webhooks */
  void list(RoutingContext ctx) {
    data.forward(ctx, Addresses.WEBHOOKS_LIST, workspaceRef(ctx), 200);
  }

  /** GET /api/workspaces/:workspace_id/webhooks/:webhook_id */
  void get(RoutingContext ctx) {
    data.forward(ctx, Addresses.WEBHOOKS_GET, endpointRef(ctx), 200);
  }

  /** PATCH /api/workspaces/:workspace_id/webhooks/:webhook_id */
  void update(RoutingContext ctx) {
    data.forward(ctx, Addresses.WEBHOOKS_UPDATE, body(ctx).mergeIn(endpointRef(ctx)), 200);
  }

  /** DELETE /api/workspaces/:workspace_id/webhooks/:webhook_id: 204; its pending deliveries are dropped. */
  void delete(RoutingContext ctx) {
    data.request(ctx, Addresses.WEBHOOKS_DELETE, endpointRef(ctx)).onComplete(outcome -> {
      if (outcome.succeeded()) {
        ctx.response().setStatusCode(204).end();
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }

  /** POST /api/workspaces/:workspace_id/webhooks/:webhook_id/secret {overlap_seconds?}: the new secret, once. */
  void rotateSecret(RoutingContext ctx) {
    data.forward(ctx, Addresses.WEBHOOKS_ROTATE_SECRET, optionalBody(ctx).mergeIn(endpointRef(ctx)), 200);
  }

  /** GET /api/workspaces/:workspace_id/webhooks/:webhook_id/deliveries?state&limit&before */
  void deliveries(RoutingContext ctx) {
    JsonObject query = endpointRef(ctx)
        .put("state", ctx.queryParams().get("state"))
        .put("limit", Requests.intParam(ctx, "limit", 1, pageMax))
        .put("before", ctx.queryParams().get("before"));
    data.forward(ctx, Addresses.WEBHOOKS_DELIVERIES, query, 200);
  }

  /** POST /api/workspaces/:workspace_id/webhooks/:webhook_id/deliveries/:delivery_id/redeliver: 202. */
  void redeliver(RoutingContext ctx) {
    JsonObject request = endpointRef(ctx).put("delivery_id", Requests.pathId(ctx, "delivery_id").toString());
    data.forward(ctx, Addresses.WEBHOOKS_REDELIVER, request, 202);
  }

  /** POST /api/workspaces/:workspace_id/webhooks/:webhook_id/redeliver {since}: 202. */
  void redeliverSince(RoutingContext ctx) {
    data.forward(ctx, Addresses.WEBHOOKS_REDELIVER_SINCE, body(ctx).mergeIn(endpointRef(ctx)), 202);
  }

  private JsonObject body(RoutingContext ctx) {
    return Requests.body(ctx, jsonMaxDepth).copy();
  }

  /** The rotation's body is optional: an empty one means the default overlap. */
  private JsonObject optionalBody(RoutingContext ctx) {
    return ctx.body() == null || ctx.body().length() == 0 ? new JsonObject() : body(ctx);
  }

  private static JsonObject workspaceRef(RoutingContext ctx) {
    return new JsonObject().put("workspace_id", Requests.pathId(ctx, "workspace_id").toString());
  }

  private static JsonObject endpointRef(RoutingContext ctx) {
    return workspaceRef(ctx).put("webhook_id", Requests.pathId(ctx, "webhook_id").toString());
  }
}
