package com.maticsapp.scan.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.util.Map;
import java.util.Properties;

/**
 * The API document for people: Swagger UI (the pinned org.webjars:swagger-ui on the class path)
 * at {@code /api/docs}, reading {@code /api/openapi.yaml}. The page and its initializer
 * ({@code api-docs/index.html}, {@code api-docs/docs.js}) are this project's, so no inline script
 * is needed; the page and its assets carry the web client's Content-Security-Policy
 * ({@link WebRoutes#CONTENT_SECURITY_POLICY}). Only the files named here are served.
 */
final class ApiDocs {

  private static final Logger log = LoggerFactory.getLogger(ApiDocs.class);
  /** Written by the build: the pinned webjar's version (the pom's swagger-ui.version). */
  private static final String BUILD_PROPERTIES = "matic-scan.properties";
  private static final String OWN = "api-docs/";

  /** File name under /api/docs/ → content type; the first two are ours, the rest Swagger UI's. */
  private static final Map<String, String> FILES = Map.of(
      "docs.js", "text/javascript; charset=utf-8",
      "docs.css", "text/css; charset=utf-8",
      "swagger-ui.css", "text/css; charset=utf-8",
      "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
      "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8",
      "favicon-32x32.png", "image/png",
      "favicon-16x16.png", "image/png");

  private final Responses responses;
  /** The webjar's directory on the class path; null when the webjar is missing (then 404s). */
  private final String webjar;

  private ApiDocs(Responses responses, String webjar) {
    this.responses = responses;
    this.webjar = webjar;
  }

  /**
   * Finds the webjar's directory by the version the build wrote into matic-scan.properties, so
   * the pinned version lives in the pom only. (Not by the webjar's own META-INF/maven
   * pom.properties: the packaged jar leaves its dependencies' Maven metadata out.) The
   * directory is checked to hold Swagger UI, so a wrong version is a warning at start, not a
   * page of 404s.
   */
  static Future<ApiDocs> load(Vertx vertx, Responses responses) {
    return vertx.fileSystem().readFile(BUILD_PROPERTIES)
        .map(buffer -> {
          Properties properties = new Properties();
          try {
            properties.load(new StringReader(buffer.toString()));
          } catch (IOException e) {
            throw new IllegalStateException(BUILD_PROPERTIES + " is unreadable", e);
          }
          String version = properties.getProperty("swagger-ui.version");
          if (version == null || version.isBlank() || version.startsWith("${")) {
            throw new IllegalStateException(BUILD_PROPERTIES + " names no swagger-ui.version");
          }
          return "META-INF/resources/webjars/swagger-ui/" + version + "/";
        })
        .compose(webjar -> vertx.fileSystem().exists(webjar + "swagger-ui-bundle.js")
            .map(present -> {
              if (!present) {
                throw new IllegalStateException("no Swagger UI at " + webjar);
              }
              return new ApiDocs(responses, webjar);
            }))
        .recover(missing -> {
          log.warn("Swagger UI is not on the class path ({}): /api/docs answers 404", missing.getMessage());
          return Future.succeededFuture(new ApiDocs(responses, null));
        });
  }

  /** GET /api/docs */
  void page(RoutingContext ctx) {
    send(ctx, OWN + "index.html", "text/html; charset=utf-8");
  }

  /** GET /api/docs/:file */
  void asset(RoutingContext ctx) {
    String file = ctx.pathParam("file");
    String type = FILES.get(file);
    if (type == null) {
      responses.problem(ctx, 404, "Not found", "no file " + file + " in the API docs", null);
      return;
    }
    send(ctx, file.startsWith("docs.") ? OWN + file : webjar + file, type);
  }

  private void send(RoutingContext ctx, String path, String type) {
    if (webjar == null) {
      responses.problem(ctx, 404, "Not found", "Swagger UI is not part of this build", null);
      return;
    }
    var response = ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, type)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("Content-Security-Policy", WebRoutes.CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
    response.sendFile(path).onFailure(failure -> {
      log.error("API docs file {} could not be sent", path, failure);
      if (!response.headWritten()) {
        responses.problem(ctx, 500, "Internal error", "the file could not be read", null);
      }
    });
  }
}
