package com.maticsapp.scan.config;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Locale;

/**
 * The whole validated configuration, built once at start-up from conf/base.json,
 * conf/&lt;environment&gt;.json and the environment variables (see {@link ConfigLoader}).
 * Each verticle receives the section it needs.
 */
public record AppConfig(
    String environment,
    HttpConfig http,
    DatabaseConfig database,
    DataConfig data,
    HealthConfig health,
    LimitsConfig limits,
    ClusterConfig cluster,
    ManagementConfig management,
    RateLimitConfig rateLimit,
    AdminConfig admin,
    AuthConfig auth,
    TransferConfig transfer,
    SyncConfig sync,
    WebhooksConfig webhooks) {

  public static final String[] ENVIRONMENTS = {"development", "test", "production"};

  public boolean isProduction() {
    return "production".equals(environment);
  }

  /**
   * HTTP front door. {@code port} 0 picks a free port (shared by all instances).
   * {@code requestTimeout} is the deadline of every request; {@code deadlines} may set a
   * shorter or longer one per kind of route. On shutdown, readiness is DOWN for
   * {@code shutdownGrace} while requests are still served, then new requests are refused and
   * in-flight ones get up to {@code drainTimeout} to finish. {@code cors} says which browser
   * origins may call the API. A request line longer than {@code maxInitialLineLength} is
   * answered 414, headers larger than {@code maxHeaderSize} (all of them together) 431, before
   * routing. {@code publicUrl} is the service's own address as phones and browsers reach it
   * (behind TLS and any proxy): every absolute URL it hands out starts with it; empty (outside
   * production only) means "the host the request came to".
   */
  public record HttpConfig(
      String host,
      int port,
      int instances,
      int bodyLimit,
      int bulkBodyLimit,
      int maxHeaderSize,
      int maxInitialLineLength,
      Duration requestTimeout,
      Duration retryAfter,
      Deadlines deadlines,
      Duration shutdownGrace,
      Duration drainTimeout,
      StreamConfig stream,
      CorsConfig cors,
      String publicUrl) {}

  /**
   * The live scan stream (SSE): a comment line every {@code heartbeat} keeps idle streams open
   * through proxies (and under the HTTP server's own 120 s idle timeout); a resume replays at most {@code replayMax} missed scans (more: a reset);
   * a client that does not read gets at most {@code bufferMax} events queued for it before its
   * stream is ended. One caller (a user, or a guest pairing) holds at most {@code maxPerCaller}
   * streams at once and the instance at most {@code maxOpen}. A stream that asked for the door's
   * numbers gets them at most once per {@code statusInterval} per table (docs/event-bus.md).
   */
  public record StreamConfig(Duration heartbeat, int replayMax, int bufferMax, int maxPerCaller, int maxOpen,
                             Duration statusInterval) {}

  /** Per-route deadlines: lookups/search, single scans, scan batches, bulk row inserts. */
  public record Deadlines(Duration lookup, Duration scan, Duration batch, Duration bulk) {}

  /**
   * How the data verticle instances are deployed, how much a scan may return, and how many
   * scan (lookup) statements each instance keeps on the wire before coalescing further scans
   * (lookups, at most {@code lookupBatchMax} per statement).
   */
  public record DataConfig(int instances, int maxMatchedRows, int scanStatementsInFlight, int lookupStatementsInFlight,
                           int lookupBatchMax, RetryConfig retry, Duration failureLogInterval) {}

  /**
   * Retries of idempotent work (lookups, scans with a client id) after a transient database
   * failure: at most {@code maxRetries}, with full-jitter exponential backoff from
   * {@code initialBackoff} up to {@code maxBackoff}, and never past {@code budget} after the
   * first attempt.
   */
  public record RetryConfig(int maxRetries, Duration initialBackoff, Duration maxBackoff, Duration budget) {}

  /**
   * Health probing: the database check's own deadline, how recent a query may be to count, and
   * how long an operation may wait, with nothing succeeding meanwhile, before the database counts
   * as stalled.
   */
  public record HealthConfig(Duration databaseTimeout, Duration recentQueryWindow, Duration stalledAfter) {}

  /**
   * Input limits enforced before anything reaches the database. {@code jsonMaxDepth} bounds
   * the nesting of any request body; a row's {@code data} and a scan's {@code metadata} are
   * bounded by their encoded size in bytes, and metadata also by its total number of keys and
   * its depth (the metadata object itself is level 1). {@code barcodeCharset} says which
   * characters a scanned or looked-up barcode may hold.
   */
  public record LimitsConfig(
      int batchMaxScans,
      int bulkMaxRows,
      int barcodeMaxLength,
      BarcodeCharset barcodeCharset,
      int pageMaxRows,
      int pageMaxScans,
      int jsonMaxDepth,
      int rowDataMaxBytes,
      int metadataMaxBytes,
      int metadataMaxKeys,
      int metadataMaxDepth) {}

  /**
   * The characters a barcode may hold on the scan and lookup routes. {@code ASCII}: printable
   * ASCII only (U+0020 to U+007E). {@code UNICODE}: any NFC-normalised text without control,
   * format, private-use, unassigned or line/paragraph-separator characters and without
   * unpaired surrogates.
   */
  public enum BarcodeCharset { ASCII, UNICODE }

  private static RetryConfig retry(ConfigReader retry) {
    return new RetryConfig(
        retry.integer("maxRetries", 3, 0, 20),
        retry.duration("initialBackoff", Duration.ofMillis(25), Duration.ofMillis(1), Duration.ofSeconds(10)),
        retry.duration("maxBackoff", Duration.ofMillis(500), Duration.ofMillis(1), Duration.ofMinutes(1)),
        retry.duration("budget", Duration.ofSeconds(3), Duration.ZERO, Duration.ofMinutes(5)));
  }

  /** {@code http.publicUrl}: an http(s) origin with an optional path, no trailing slash; https and required in production. */
  private static String publicUrl(ConfigReader http, boolean production) {
    String value = http.string("publicUrl", "").trim();
    while (value.endsWith("/")) {
      value = value.substring(0, value.length() - 1);
    }
    if (value.isEmpty()) {
      return production ? http.invalid(http.key("publicUrl"), "is required in production: the https address phones "
          + "reach this service at, e.g. https://scan.example.com", "") : "";
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(value);
    } catch (java.net.URISyntaxException e) {
      return http.invalid(http.key("publicUrl"), "is not a URL", "");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
        || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      return http.invalid(http.key("publicUrl"), "must be an http(s) URL without user, query or fragment, e.g. "
          + "https://scan.example.com (was '" + value + "')", "");
    }
    if (production && !scheme.equals("https")) {
      return http.invalid(http.key("publicUrl"), "must use https in production: browsers open the camera only on "
          + "secure pages (was '" + value + "')", "");
    }
    return value;
  }

  /**
   * Validates the merged configuration. Every unusable setting is reported at once (one
   * {@link ConfigException} listing them all), not just the first.
   */
  static AppConfig from(String environment, JsonObject merged) {
    ConfigProblems problems = new ConfigProblems();
    boolean production = "production".equals(environment);
    ConfigReader root = new ConfigReader(merged, problems);
    ConfigReader http = root.section("http");
    ConfigReader data = root.section("data");
    ConfigReader health = root.section("health");
    ConfigReader limits = root.section("limits");
    int cores = Runtime.getRuntime().availableProcessors();
    int httpInstances = http.integer("instances", 0, 0, 256);
    Duration requestTimeout = http.duration("requestTimeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(10));
    ConfigReader deadlines = http.section("deadlines");
    ConfigReader stream = http.section("stream");
    AppConfig config = new AppConfig(
        environment,
        new HttpConfig(
            http.string("host", "0.0.0.0"),
            http.integer("port", 8080, 0, 65535),
            httpInstances == 0 ? cores : httpInstances,
            http.integer("bodyLimit", 262_144, 1_024, 64 << 20),
            http.integer("bulkBodyLimit", 8 << 20, 1_024, 256 << 20),
            http.integer("maxHeaderSize", 8_192, 1_024, 1 << 20),
            http.integer("maxInitialLineLength", 8_192, 1_024, 1 << 20),
            requestTimeout,
            http.duration("retryAfter", Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofHours(1)),
            new Deadlines(
                deadlines.duration("lookup", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(10)),
                deadlines.duration("scan", requestTimeout, Duration.ofMillis(100), Duration.ofMinutes(10)),
                deadlines.duration("batch", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofMinutes(10)),
                deadlines.duration("bulk", Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofMinutes(10))),
            http.duration("shutdownGrace", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(5)),
            http.duration("drainTimeout", Duration.ofSeconds(10), Duration.ZERO, Duration.ofMinutes(5)),
            new StreamConfig(
                stream.duration("heartbeat", Duration.ofSeconds(15), Duration.ofMillis(50), Duration.ofSeconds(60)),
                stream.integer("replayMax", 1_000, 0, 10_000),
                stream.integer("bufferMax", 256, 1, 100_000),
                stream.integer("maxPerCaller", 32, 1, 100_000),
                stream.integer("maxOpen", 10_000, 1, 1_000_000),
                stream.duration("statusInterval", Duration.ofMillis(250), Duration.ofMillis(50), Duration.ofSeconds(10))),
            problems.section(() -> CorsConfig.from(http.section("cors"))),
            publicUrl(http, production)),
        problems.section(() -> DatabaseConfig.from(root.section("database"), production)),
        new DataConfig(
            data.integer("instances", 1, 1, 64),
            data.integer("maxMatchedRows", 100, 1, 10_000),
            data.integer("scanStatementsInFlight", 2, 1, 64),
            data.integer("lookupStatementsInFlight", 2, 1, 64),
            data.integer("lookupBatchMax", 64, 1, 1_000),
            retry(data.section("retry")),
            data.duration("failureLogInterval", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1))),
        new HealthConfig(
            health.duration("databaseTimeout", Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofMinutes(1)),
            health.duration("recentQueryWindow", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(10)),
            health.duration("stalledAfter", Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMinutes(10))),
        new LimitsConfig(
            limits.integer("batchMaxScans", 500, 1, 10_000),
            limits.integer("bulkMaxRows", 5_000, 1, 100_000),
            limits.integer("barcodeMaxLength", 512, 8, 2_000),
            BarcodeCharset.valueOf(limits.oneOf("barcodeCharset", "ascii", "ascii", "unicode").toUpperCase(Locale.ROOT)),
            limits.integer("pageMaxRows", 1_000, 1, 10_000),
            limits.integer("pageMaxScans", 500, 1, 10_000),
            limits.integer("jsonMaxDepth", 32, 8, 256),
            limits.integer("rowDataMaxBytes", 65_536, 1_024, 16 << 20),
            limits.integer("metadataMaxBytes", 16_384, 256, 1 << 20),
            limits.integer("metadataMaxKeys", 64, 1, 10_000),
            limits.integer("metadataMaxDepth", 4, 1, 32)),
        problems.section(() -> ClusterConfig.from(root.section("cluster"))),
        problems.section(() -> ManagementConfig.from(root.section("management"))),
        problems.section(() -> RateLimitConfig.from(root.section("rateLimit"))),
        problems.section(() -> AdminConfig.from(root.section("auth"))),
        problems.section(() -> AuthConfig.from(root.section("auth"), production)),
        problems.section(() -> TransferConfig.from(root.section("transfer"))),
        problems.section(() -> SyncConfig.from(root.section("sync"))),
        problems.section(() -> WebhooksConfig.from(root.section("webhooks"), production)));
    problems.throwIfAny();
    return config;
  }
}
