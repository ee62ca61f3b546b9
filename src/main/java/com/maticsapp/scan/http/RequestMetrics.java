package com.maticsapp.scan.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.TimeUnit;

/**
 * {@code matic_http_requests_seconds{method, route, status}}: every HTTP request's duration,
 * tagged with its route pattern (not the raw path, so ids do not explode the series). Takes the
 * place of Vert.x's own HTTP server metrics, which are switched off (see Application).
 */
final class RequestMetrics {

  private final MeterRegistry registry;

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void measure(RoutingContext ctx) {
    long started = System.nanoTime();
    ctx.addEndHandler(ended -> {
      Route route = ctx.currentRoute();
      String pattern = route == null || route.getPath() == null ? "unmatched" : route.getPath();
      Timer.builder("matic.http.requests")
          .tag("method", ctx.request().method().name())
          .tag("route", pattern)
          .tag("status", Integer.toString(ctx.response().getStatusCode()))
          .register(registry)
          .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }
}
