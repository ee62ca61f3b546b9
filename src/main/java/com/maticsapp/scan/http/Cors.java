package com.maticsapp.scan.http;

import com.maticsapp.scan.config.CorsConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Cross-origin access for the browser apps in {@code http.cors.allowedOrigins}, through
 * vertx-web's {@link CorsHandler}: a preflight from a listed origin is answered 204 with the
 * allowed methods and headers; other requests from it get {@code Access-Control-Allow-Origin}
 * with that exact origin (never {@code *}). A request whose {@code Origin} is not listed is
 * refused with 403 and no CORS headers. Every response says {@code Vary: Origin}, so a cache
 * never hands one origin's answer to another.
 *
 * <p>With no origins configured this handler does nothing: no CORS headers, and browsers keep
 * other sites' scripts from reading the responses. (A CorsHandler without origins would allow
 * every origin.)
 */
final class Cors {

  private static final Set<HttpMethod> METHODS = ordered(List.of(
      HttpMethod.GET, HttpMethod.POST, HttpMethod.PATCH, HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS));
  private static final Set<String> REQUEST_HEADERS = ordered(List.of("Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key"));
  private static final Set<String> EXPOSED_HEADERS = ordered(List.of("Retry-After", "WWW-Authenticate", "Location"));

  /** Null when no origin is allowed. */
  private final CorsHandler cors;

  Cors(CorsConfig config) {
    this.cors = config.enabled()
        ? CorsHandler.create()
            .addOrigins(config.allowedOrigins())
            .allowedMethods(METHODS)
            .allowedHeaders(REQUEST_HEADERS)
            .exposedHeaders(EXPOSED_HEADERS)
            .allowCredentials(config.allowCredentials())
            .maxAgeSeconds((int) config.maxAge().toSeconds())
        : null;
  }

  void handle(RoutingContext ctx) {
    if (cors == null) {
      ctx.next();
      return;
    }
    ctx.addHeadersEndHandler(ended -> varyOnOrigin(ctx.response().headers()));
    cors.handle(ctx);
  }

  private static <T> Set<T> ordered(List<T> items) {
    return new LinkedHashSet<>(items);
  }

  private static void varyOnOrigin(MultiMap headers) {
    String vary = headers.get(HttpHeaders.VARY);
    if (vary == null || vary.isBlank()) {
      headers.set(HttpHeaders.VARY, "Origin");
      return;
    }
    for (String each : vary.split(",")) {
      if (each.trim().equalsIgnoreCase("origin") || each.trim().equals("*")) {
        return;
      }
    }
    headers.set(HttpHeaders.VARY, vary + ", Origin");
  }
}
