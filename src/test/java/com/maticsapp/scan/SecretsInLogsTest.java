package com.maticsapp.scan;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigException;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * No secret reaches the logs, a configuration error or the diagnostics (detailed health and
 * metrics, on the public port to the admin token and on the management port): not the database
 * password, the signing secrets, the admin token, any bearer token a client sent (valid or not)
 * or any pairing code. Everything the service logs while it starts (with a password in
 * DATABASE_URL), serves good and bad requests, fails to load configurations and stops is
 * captured by an appender on the root logger and searched.
 */
class SecretsInLogsTest {

  private static final Logger log = LoggerFactory.getLogger(SecretsInLogsTest.class);
  private static final String DB_PASSWORD = "Sup3r-Secret-Db-Pass";
  private static final String SHORT_JWT_SECRET = "Short-Jwt-Secret-7Kq";
  private static final String SHORT_ADMIN_TOKEN = "Short-Admin-Token-9Zx";
  private static final String FORGING_SECRET = "forged-signing-secret-0123456789abcdef-Qw";

  /** Everything the test sent or configured that must never be shown. */
  private final Set<String> secrets = new LinkedHashSet<>(List.of(
      DB_PASSWORD, Tokens.USER_SECRET, Tokens.GUEST_SECRET, Tokens.ADMIN_TOKEN,
      SHORT_JWT_SECRET, SHORT_ADMIN_TOKEN, FORGING_SECRET));
  /** Where each shown text came from, for the failure message. */
  private final Map<String, String> shown = new LinkedHashMap<>();

  @Test
  void noSecretIsLoggedOrShownWhileTheServiceStartsServesFailsAndStops() {
    Capture capture = Capture.start();
    TestDatabase database = TestDatabase.create();
    RunningService service = null;
    try {
      service = RunningService.start(urlWithPassword(database, database.name()), Map.of("PAIRING_CLIENT_FAILED_CLAIMS", "1000"));
      exercise(service);
      describeConfiguration(service.config());
      failingConfigurations(database);
      failingStart(database);
      log.info("capture check: this line is logged by the test itself");
    } finally {
      if (service != null) {
        service.close();
      }
      capture.stop();
      database.close();
    }

    String logged = capture.text();
    assertThat(logged).as("the appender saw the service start and stop")
        .contains("starting matic-scan")
        .contains("against postgres@" + database.host() + ":" + database.port() + "/" + database.name())
        .contains("shutdown complete")
        .contains("capture check: this line is logged by the test itself");
    assertThat(logged).as("the failed start was logged").contains(database.name() + "_missing");
    shown.put("log", logged);

    assertThat(secrets).as("tokens and codes were collected").hasSizeGreaterThan(20);
    shown.forEach((where, text) -> {
      for (String secret : secrets) {
        assertThat(text).as("%s must not contain %s", where, abbreviated(secret)).doesNotContain(secret);
      }
    });
  }

  @Test
  void configurationsDescribeThemselvesWithoutSecrets() {
    Map<String, String> env = Map.of(
        "ENVIRONMENT", "production",
        "DATABASE_URL", "postgres://matic:" + DB_PASSWORD + "@db.example.com:5432/matic_scan",
        "AUTH_JWT_SECRET", Tokens.USER_SECRET,
        "GUEST_TOKEN_SECRET", Tokens.GUEST_SECRET,
        "ADMIN_TOKEN", Tokens.ADMIN_TOKEN,
        "PUBLIC_URL", "https://scan.example.com");
    AppConfig config = ConfigLoader.load(env).await();
    assertThat(config.database().password()).as("the password was read").isEqualTo(DB_PASSWORD);
    assertThat(config.auth().jwtSecret()).isEqualTo(Tokens.USER_SECRET);
    assertThat(config.admin().adminToken()).isEqualTo(Tokens.ADMIN_TOKEN);

    describeConfiguration(config);

    assertThat(config.toString()).contains("matic@db.example.com:5432/matic_scan").contains("jwtSecret=(set)");
    shown.forEach((where, text) -> {
      for (String secret : List.of(DB_PASSWORD, Tokens.USER_SECRET, Tokens.GUEST_SECRET, Tokens.ADMIN_TOKEN)) {
        assertThat(text).as("%s must not contain %s", where, abbreviated(secret)).doesNotContain(secret);
      }
    });
  }

  // ---------------------------------------------------------------- what the service is put through

