package com.maticsapp.scan.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads conf/base.json, then conf/&lt;ENVIRONMENT&gt;.json over it, then the environment
 * variables in {@link #ENV_OVERRIDES} over both, and validates the result into an
 * {@link AppConfig}. The files are looked up on disk first and inside the jar second, so a
 * deployment can ship its own conf/ directory or rely on the packaged one.
 */
public final class ConfigLoader {

  /** Environment variable → configuration key (dotted path). */
  public static final Map<String, String> ENV_OVERRIDES = envOverrides();

  /** Configuration key → the environment variable that sets it. */
  private static final Map<String, String> VARIABLES_BY_KEY = ENV_OVERRIDES.entrySet().stream()
      .collect(java.util.stream.Collectors.toUnmodifiableMap(Map.Entry::getValue, Map.Entry::getKey));

  private ConfigLoader() {}

  private static Map<String, String> envOverrides() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("PORT", "http.port");
    map.put("HTTP_HOST", "http.host");
    map.put("PUBLIC_URL", "http.publicUrl");
    map.put("HTTP_INSTANCES", "http.instances");
    map.put("DATA_INSTANCES", "data.instances");
    map.put("DATA_FAILURE_LOG_INTERVAL", "data.failureLogInterval");
    map.put("DATA_SCAN_STATEMENTS_IN_FLIGHT", "data.scanStatementsInFlight");
    map.put("DATA_LOOKUP_STATEMENTS_IN_FLIGHT", "data.lookupStatementsInFlight");
    map.put("DATA_LOOKUP_BATCH_MAX", "data.lookupBatchMax");
    map.put("HEALTH_STALLED_AFTER", "health.stalledAfter");
    map.put("DATABASE_URL", "database.url");
    map.put("DB_POOLER_MODE", "database.pooler");
    map.put("DB_SSL_MODE", "database.sslMode");
    map.put("DB_STATEMENT_TIMEOUT", "database.statementTimeout");
    map.put("DB_CONNECT_TIMEOUT", "database.connectTimeout");
    map.put("DB_READ_IDLE_TIMEOUT", "database.readIdleTimeout");
    map.put("DB_SSL_ROOT_CERT", "database.sslRootCert");
    map.put("HTTP_REQUEST_TIMEOUT", "http.requestTimeout");
    map.put("HTTP_MAX_HEADER_SIZE", "http.maxHeaderSize");
    map.put("HTTP_MAX_INITIAL_LINE_LENGTH", "http.maxInitialLineLength");
    map.put("HTTP_LOOKUP_DEADLINE", "http.deadlines.lookup");
    map.put("HTTP_SCAN_DEADLINE", "http.deadlines.scan");
    map.put("HTTP_BATCH_DEADLINE", "http.deadlines.batch");
    map.put("HTTP_BULK_DEADLINE", "http.deadlines.bulk");
    map.put("HTTP_STREAM_HEARTBEAT", "http.stream.heartbeat");
    map.put("HTTP_STREAM_REPLAY_MAX", "http.stream.replayMax");
    map.put("HTTP_STREAM_BUFFER_MAX", "http.stream.bufferMax");
    map.put("HTTP_STREAM_MAX_PER_CALLER", "http.stream.maxPerCaller");
    map.put("HTTP_STREAM_MAX_OPEN", "http.stream.maxOpen");
    map.put("HTTP_STREAM_STATUS_INTERVAL", "http.stream.statusInterval");
    map.put("SHUTDOWN_GRACE", "http.shutdownGrace");
    map.put("DRAIN_TIMEOUT", "http.drainTimeout");
    map.put("DB_PIPELINING_LIMIT", "database.pipeliningLimit");
    map.put("DB_MIGRATE", "database.migrate");
    map.put("DB_POOL_MAX_SIZE", "database.pool.maxSize");
    map.put("DB_POOL_IDLE_TIMEOUT", "database.pool.idleTimeout");
    map.put("DB_POOL_MAX_LIFETIME", "database.pool.maxLifetime");
    map.put("DB_POOL_CONNECTION_TIMEOUT", "database.pool.connectionTimeout");
    map.put("DB_POOL_MAX_WAIT_QUEUE", "database.pool.maxWaitQueueSize");
    map.put("BARCODE_CHARSET", "limits.barcodeCharset");
    map.put("IMPORT_MAX_MEGABYTES", "transfer.importMaxMegabytes");
    map.put("IMPORT_SPOOL_DIRECTORY", "transfer.spoolDirectory");
    map.put("IMPORT_APPLY_TIMEOUT", "transfer.importApplyTimeout");
    map.put("IMPORT_CHUNK_ROWS", "transfer.importChunkRows");
    map.put("IMPORT_APPLY_CHUNK_ROWS", "transfer.importApplyChunkRows");
    map.put("IMPORT_YIELD_PERCENT", "transfer.importYieldPercent");
    map.put("IMPORT_ABANDONED_AFTER", "transfer.importAbandonedAfter");
    map.put("IMPORT_DEADLINE", "transfer.importDeadline");
    map.put("RETENTION_SWEEP", "transfer.retentionSweep");
    map.put("ROW_DATA_MAX_BYTES", "limits.rowDataMaxBytes");
    map.put("METADATA_MAX_BYTES", "limits.metadataMaxBytes");
    map.put("CLUSTER_ENABLED", "cluster.enabled");
    map.put("CLUSTER_MEMBERS", "cluster.members");
    map.put("CLUSTER_HOST", "cluster.host");
    map.put("CLUSTER_PORT", "cluster.port");
    map.put("EVENT_BUS_HOST", "cluster.eventBusHost");
    map.put("EVENT_BUS_PORT", "cluster.eventBusPort");
    map.put("AUTH_ENABLED", "auth.enabled");
    map.put("AUTH_JWT_SECRET", "auth.jwtSecret");
    map.put("AUTH_JWKS_URL", "auth.jwksUrl");
    map.put("AUTH_JWKS_REFRESH", "auth.jwksRefresh");
    map.put("AUTH_AUDIENCE", "auth.audience");
    map.put("AUTH_ISSUER", "auth.issuer");
    map.put("AUTH_CLOCK_SKEW", "auth.clockSkew");
    map.put("AUTH_ADMIN_ROLES", "auth.adminRoles");
    map.put("ADMIN_TOKEN", "auth.adminToken");
    map.put("GUEST_TOKEN_SECRET", "auth.guestTokenSecret");
    map.put("PAIRING_DEFAULT_TTL", "auth.pairing.defaultTtl");
    map.put("PAIRING_MAX_TTL", "auth.pairing.maxTtl");
    map.put("PAIRING_CLAIM_URL", "auth.pairing.claimUrl");
    map.put("PAIRING_MAX_FAILED_CLAIMS", "auth.pairing.maxFailedClaims");
    map.put("PAIRING_CLIENT_FAILED_CLAIMS", "auth.pairing.clientFailedClaims");
    map.put("PAIRING_CLIENT_WINDOW", "auth.pairing.clientWindow");
    map.put("SYNC_SNAPSHOT_PAGE_ROWS", "sync.snapshotPageRows");
    map.put("SYNC_DELTA_MAX_ROWS", "sync.deltaMaxRows");
    map.put("SYNC_CHANGE_RETENTION", "sync.changeRetention");
    map.put("SYNC_PRUNE_INTERVAL", "sync.pruneInterval");
    map.put("MANAGEMENT_ENABLED", "management.enabled");
    map.put("MANAGEMENT_HOST", "management.host");
    map.put("MANAGEMENT_PORT", "management.port");
    map.put("CORS_ALLOWED_ORIGINS", "http.cors.allowedOrigins");
    map.put("CORS_ALLOW_CREDENTIALS", "http.cors.allowCredentials");
    map.put("CORS_MAX_AGE", "http.cors.maxAge");
    map.put("RATE_LIMIT_ENABLED", "rateLimit.enabled");
    map.put("RATE_LIMIT_RPS", "rateLimit.requestsPerSecond");
    map.put("RATE_LIMIT_BURST", "rateLimit.burst");
    map.put("RATE_LIMIT_UNAUTHENTICATED_RPS", "rateLimit.unauthenticatedRequestsPerSecond");
    map.put("RATE_LIMIT_UNAUTHENTICATED_BURST", "rateLimit.unauthenticatedBurst");
    map.put("RATE_LIMIT_MAX_KEYS", "rateLimit.maxKeys");
    map.put("WEBHOOKS_ENABLED", "webhooks.enabled");
    map.put("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "webhooks.allowPrivateTargets");
    map.put("WEBHOOKS_ALLOW_HTTP", "webhooks.allowHttp");
    map.put("WEBHOOKS_ATTEMPT_TIMEOUT", "webhooks.attemptTimeout");
    map.put("WEBHOOKS_POLL_INTERVAL", "webhooks.pollInterval");
    map.put("WEBHOOKS_IDLE_CHECK_INTERVAL", "webhooks.idleCheckInterval");
    map.put("WEBHOOKS_LEASE", "webhooks.lease");
    map.put("WEBHOOKS_INITIAL_BACKOFF", "webhooks.initialBackoff");
    map.put("WEBHOOKS_MAX_BACKOFF", "webhooks.maxBackoff");
    map.put("WEBHOOKS_RETRY_FOR", "webhooks.retryFor");
    map.put("WEBHOOKS_DISABLE_AFTER", "webhooks.disableAfter");
    map.put("WEBHOOKS_RETENTION", "webhooks.retention");
    return Map.copyOf(map);
  }

  /** The environment name from ENVIRONMENT (default development); unknown names fail. */
  public static String environment(Map<String, String> env) {
    String name = env.getOrDefault("ENVIRONMENT", "development").trim();
    if (Arrays.asList(AppConfig.ENVIRONMENTS).contains(name)) {
      return name;
    }
    throw new ConfigException("ENVIRONMENT", "must be one of " + String.join(", ", AppConfig.ENVIRONMENTS) + " (was '" + name + "')");
  }

  /**
   * Loads with a short-lived Vert.x of its own, closed before the future completes: the
   * service's Vert.x is built from the configuration (clustered or not), so it cannot be the
   * one that reads it. The future carries no context, so anything may be chained on it after
   * that Vert.x is gone.
   */
  public static Future<AppConfig> load(Map<String, String> env) {
    // Only reads two small files. Its blocked-thread warnings could only mean a starved machine,
    // and would land on the standard output the token command prints its token to.
    Vertx reader = Vertx.vertx(new io.vertx.core.VertxOptions()
        .setBlockedThreadCheckInterval(1).setBlockedThreadCheckIntervalUnit(java.util.concurrent.TimeUnit.HOURS));
    Promise<AppConfig> loaded = Promise.promise();
    load(reader, env).onComplete(outcome -> reader.close().onComplete(closed -> loaded.handle(outcome)));
    return loaded.future();
  }

  /** Loads and validates the configuration for the environment named in {@code env}. */
  public static Future<AppConfig> load(Vertx vertx, Map<String, String> env) {
    String environment;
    try {
      environment = environment(env);
    } catch (ConfigException e) {
      return Future.failedFuture(e);
    }
    ConfigRetriever retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
        .setIncludeDefaultStores(false)
        .setScanPeriod(-1)
        .addStore(file("conf/base.json"))
        .addStore(file("conf/" + environment + ".json")));
    return retriever.getConfig()
        .eventually(retriever::close)
        .map(files -> fromJson(environment, files, env));
  }

  /** Applies the environment overrides to already-merged file configuration and validates. */
  public static AppConfig fromJson(String environment, JsonObject files, Map<String, String> env) {
    JsonObject merged = files.copy();
    Map<String, String> origin = new LinkedHashMap<>();
    ENV_OVERRIDES.forEach((variable, key) -> {
      String value = env.get(variable);
      if (value != null && !value.isBlank()) {
        put(merged, key, value.trim());
        origin.put(key, variable);
      }
    });
    try {
      return AppConfig.from(environment, merged);
    } catch (ConfigException e) {
      throw e.withVariables(VARIABLES_BY_KEY, origin);
    }
  }

  /**
   * A duration in the configuration's syntax ({@code 300}, {@code 10s}, {@code 500ms}, {@code 5m},
   * {@code 1h}), for the places outside the files that accept the same; null when it is not one.
   */
  public static java.time.Duration duration(String text) {
    try {
      return ConfigReader.parseDuration("duration", text);
    } catch (ConfigException e) {
      return null;
    }
  }

  private static ConfigStoreOptions file(String path) {
    return new ConfigStoreOptions()
        .setType("file")
        .setFormat("json")
        .setOptional(false)
        .setConfig(new JsonObject().put("path", path));
  }

  private static void put(JsonObject root, String dottedKey, String value) {
    String[] parts = dottedKey.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }
}
