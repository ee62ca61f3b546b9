package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writing JSON and problem+json (RFC 9457) responses. */
final class Responses {

  private static final Logger log = LoggerFactory.getLogger(Responses.class);
  static final String JSON = "application/json";
  static final String PROBLEM_JSON = "application/problem+json";
  static final String WWW_AUTHENTICATE = "WWW-Authenticate";

  private final long retryAfterSeconds;

  Responses(long retryAfterSeconds) {
    this.retryAfterSeconds = retryAfterSeconds;
  }

  void json(RoutingContext ctx, int status, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.ended()) {
      return;
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body.toBuffer());
  }

  /**
   * A problem document; 503 and 429 carry Retry-After (the configured one unless the caller has
   * set its own) so well-behaved clients back off.
   */
  void problem(RoutingContext ctx, int status, String title, String detail, JsonArray errors) {
    problem(ctx.request(), ctx.request().path(), status, title, detail, errors);
  }

  /**
   * The same for any request, the router's or one it never saw (HttpVerticle's invalid-request
   * handler, where the path could not be read and {@code instance} is null).
   */
  void problem(HttpServerRequest request, String instance, int status, String title, String detail, JsonArray errors) {
    HttpServerResponse response = request.response();
    if (response.ended()) {
      return;
    }
    JsonObject problem = new JsonObject()
        .put("type", "about:blank")
        .put("title", title)
        .put("status", status)
        .put("detail", detail);
    if (instance != null) {
      problem.put("instance", instance);
    }
    if (errors != null && !errors.isEmpty()) {
      problem.put("errors", errors);
    }
    if ((status == 503 || status == 429) && !response.headers().contains(HttpHeaders.RETRY_AFTER)) {
      response.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
    }
    if (status == 401 && !response.headers().contains(WWW_AUTHENTICATE)) {
      // RFC 6750: a request that carried a token is told the token is the problem.
      response.putHeader(WWW_AUTHENTICATE, request.headers().contains(HttpHeaders.AUTHORIZATION)
          ? "Bearer realm=\"matic-scan\", error=\"invalid_token\"" : "Bearer realm=\"matic-scan\"");
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, PROBLEM_JSON).end(problem.toBuffer());
  }

  void problem(RoutingContext ctx, ServiceFailure failure) {
    JsonObject doc = failure.toProblem();
    problem(ctx, failure.status(), failure.title(), failure.getMessage(), doc.getJsonArray("errors"));
  }

  /** Maps a failed event-bus request: the service's status, or 503/504 for the bus itself. */
  void failure(RoutingContext ctx, Throwable cause) {
    if (cause instanceof ServiceFailure failure) {
      problem(ctx, failure);
    } else if (cause instanceof ReplyException reply) {
      switch (reply.failureType()) {
        case TIMEOUT -> problem(ctx, 504, "Deadline exceeded", "the request did not complete within its deadline", null);
        case NO_HANDLERS -> problem(ctx, 503, "Service unavailable", "the data service is not running", null);
        default -> problem(ctx, ServiceFailure.of(reply));
      }
    } else {
      log.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), cause);
      problem(ctx, 500, "Internal error", "an unexpected error occurred", null);
    }
  }
}
