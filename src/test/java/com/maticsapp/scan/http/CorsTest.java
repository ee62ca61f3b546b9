package com.maticsapp.scan.http;

import com.maticsapp.scan.config.ConfigException;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** CORS over real HTTP: a service that allows one browser origin, and variations started beside it. */
class CorsTest extends ServiceTest {

  private static final String APP = "https://app.example.com";
  private static final String OTHER = "https://evil.example.net";

  @Override
  protected Map<String, String> environment() {
    return Map.of("CORS_ALLOWED_ORIGINS", APP);
  }

  @Test
  void aPreflightFromTheAllowedOriginIsAnsweredWithWhatItMaySend() {
    HttpResponse<Buffer> response = preflight(service, APP, "POST", "content-type,idempotency-key");

    assertThat(response.statusCode()).isIn(200, 204);
    assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo(APP);
    assertThat(list(response.getHeader("Access-Control-Allow-Methods")))
        .contains("GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS");
    assertThat(list(response.getHeader("Access-Control-Allow-Headers")))
        .contains("Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key");
    assertThat(response.getHeader("Access-Control-Max-Age")).isEqualTo("600");
    assertThat(varies(response)).contains("origin");
    assertThat(response.getHeader("Access-Control-Allow-Credentials")).isNull();
  }

  @Test
  void aPreflightFromAnotherOriginIsRefusedWithoutCorsHeaders() {
    HttpResponse<Buffer> response = preflight(service, OTHER, "POST", "content-type");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();
    assertThat(response.getHeader("Access-Control-Allow-Methods")).isNull();
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void aSimpleRequestFromTheAllowedOriginMayBeReadByIt() {
    HttpResponse<Buffer> response = get(service, "/api/health/ready", APP);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Access-Control-Allow-Origin")).isEqualTo(APP);
    assertThat(list(response.getHeader("Access-Control-Expose-Headers"))).contains("Retry-After", "WWW-Authenticate", "Location");
    assertThat(varies(response)).contains("origin");
  }

  @Test
  void aRequestFromAnotherOriginGetsNoCorsHeaders() {
    HttpResponse<Buffer> response = get(service, "/api/health/ready", OTHER);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void aRequestWithoutOriginIsServedAsUsualAndStillVariesOnOrigin() {
    HttpResponse<Buffer> response = service.get("/api/health/ready");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Access-Control-Allow-Origin")).isNull();
    assertThat(varies(response)).containsOnlyOnce("origin");
  }

  @Test
  void withCredentialsAllowedTheAnswerNamesTheExactOriginNeverAWildcard() {
    try (RunningService credentials = RunningService.start(database.url(), Map.of(
        "CORS_ALLOWED_ORIGINS", APP + ",http://localhost:5173",
        "CORS_ALLOW_CREDENTIALS", "true",
        "CORS_MAX_AGE", "2m"))) {
      for (String origin : new String[] {APP, "http://localhost:5173"}) {
        HttpResponse<Buffer> preflight = preflight(credentials, origin, "GET", "authorization");
        HttpResponse<Buffer> simple = get(credentials, "/api/health/ready", origin);

        assertThat(preflight.statusCode()).isIn(200, 204);
        assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo(origin);
        assertThat(preflight.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(preflight.getHeader("Access-Control-Max-Age")).isEqualTo("120");
        assertThat(simple.getHeader("Access-Control-Allow-Origin")).isEqualTo(origin);
        assertThat(simple.getHeader("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(varies(simple)).containsOnlyOnce("origin");
      }
      assertThat(get(credentials, "/api/health/ready", OTHER).getHeader("Access-Control-Allow-Origin")).isNull();
    }
  }

  @Test
  void withoutAllowedOriginsNoCorsHeadersAreSentAtAll() {
    try (RunningService closed = RunningService.start(database.url(), Map.of())) {
      HttpResponse<Buffer> simple = get(closed, "/api/health/ready", APP);
      HttpResponse<Buffer> preflight = preflight(closed, APP, "POST", "content-type");

      assertThat(closed.config().http().cors().allowedOrigins()).isEmpty();
      assertThat(simple.statusCode()).isEqualTo(200);
      assertThat(simple.getHeader("Access-Control-Allow-Origin")).isNull();
      assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isNull();
      assertThat(preflight.getHeader("Access-Control-Allow-Methods")).isNull();
    }
  }

  @Test
  void aWildcardOriginStopsStartUpNamingTheKeyAndTheVariable() {
    Throwable failure = catchThrowable(() -> RunningService.start(database.url(), Map.of("CORS_ALLOWED_ORIGINS", "*")));

    assertThat(failure).isInstanceOf(ConfigException.class);
    assertThat(((ConfigException) failure).key()).isEqualTo("http.cors.allowedOrigins");
    assertThat(failure.getMessage()).contains("CORS_ALLOWED_ORIGINS").contains("wildcard");
  }

  // ---------------------------------------------------------------- helpers

  private static HttpResponse<Buffer> preflight(RunningService target, String origin, String method, String headers) {
    return target.client().request(HttpMethod.OPTIONS, "/api/scans")
        .putHeader("Origin", origin)
        .putHeader("Access-Control-Request-Method", method)
        .putHeader("Access-Control-Request-Headers", headers)
        .send().await();
  }

  private static HttpResponse<Buffer> get(RunningService target, String path, String origin) {
    return target.client().get(path).putHeader("Origin", origin).send().await();
  }

  /** The header names of Vary, lower-cased (header names are case-insensitive). */
  private static java.util.List<String> varies(HttpResponse<Buffer> response) {
    return list(response.getHeader("Vary")).stream().map(name -> name.toLowerCase(java.util.Locale.ROOT)).toList();
  }

  /** The entries of a comma-separated header, trimmed; empty when absent. */
  private static java.util.List<String> list(String header) {
    return header == null ? java.util.List.of() : Arrays.stream(header.split(",")).map(String::trim).toList();
  }
}
