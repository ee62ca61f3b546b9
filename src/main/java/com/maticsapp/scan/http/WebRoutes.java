package com.maticsapp.scan.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The web client the build puts on the class path under {@code web/} (see web/build.mjs): the
 * phone's pairing page {@code /pair}, the desk {@code /desk}, the phone's service worker and
 * manifest, and the content-hashed assets under {@code /assets/}. Only the files the build
 * listed in {@code web/files.json} are served, so no request path ever reaches the file system.
 *
 * <p>Every page carries a Content-Security-Policy that allows this origin only and no inline
 * script or style ({@code 'wasm-unsafe-eval'} lets the barcode decoder compile its WebAssembly),
 * and {@code Referrer-Policy: no-referrer}: the pairing page's address holds the code. Assets
 * are cached for a year (their names change with their content); pages and the service worker
 * are revalidated on every load, so a new version reaches phones at once.
 */
final class WebRoutes {

  private static final Logger log = LoggerFactory.getLogger(WebRoutes.class);
  static final String FILES = "web/files.json";
  static final String CONTENT_SECURITY_POLICY = String.join("; ",
      "default-src 'none'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "style-src 'self'",
      "img-src 'self' data:",
      "media-src 'self' blob: mediastream:",
      "connect-src 'self'",
      "worker-src 'self'",
      "manifest-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'");
  private static final String REVALIDATE = "no-cache";
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "wasm", "application/wasm",
      "webmanifest", "application/manifest+json",
      "png", "image/png");

  private final Responses responses;
  private final Set<String> assets;
  private final boolean built;

  private WebRoutes(Responses responses, Set<String> assets, boolean built) {
    this.responses = responses;
    this.assets = assets;
    this.built = built;
  }

  /** Reads the build's file list; a build without the web client serves 404s and says so once. */
  static Future<WebRoutes> load(Vertx vertx, Responses responses) {
    return vertx.fileSystem().readFile(FILES)
        .map(buffer -> {
          Set<String> assets = new JsonObject(buffer).getJsonArray("assets").stream()
              .map(String.class::cast).collect(Collectors.toUnmodifiableSet());
          return new WebRoutes(responses, assets, true);
        })
        .recover(missing -> {
          log.warn("no web client in this build ({} not on the class path): /pair and /desk answer 404", FILES);
          return Future.succeededFuture(new WebRoutes(responses, Set.of(), false));
        });
  }

  /** GET / : the desk is where a newcomer starts. */
  void home(RoutingContext ctx) {
    ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, "/desk").end();
  }

  /** GET /pair: the phone (claims the code in ?code=, then scans). */
  void phone(RoutingContext ctx) {
    send(ctx, "pair.html", REVALIDATE);
  }

  /** GET /desk */
  void desk(RoutingContext ctx) {
    send(ctx, "desk.html", REVALIDATE);
  }

  /** GET /sw.js: at the root so that it may control /pair. */
  void serviceWorker(RoutingContext ctx) {
    send(ctx, "sw.js", REVALIDATE);
  }

  /** GET /manifest.webmanifest */
  void manifest(RoutingContext ctx) {
    send(ctx, "manifest.webmanifest", REVALIDATE);
  }

  /** GET /assets/:file: only names the build listed. */
  void asset(RoutingContext ctx) {
    String file = ctx.pathParam("file");
    if (!assets.contains(file)) {
      responses.problem(ctx, 404, "Not found", "no asset " + file, null);
      return;
    }
    send(ctx, "assets/" + file, IMMUTABLE);
  }

  private void send(RoutingContext ctx, String file, String cacheControl) {
    if (!built) {
      responses.problem(ctx, 404, "Not found", "the web client is not part of this build (built with -Dweb.skip)", null);
      return;
    }
    String extension = file.substring(file.lastIndexOf('.') + 1);
    HttpServerResponse response = ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, TYPES.getOrDefault(extension, "application/octet-stream"))
        .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl)
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Permissions-Policy", "camera=(self), microphone=(), geolocation=()");
    response.sendFile("web/" + file).onFailure(failure -> {
      log.error("web client file {} could not be sent", file, failure);
      if (!response.headWritten()) {
        responses.problem(ctx, 500, "Internal error", "the file could not be read", null);
      }
    });
  }
}
