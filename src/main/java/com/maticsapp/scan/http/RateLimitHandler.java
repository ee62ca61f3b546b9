package com.maticsapp.scan.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * The route handler in front of {@link RateLimiter}: a request over its client's limit is
 * answered 429 with {@code Retry-After} (whole seconds until the client's next token) before
 * anything else looks at it, and counted in {@code matic_http_rate_limited_total{client}}
 * ({@code unauthenticated} for address-keyed clients, else {@code authenticated}). Health
 * probes and {@code /metrics} are never limited: a throttled load balancer or scraper would
 * take a healthy instance out of rotation or lose its view of it.
 */
final class RateLimitHandler {

  private final RateLimiter limiter;
  private final Responses responses;
  private final Counter unauthenticatedRefusals;
  private final Counter authenticatedRefusals;

  RateLimitHandler(RateLimiter limiter, Responses responses, MeterRegistry registry) {
    this.limiter = limiter;
    this.responses = responses;
    this.unauthenticatedRefusals = refusals(registry, "unauthenticated");
    this.authenticatedRefusals = refusals(registry, "authenticated");
  }

  private static Counter refusals(MeterRegistry registry, String client) {
    return Counter.builder("matic.http.rate.limited")
        .description("Requests refused with 429 because their client was over its rate limit")
        .tag("client", client)
        .register(registry);
  }

  /**
   * The routing step of the routes open without a token (the pairing claim, the API document):
   * counted against the client's address ({@link RateLimiter#clientKey}). Routes that need a
   * token are counted by {@link Authentication}: against the caller once the token is verified,
   * against the address when it is not. Every request is thus counted once.
   */
  void byAddress(RoutingContext ctx) {
    if (admit(ctx, RateLimiter.clientKey(ctx))) {
      ctx.next();
    }
  }

  /**
   * Counts the request against {@code key}; true when it may go on, false when it has been
   * answered 429.
   */
  boolean admit(RoutingContext ctx, String key) {
    if (!limiter.enabled() || isExempt(ctx.normalizedPath())) {
      return true;
    }
    long waitNanos = limiter.acquire(key);
    if (waitNanos == 0) {
      return true;
    }
    (RateLimiter.isUnauthenticated(key) ? unauthenticatedRefusals : authenticatedRefusals).increment();
    long seconds = RateLimiter.retryAfterSeconds(waitNanos);
    ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
    responses.problem(ctx, 429, "Too many requests",
        "this client is over its request rate limit; retry in " + seconds + " s", null);
    return false;
  }



  static boolean isExempt(String path) {
    return path.equals("/api/health") || path.startsWith("/api/health/") || path.equals("/metrics");
  }
}
