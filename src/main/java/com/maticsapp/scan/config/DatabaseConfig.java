package com.maticsapp.scan.config;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.PoolOptions;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the database is and how many connections this instance may hold.
 *
 * <p>{@code pooler} says what sits between the service and PostgreSQL: {@code direct} (nothing),
 * {@code session} (a session-mode pooler: one server connection per client connection) or
 * {@code transaction} (a transaction-mode pooler: server connections change between
 * transactions, so named prepared statements and startup parameters do not survive).
 */
public record DatabaseConfig(
    String host,
    int port,
    String database,
    String user,
    String password,
    SslMode sslMode,
    String pooler,
    String applicationName,
    Duration connectTimeout,
    Duration statementTimeout,
    int pipeliningLimit,
    int preparedStatementCacheMaxSize,
    boolean tcpKeepAlive,
    boolean migrate,
    PoolConfig pool) {

  public static final String DIRECT = "direct";
  public static final String SESSION = "session";
  public static final String TRANSACTION = "transaction";

  /** The connection budget of this instance. */
  public record PoolConfig(
      String name,
      int maxSize,
      Duration idleTimeout,
      Duration maxLifetime,
      Duration connectionTimeout,
      int maxWaitQueueSize) {}

  static DatabaseConfig from(ConfigReader db) {
    ConfigReader pool = db.section("pool");
    String host = db.string("host", "127.0.0.1");
    int port = db.integer("port", 5432, 1, 65535);
    String database = db.string("database", "matic_scan");
    String user = db.string("user", "postgres");
    String password = db.string("password", "");
    SslMode sslMode = sslMode(db.key("sslMode"), db.string("sslMode", "disable"));

    String url = db.string("url", null);
    if (url != null && !url.isBlank()) {
      PgConnectOptions parsed = parseUrl(db.key("url"), url.trim());
      String userInfo = userInfo(url.trim());
      host = parsed.getHost();
      port = parsed.getPort();
      database = parsed.getDatabase();
      // The client's parser fills parts the URI leaves out with its own placeholders
      // ("user", "pass"); keep the configured values for those instead.
      if (userInfo != null) {
        user = parsed.getUser();
        password = userInfo.contains(":") && parsed.getPassword() != null ? parsed.getPassword() : password;
      }
      if (url.toLowerCase(Locale.ROOT).contains("sslmode=")) {
        sslMode = parsed.getSslMode();
      }
    }
    if (database == null || database.isBlank()) {
      throw new ConfigException(db.key("database"), "is required");
    }
    return new DatabaseConfig(
        host, port, database, user, password, sslMode,
        db.oneOf("pooler", DIRECT, DIRECT, SESSION, TRANSACTION),
        db.string("applicationName", "matic-scan"),
        db.duration("connectTimeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(5)),
        db.duration("statementTimeout", Duration.ofSeconds(5), Duration.ZERO, Duration.ofHours(1)),
        db.integer("pipeliningLimit", 256, 1, 4096),
        db.integer("preparedStatementCacheMaxSize", 256, 0, 10_000),
        db.bool("tcpKeepAlive", true),
        db.bool("migrate", true),
        new PoolConfig(
            pool.string("name", "matic-scan-db"),
            pool.integer("maxSize", 4, 1, 1_000),
            pool.duration("idleTimeout", Duration.ofSeconds(240), Duration.ZERO, Duration.ofDays(1)),
            pool.duration("maxLifetime", Duration.ofSeconds(300), Duration.ZERO, Duration.ofDays(1)),
            pool.duration("connectionTimeout", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofMinutes(10)),
            pool.integer("maxWaitQueueSize", -1, -1, 1_000_000)));
  }

  private static PgConnectOptions parseUrl(String key, String url) {
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("postgres://") && !lower.startsWith("postgresql://")) {
      throw new ConfigException(key, "must be a postgres:// or postgresql:// URI");
    }
    try {
      String path = URI.create(url.replaceFirst("^[A-Za-z]+://", "postgres://")).getRawPath();
      if (path == null || path.length() <= 1) {
        throw new ConfigException(key, "names no database (postgres://user:password@host:port/database)");
      }
      return PgConnectOptions.fromUri(url);
    } catch (ConfigException e) {
      throw e;
    } catch (RuntimeException e) {
      // The parser's message may quote the URI, password included: keep only our own words.
      throw new ConfigException(key, "is not a valid PostgreSQL connection URI");
    }
  }

  /**
   * The raw "user[:password]" part of a connection URI, or null when it has none. Read from
   * the text itself: java.net.URI drops the user info whenever the host is not an RFC host
   * name (e.g. a Compose service called "matic_db"), which would silently discard the
   * credentials. Call only after {@link #parseUrl} accepted the URI.
   */
  private static String userInfo(String url) {
    String rest = url.substring(url.indexOf("://") + 3);
    int end = rest.length();
    for (char delimiter : new char[] {'/', '?', '#'}) {
      int at = rest.indexOf(delimiter);
      if (at >= 0 && at < end) {
        end = at;
      }
    }
    int at = rest.lastIndexOf('@', end - 1);
    return at < 0 ? null : rest.substring(0, at);
  }

  private static SslMode sslMode(String key, String value) {
    try {
      return SslMode.of(value);
    } catch (RuntimeException e) {
      throw new ConfigException(key, "must be one of disable, allow, prefer, require, verify-ca, verify-full");
    }
  }

  public boolean usesTransactionPooler() {
    return TRANSACTION.equals(pooler);
  }

  /** Connect options for the reactive client. */
  public PgConnectOptions connectOptions() {
    Map<String, String> properties = new HashMap<>();
    properties.put("application_name", applicationName);
    properties.put("TimeZone", "UTC");
    if (!usesTransactionPooler() && !statementTimeout.isZero()) {
      // Startup parameters do not pass through a transaction pooler: there, set
      // statement_timeout on the database role instead (docs/operations.md).
      properties.put("statement_timeout", Long.toString(statementTimeout.toMillis()));
    }
    PgConnectOptions options = new PgConnectOptions()
        .setHost(host)
        .setPort(port)
        .setDatabase(database)
        .setUser(user)
        .setPassword(password)
        .setSslMode(sslMode)
        .setProperties(properties)
        .setPipeliningLimit(pipeliningLimit);
    options.setMetricsName(pool.name());
    if (usesTransactionPooler()) {
      options.setUseLayer7Proxy(true).setCachePreparedStatements(false);
    } else {
      options.setCachePreparedStatements(preparedStatementCacheMaxSize > 0)
          .setPreparedStatementCacheMaxSize(Math.max(1, preparedStatementCacheMaxSize));
    }
    if (sslMode == SslMode.REQUIRE || sslMode == SslMode.PREFER || sslMode == SslMode.ALLOW) {
      // libpq semantics: these modes encrypt but do not verify the server certificate
      // (managed databases often present one this host cannot check). verify-ca and
      // verify-full keep the JVM's trust store and check it.
      options.setSslOptions(new ClientSSLOptions().setTrustAll(true).setHostnameVerificationAlgorithm(""));
    }
    return options;
  }

  /** Transport options: bounded connect, keep-alive so a silently dead peer is noticed. */
  public NetClientOptions transportOptions() {
    return new NetClientOptions()
        .setConnectTimeout((int) connectTimeout.toMillis())
        .setTcpKeepAlive(tcpKeepAlive)
        .setMetricsName(pool.name());
  }

  public PoolOptions poolOptions(boolean shared) {
    return new PoolOptions()
        .setName(pool.name())
        .setShared(shared)
        .setMaxSize(pool.maxSize())
        .setMaxWaitQueueSize(pool.maxWaitQueueSize())
        .setIdleTimeout((int) pool.idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setMaxLifetime((int) pool.maxLifetime().toMillis())
        .setMaxLifetimeUnit(TimeUnit.MILLISECONDS)
        .setConnectionTimeout((int) pool.connectionTimeout().toMillis())
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** A JDBC URL for migrations (Flyway); credentials travel separately. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/" + database
        + "?sslmode=" + sslMode.value + "&ApplicationName=" + applicationName + "-migrate"
        + (usesTransactionPooler() ? "&prepareThreshold=0" : "");
  }

  /** What may be shown in logs and health output: everything but the password. */
  public String describe() {
    return user + "@" + host + ":" + port + "/" + database + " (sslmode=" + sslMode.value + ", pooler=" + pooler + ")";
  }

  @Override
  public String toString() {
    return "DatabaseConfig[" + describe() + ", pool=" + pool + "]";
  }
}