  private void exercise(RunningService service) {
    String userToken = token(Tokens.user("secrets-user"));
    WebClient user = service.clientWithToken(userToken);
    WebClient admin = service.clientWithToken(token(Tokens.ADMIN_TOKEN));
    WebClient anonymous = service.clientWithToken(null);
    try {
      // A workspace, a table with a row, a scan and a search, as a signed-in user.
      JsonObject workspace = ok(send(user, HttpMethod.POST, "/api/workspaces", new JsonObject()
          .put("name", "Secrets").put("slug", "secrets-" + UUID.randomUUID().toString().substring(0, 8))), 201);
      JsonObject table = ok(send(user, HttpMethod.POST, "/api/tables", new JsonObject()
          .put("workspace_id", workspace.getString("id")).put("name", "Inventory")
          .put("columns", new JsonArray()
              .add(new JsonObject().put("name", "code").put("column_type", "barcode"))
              .add(new JsonObject().put("name", "gtin").put("column_type", "barcode")
                  .put("settings", new JsonObject().put("normalization", "gtin"))))), 201);
      String tableId = table.getString("id");
      ok(send(user, HttpMethod.POST, "/api/tables/" + tableId + "/rows", new JsonObject().put("data", new JsonObject().put("code", "S-1"))), 201);
      ok(send(user, HttpMethod.POST, "/api/scans", scan(tableId, "code", "S-1")), 201);
      ok(send(user, HttpMethod.GET, "/api/tables/" + tableId + "/rows/search?column_name=code&value=S-1", null), 200);

      // Tokens that must be refused, sent every way a token can arrive.
      long past = Instant.now().getEpochSecond() - 3600;
      List<String> refused = List.of(
          token(Tokens.hs256(Tokens.claims("mallory").put("exp", past).put("iat", past - 60), Tokens.USER_SECRET)),
          token(Tokens.hs256(Tokens.claims("mallory"), FORGING_SECRET)),
          token(Tokens.unsigned(Tokens.claims("mallory"))),
          token(Tokens.hs256(Tokens.claims("mallory").put("aud", "someone-else"), Tokens.USER_SECRET)),
          token(Tokens.hs256(Tokens.claims("mallory"), Tokens.GUEST_SECRET)),
          token("not-a-jwt-" + UUID.randomUUID()),
          token(Tokens.ADMIN_TOKEN));
      for (String bad : refused) {
        WebClient client = service.clientWithToken(bad);
        try {
          expect(send(client, HttpMethod.GET, "/api/workspaces", null), 401);
          expect(send(client, HttpMethod.POST, "/api/scans", scan(tableId, "code", "S-1")), 401);
        } finally {
          client.close();
        }
        expect(send(anonymous, HttpMethod.GET, "/api/tables/" + tableId + "/scans/stream?access_token=" + bad, null), 401);
        expectBusFailure(service, scan(tableId, "code", "S-1"), "Bearer " + bad, 401);
      }
      String basic = token("Basic " + Base64.getEncoder().encodeToString(("postgres:" + DB_PASSWORD).getBytes(StandardCharsets.UTF_8)));
      expect(anonymous.get("/api/workspaces").putHeader("Authorization", basic).send().await(), 401);
      expectBusFailure(service, scan(tableId, "code", "S-1"), basic, 401);

      // A pairing: wrong codes, the right one, the guest token in use, revoked.
      JsonObject pairing = ok(send(user, HttpMethod.POST, "/api/tables/" + tableId + "/pairings",
          new JsonObject().put("column_name", "code")), 201);
      String code = code(pairing.getString("code"));
      String canonical = code.replace("-", "");
      String wrongSecret = code(canonical.substring(0, 11) + (canonical.endsWith("0") ? "1" : "0"));
      String wrongSelector = code((canonical.startsWith("0") ? "1" : "0") + canonical.substring(1));
      expect(claim(anonymous, wrongSecret), 404);
      expect(claim(anonymous, wrongSelector), 404);
      expect(claim(anonymous, code(canonical + "Z")), 404);
      HttpResponse<Buffer> claimed = claim(anonymous, code(canonical.toLowerCase(Locale.ROOT)));
      String guestToken = token(ok(claimed, 201).getString("token"));
      WebClient guest = service.clientWithToken(guestToken);
      try {
        ok(send(guest, HttpMethod.POST, "/api/scans", scan(tableId, "code", "S-1")), 201);
        expect(send(guest, HttpMethod.POST, "/api/scans", scan(tableId, "gtin", "4006381333931")), 403);
        expect(send(guest, HttpMethod.GET, "/api/tables/" + tableId, null), 403);
        service.vertx().eventBus().request(Addresses.SCANS_RECORD, scan(tableId, "code", "S-1"),
            new DeliveryOptions().setSendTimeout(5_000).addHeader(Addresses.AUTHORIZATION, "Bearer " + guestToken)).await();
        JsonObject forgedGuest = new JsonObject()
            .put("sub", "guest:" + pairing.getString("id")).put("aud", new JsonArray().add("matic-scan:guest"))
            .put("iss", "matic-scan").put("exp", Instant.now().getEpochSecond() + 600)
            .put("pairing_id", pairing.getString("id")).put("table_id", tableId).put("column_id", pairing.getString("column_id"))
            .put("scanner_name", "Forger");
        String forged = token(Tokens.hs256(forgedGuest, FORGING_SECRET));
        expectBusFailure(service, scan(tableId, "code", "S-1"), "Bearer " + forged, 401);
        ok(send(user, HttpMethod.DELETE, "/api/tables/" + tableId + "/pairings/" + pairing.getString("id"), null), 204);
        expect(send(guest, HttpMethod.POST, "/api/scans", scan(tableId, "code", "S-1")), 401);
        expect(claim(anonymous, code), 410);
      } finally {
        guest.close();
      }

      // The diagnostics: on the public port with the admin token, and on the management port.
      HttpResponse<Buffer> detailed = send(admin, HttpMethod.GET, "/api/health/detailed", null);
      assertThat(detailed.statusCode()).as(detailed.bodyAsString()).isEqualTo(200);
      assertThat(detailed.bodyAsJsonObject().getJsonObject("database").getBoolean("connected")).isTrue();
      shown.put("GET /api/health/detailed", detailed.bodyAsString());
      HttpResponse<Buffer> metrics = send(admin, HttpMethod.GET, "/metrics", null);
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.bodyAsString()).contains("matic_http_requests_seconds_count");
      shown.put("GET /metrics", metrics.bodyAsString());
      HttpResponse<Buffer> managementHealth = service.getManagement("/api/health/detailed");
      assertThat(managementHealth.statusCode()).as(managementHealth.bodyAsString()).isEqualTo(200);
      shown.put("management GET /api/health/detailed", managementHealth.bodyAsString());
      HttpResponse<Buffer> managementMetrics = service.getManagement("/metrics");
      assertThat(managementMetrics.statusCode()).isEqualTo(200);
      assertThat(managementMetrics.bodyAsString()).contains("matic_http_requests_seconds_count");
      shown.put("management GET /metrics", managementMetrics.bodyAsString());
    } finally {
      user.close();
      admin.close();
      anonymous.close();
    }
  }

  /** The configuration's own descriptions: what a log line or a debugger would show. */
  private void describeConfiguration(AppConfig config) {
    shown.put("AppConfig.toString()", config.toString());
    shown.put("AuthConfig.toString()", config.auth().toString());
    shown.put("DatabaseConfig.toString()", config.database().toString());
    shown.put("DatabaseConfig.describe()", config.database().describe());
    shown.put("AdminConfig.toString()", config.admin().toString());
    assertThat(config.auth().toString()).contains("jwtSecret=(set)").contains("guestTokenSecret=(set)");
    assertThat(config.admin().toString()).contains("adminToken=<set>");
  }

  /** Configurations that fail to load, each with a secret in it: the failure must not repeat it. */
  private void failingConfigurations(TestDatabase database) {
    String url = urlWithPassword(database, database.name());
    List<Map<String, String>> failing = List.of(
        Map.of("ENVIRONMENT", "test", "DATABASE_URL", url, "AUTH_JWT_SECRET", SHORT_JWT_SECRET),
        Map.of("ENVIRONMENT", "test", "DATABASE_URL", url, "ADMIN_TOKEN", SHORT_ADMIN_TOKEN),
        Map.of("ENVIRONMENT", "test", "DATABASE_URL", url, "GUEST_TOKEN_SECRET", Tokens.USER_SECRET),
        Map.of("ENVIRONMENT", "production", "DATABASE_URL", url, "ADMIN_TOKEN", Tokens.ADMIN_TOKEN),
        Map.of("ENVIRONMENT", "production", "DATABASE_URL", url, "AUTH_JWT_SECRET", Tokens.USER_SECRET, "ADMIN_TOKEN", Tokens.ADMIN_TOKEN),
        Map.of("ENVIRONMENT", "production", "DATABASE_URL", url, "AUTH_JWT_SECRET", Tokens.USER_SECRET,
            "GUEST_TOKEN_SECRET", Tokens.GUEST_SECRET, "AUTH_JWKS_URL", "http://keys:" + DB_PASSWORD + "@idp.example.com/jwks"),
        Map.of("ENVIRONMENT", "test", "DATABASE_URL", "postgres://postgres:" + DB_PASSWORD + "@127.0.0.1:port/" + database.name()));
    for (Map<String, String> env : failing) {
      Future<AppConfig> loading = ConfigLoader.load(env);
      Throwable thrown = catchThrowable(loading::await);
      assertThat(thrown).as("should be refused: %s", env.keySet()).isInstanceOf(ConfigException.class);
      log.warn("configuration refused: {}", thrown.getMessage());
      shown.put("ConfigException for " + env.keySet(), thrown.getMessage() + "\n" + stackTrace(thrown));
    }
  }

  /** A start against a database that does not exist fails: its message must not carry the password. */
  private void failingStart(TestDatabase database) {
    Throwable thrown = catchThrowable(() -> RunningService.start(urlWithPassword(database, database.name() + "_missing"), Map.of()).close());
    assertThat(thrown).as("the start should fail").isNotNull();
    log.error("matic-scan failed to start: {}", Main.rootMessage(thrown));
    shown.put("start-up failure", Main.rootMessage(thrown) + "\n" + stackTrace(thrown));
  }

  // ---------------------------------------------------------------- helpers

  /** Remembers a token as a secret, whole and by its signature alone, and returns it. */
  private String token(String token) {
    secrets.add(token);
    int lastDot = token.lastIndexOf('.');
    if (lastDot > 0 && token.length() - lastDot > 16) {
      secrets.add(token.substring(lastDot + 1));
    }
    return token;
  }

  /** Remembers a pairing code (as shown, without dashes, in lower case) as a secret, and returns it. */
  private String code(String code) {
    String canonical = code.replace("-", "");
    secrets.add(code);
    secrets.add(canonical);
    secrets.add(canonical.toLowerCase(Locale.ROOT));
    secrets.add(canonical.toUpperCase(Locale.ROOT));
    return code;
  }

  private static String urlWithPassword(TestDatabase database, String name) {
    return "postgres://postgres:" + DB_PASSWORD + "@" + database.host() + ":" + database.port() + "/" + name + "?sslmode=disable";
  }

  private static JsonObject scan(String tableId, String column, String barcode) {
    return new JsonObject().put("table_id", tableId).put("column_name", column).put("barcode", barcode);
  }

  private static HttpResponse<Buffer> send(WebClient client, HttpMethod method, String path, JsonObject body) {
    var request = client.request(method, path);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  private static HttpResponse<Buffer> claim(WebClient client, String code) {
    return send(client, HttpMethod.POST, "/api/pairings/claim", new JsonObject().put("code", code).put("scanner_name", "Phone"));
  }

  private void expect(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    shown.merge("error responses", response.bodyAsString() + "\n", String::concat);
  }

  private static JsonObject ok(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    return status == 204 ? new JsonObject() : response.bodyAsJsonObject();
  }

  private void expectBusFailure(RunningService service, JsonObject body, String authorization, int failureCode) {
    Throwable thrown = catchThrowable(() -> service.vertx().eventBus().request(Addresses.SCANS_RECORD, body,
        new DeliveryOptions().setSendTimeout(5_000).addHeader(Addresses.AUTHORIZATION, authorization)).await());
    assertThat(thrown).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) thrown).failureCode()).isEqualTo(failureCode);
    shown.merge("event-bus failures", thrown.getMessage() + "\n", String::concat);
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter text = new StringWriter();
    thrown.printStackTrace(new PrintWriter(text));
    return text.toString();
  }

  private static String abbreviated(String secret) {
    return secret.length() <= 12 ? "a secret of " + secret.length() + " characters" : secret.substring(0, 6) + "…";
  }

  /**
   * Everything logged through logback while it runs, formatted with exception stack traces, from
   * an appender on the root logger. The service's own loggers log at every level meanwhile.
   */
  private static final class Capture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
    private final ch.qos.logback.classic.Logger root;
    private final ch.qos.logback.classic.Logger own;
    private final Level ownLevel;

    private Capture() {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      root = context.getLogger(Logger.ROOT_LOGGER_NAME);
      own = context.getLogger("com.maticsapp");
      ownLevel = own.getLevel();
      PatternLayoutEncoder encoder = new PatternLayoutEncoder();
      encoder.setContext(context);
      encoder.setPattern("%-5level [%thread] %logger - %msg%n%ex{full}");
      encoder.start();
      appender.setContext(context);
      appender.setName("secrets-capture");
      appender.setEncoder(encoder);
      appender.setOutputStream(bytes);
      appender.start();
    }

    static Capture start() {
      Capture capture = new Capture();
      capture.own.setLevel(Level.TRACE);
      capture.root.addAppender(capture.appender);
      return capture;
    }

    void stop() {
      root.detachAppender(appender);
      own.setLevel(ownLevel);
      appender.stop();
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
