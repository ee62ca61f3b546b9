package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.ext.web.RoutingContext;

/** Handlers for workspaces' members and guest pairings: parse, ask the data verticle, answer. */
final class AccessRoutes {

  private final DataClient data;
  private final Responses responses;
  private final ClaimGuard claims;
  private final int jsonMaxDepth;
  private final PublicUrls urls;

  AccessRoutes(DataClient data, Responses responses, ClaimGuard claims, int jsonMaxDepth, PublicUrls urls) {
    this.data = data;
    this.responses = responses;
    this.claims = claims;
    this.jsonMaxDepth = jsonMaxDepth;
    this.urls = urls;
  }

  /** GET /api/workspaces: the caller's workspaces with their role in each. */
  void listWorkspaces(RoutingContext ctx) {
    data.forward(ctx, Addresses.WORKSPACES_LIST, new JsonObject(), 200);
  }

  /** GET /api/workspaces/:workspace_id/members */
  void listMembers(RoutingContext ctx) {
    data.forward(ctx, Addresses.MEMBERS_LIST, workspaceRef(ctx), 200);
  }

  /** PUT /api/workspaces/:workspace_id/members/:user_id {role}: 201 when added, 200 when changed. */
  void putMember(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, jsonMaxDepth);
    JsonObject request = workspaceRef(ctx).put("user_id", ctx.pathParam("user_id")).put("role", body.getValue("role"));
    data.request(ctx, Addresses.MEMBERS_PUT, request).onComplete(outcome -> {
      if (outcome.succeeded()) {
        responses.json(ctx, outcome.result().getBoolean("created") ? 201 : 200, outcome.result().getJsonObject("member"));
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }

  /** DELETE /api/workspaces/:workspace_id/members/:user_id */
  void removeMember(RoutingContext ctx) {
    JsonObject request = workspaceRef(ctx).put("user_id", ctx.pathParam("user_id"));
    data.request(ctx, Addresses.MEMBERS_REMOVE, request).onComplete(outcome -> noContent(ctx, outcome.cause()));
  }

  /** POST /api/tables/:table_id/pairings {column_id | column_name, expires_in?, label?} */
  void openPairing(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, jsonMaxDepth);
    JsonObject request = body.put("table_id", Requests.pathId(ctx, "table_id").toString());
    // The claim URL is the front door's to make: it is an address of this HTTP service.
    data.request(ctx, Addresses.PAIRINGS_OPEN, request).onComplete(opened -> {
      if (opened.succeeded()) {
        JsonObject pairing = opened.result();
        responses.json(ctx, 201, pairing.put("claim_url", urls.claimUrl(ctx, pairing.getString("code"))));
      } else {
        responses.failure(ctx, opened.cause());
      }
    });
  }

  /** GET /api/tables/:table_id/pairings */
  void listPairings(RoutingContext ctx) {
    data.forward(ctx, Addresses.PAIRINGS_LIST, tableRef(ctx), 200);
  }

  /** DELETE /api/tables/:table_id/pairings/:pairing_id: revokes; its guest tokens stop at once. */
  void revokePairing(RoutingContext ctx) {
    JsonObject request = tableRef(ctx).put("pairing_id", Requests.pathId(ctx, "pairing_id").toString());
    data.request(ctx, Addresses.PAIRINGS_REVOKE, request).onComplete(outcome -> noContent(ctx, outcome.cause()));
  }

  /**
   * POST /api/pairings/claim {code, scanner_name, scanner_email?}: no token needed, the code is
   * the credential. A client with too many failed claims is refused (429) before the database
   * is asked.
   */
  void claim(RoutingContext ctx) {
    // Counted as a failure before the database is asked, given back unless it was one: the
    // limit then holds however many claims from one address are in flight at once.
    ClaimGuard.Reservation attempt = claims.reserve(RateLimiter.clientKey(ctx));
    if (attempt.refused()) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(attempt.retryAfterSeconds()));
      responses.problem(ctx, ServiceFailure.tooManyRequests("too many failed pairing claims from this client; retry later"));
      return;
    }
    JsonObject body;
    try {
      body = Requests.body(ctx, jsonMaxDepth);
    } catch (RuntimeException badBody) {
      claims.release(attempt);
      throw badBody;
    }
    data.request(ctx, Addresses.PAIRINGS_CLAIM, body).onComplete(outcome -> {
      boolean wrongCode = outcome.failed() && outcome.cause() instanceof ReplyException reply
          && (reply.failureCode() == 404 || reply.failureCode() == 410);
      if (!wrongCode) {
        claims.release(attempt);
      }
      if (outcome.succeeded()) {
        responses.json(ctx, 201, outcome.result());
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }

  private void noContent(RoutingContext ctx, Throwable failure) {
    if (failure == null) {
      ctx.response().setStatusCode(204).end();
    } else {
      responses.failure(ctx, failure);
    }
  }

  private static JsonObject workspaceRef(RoutingContext ctx) {
    return new JsonObject().put("workspace_id", Requests.pathId(ctx, "workspace_id").toString());
  }

  private static JsonObject tableRef(RoutingContext ctx) {
    return new JsonObject().put("table_id", Requests.pathId(ctx, "table_id").toString());
  }
}
