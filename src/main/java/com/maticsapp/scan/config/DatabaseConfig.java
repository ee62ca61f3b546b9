package com.maticsapp.scan.config;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.PoolOptions;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;

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
    Duration readIdleTimeout,
    Duration statementTimeout,
    int pipeliningLimit,
    int preparedStatementCacheMaxSize,
    boolean tcpKeepAlive,
    boolean migrate,
    String sslRootCert,
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

  /**
   * {@code production}: an explicit {@code database.url} is required (no quiet fall-back to a
   * local database a production start should never use).
   */
  static DatabaseConfig from(ConfigReader db, boolean production) {
    ConfigReader pool = db.section("pool");
    String host = db.string("host", "127.0.0.1");
    int port = db.integer("port", 5432, 1, 65535);
    String database = db.string("database", "matic_scan");
    String user = db.string("user", "postgres");
    String password = db.string("password", "");
    SslMode sslMode = sslMode(db.key("sslMode"), db.string("sslMode", "disable"));

    String url = db.string("url", null);
    if (production && (url == null || url.isBlank())) {
      db.invalid(db.key("url"), "is required in production, e.g. postgres://user:password@host:5432/matic_scan?sslmode=require", null);
    } else if (url != null && !url.isBlank()) {
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
        db.duration("readIdleTimeout", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1)),
        db.duration("statementTimeout", Duration.ofSeconds(5), Duration.ZERO, Duration.ofHours(1)),
        db.integer("pipeliningLimit", 256, 1, 4096),
        db.integer("preparedStatementCacheMaxSize", 256, 0, 10_000),
        db.bool("tcpKeepAlive", true),
        db.bool("migrate", true),
        db.string("sslRootCert", null),
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

  /**
   * Longest SQL text the per-connection cache keeps prepared. The client's default (2,048
   * characters) left the scan statement (about 15,000) out of the cache: PostgreSQL parsed and
   * planned it on every execution, which cost more than executing it (docs/benchmarks.md,
   * 2026-12-07). Every statement the service sends is a constant of its own, so the limit only
   * has to be above the longest of them ({@code PreparedStatementCacheTest} holds it so).
   */
  public static final int PREPARED_STATEMENT_SQL_LIMIT = 64 * 1024;

  public boolean usesTransactionPooler() {
    return TRANSACTION.equals(pooler);
  }

  /** Connect options for the reactive client. */
  public PgConnectOptions connectOptions() {
    Map<String, String> properties = new HashMap<>();
    properties.put("application_name", applicationName);
    properties.put("TimeZone", "UTC");
    if (DIRECT.equals(pooler) && !statementTimeout.isZero()) {
      // Poolers refuse startup parameters they do not track (statement_timeout among them):
      // behind a session pooler it is set per connection instead (Database), behind a
      // transaction pooler on the database role (docs/operations.md).
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
          .setPreparedStatementCacheMaxSize(Math.max(1, preparedStatementCacheMaxSize))
          .setPreparedStatementCacheSqlLimit(PREPARED_STATEMENT_SQL_LIMIT);
    }
    if (sslMode == SslMode.REQUIRE || sslMode == SslMode.PREFER || sslMode == SslMode.ALLOW) {
      // libpq semantics: these modes encrypt but do not verify the server certificate
      // (managed databases often present one this host cannot check).
      options.setSslOptions(new ClientSSLOptions().setTrustAll(true).setHostnameVerificationAlgorithm(""));
    } else if (sslMode == SslMode.VERIFY_CA || sslMode == SslMode.VERIFY_FULL) {
      // Checked against database.sslRootCert (PEM) when given, else the JVM's trusted CAs;
      // verify-full also checks the host name.
      options.setSslOptions(new ClientSSLOptions()
          .setTrustOptions(sslRootCert != null ? new PemTrustOptions().addCertPath(sslRootCert) : systemTrust())
          .setHostnameVerificationAlgorithm(sslMode == SslMode.VERIFY_FULL ? "HTTPS" : ""));
    }
    return options;
  }

  private static TrustOptions systemTrust() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((java.security.KeyStore) null);
      return TrustOptions.wrap(factory);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("the JVM's default trust store cannot be loaded", e);
    }
  }

  /**
   * Transport options: a bounded connect; keep-alive; and a read-idle timeout that closes a
   * connection the server has sent nothing on for {@code readIdleTimeout}. The last one is what
   * bounds a silently dead connection (a network drop with no FIN): its in-flight statements
   * fail and are retried on a new connection instead of hanging until the kernel gives up.
   * Keep it above statementTimeout (a healthy statement always answers by then).
   */
  public NetClientOptions transportOptions() {
    NetClientOptions options = new NetClientOptions()
        .setConnectTimeout((int) connectTimeout.toMillis())
        .setTcpKeepAlive(tcpKeepAlive)
        .setMetricsName(pool.name());
    if (!readIdleTimeout.isZero()) {
      options.setReadIdleTimeout((int) readIdleTimeout.toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    }
    return options;
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
        + "&connectTimeout=" + Math.max(1, connectTimeout.toSeconds()) + "&loginTimeout=" + Math.max(1, connectTimeout.toSeconds())
        + (usesTransactionPooler() ? "&prepareThreshold=0" : "")
        + (sslRootCert != null ? "&sslrootcert=" + sslRootCert : "");
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
