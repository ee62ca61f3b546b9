package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Health routes (answered by the health verticle over the bus), metrics and the API document.
 * Used by the public HTTP verticles and, without the document, by the management server.
 */
final class HealthRoutes {

  private final DataClient bus;
  private final Responses responses;
  private final PrometheusMeterRegistry registry;
  private final Buffer openApi;

  /** Without the API document (the management server does not serve it). */
  HealthRoutes(DataClient bus, Responses responses, PrometheusMeterRegistry registry) {
    this(bus, responses, registry, Buffer.buffer());
  }

  HealthRoutes(DataClient bus, Responses responses, PrometheusMeterRegistry registry, Buffer openApi) {
    this.bus = bus;
    this.responses = responses;
    this.registry = registry;
    this.openApi = openApi;
  }

  void live(RoutingContext ctx) {
    probe(ctx, "live");
  }

  void ready(RoutingContext ctx) {
    probe(ctx, "ready");
  }

  void database(RoutingContext ctx) {
    probe(ctx, "database");
  }

  void detailed(RoutingContext ctx) {
    probe(ctx, "detailed");
  }

  /** 200 for UP, 503 for DOWN; the body is the health document either way. */
  private void probe(RoutingContext ctx, String probe) {
    bus.request(ctx, Addresses.HEALTH_STATUS, new JsonObject().put("probe", probe)).onComplete(outcome -> {
      if (outcome.succeeded()) {
        JsonObject status = outcome.result();
        boolean up = "UP".equals(status.getString("status"));
        if (!up) {
          ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
        }
        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        responses.json(ctx, up ? 200 : 503, status);
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }

  /**
   * A scrape walks and formats every meter, a cost that grows with the routes, statuses and pool
   * meters an instance has seen, so it runs on a worker thread, never on the event loop that
   * carries scans; unordered, since two scrapes need not wait for each other.
   */
  void metrics(RoutingContext ctx) {
    ctx.vertx().executeBlocking(registry::scrape, false).onComplete(scraped -> {
      if (scraped.succeeded()) {
        ctx.response()
            .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
            .end(scraped.result());
      } else {
        responses.failure(ctx, scraped.cause());
      }
    });
  }

  void openApi(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml").end(openApi);
  }
}
