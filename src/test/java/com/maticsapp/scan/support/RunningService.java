package com.maticsapp.scan.support;

import com.maticsapp.scan.Application;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.WebClientSession;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The whole service, started in-process exactly as Main starts it (configuration from
 * conf/base.json + conf/test.json + environment overrides, migrations, verticles), plus a
 * small HTTP client. Calls block the test thread with Future.await(), never an event loop.
 */
public final class RunningService implements AutoCloseable {

  /** A bound on building a clustered Vert.x (joining, or forming the cluster alone). */
  private static final long CLUSTER_JOIN_SECONDS = 60;

  private final Application app;
  private final AppConfig config;
  private final int port;
  private final WebClient http;
  /** On the management port; null when the management server is disabled. */
  private final WebClient management;

  /** The user every request of {@link #client()} acts as, unless a test sets its own Authorization header. */
  public static final String USER = "user-1";

  private RunningService(Application app, AppConfig config, int port) {
    this.app = app;
    this.config = config;
    this.port = port;
    this.http = as(app.vertx(), port, Tokens.user(USER));
    int managementPort = app.managementPort();
    this.management = managementPort < 0 ? null : ContractCheck.validating(WebClient.create(app.vertx(),
        new WebClientOptions().setDefaultHost(config.management().host()).setDefaultPort(managementPort)),
        ApiContract.Server.MANAGEMENT);
  }

  /**
   * A client whose every request carries {@code token} (null: no Authorization header), like a
   * signed-in app would send it. Every response it receives is held to openapi.yaml
   * ({@link ContractCheck}).
   */
  public static WebClient as(Vertx vertx, int port, String token) {
    return as(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port), token);
  }

  /** As {@link #as(Vertx, int, String)}, with the caller's client options (host and port included). */
  public static WebClient as(Vertx vertx, WebClientOptions options, String token) {
    WebClient plain = ContractCheck.validating(WebClient.create(vertx, options, new PoolOptions().setHttp1MaxSize(64)));
    return token == null ? plain : WebClientSession.create(plain).addHeader("Authorization", Tokens.bearer(token));
  }

  /** A client acting as another user (a token for {@code userId}) or with any other token. */
  public WebClient clientWithToken(String token) {
    return as(app.vertx(), port, token);
  }

  /** Starts against {@code database} with the test environment's configuration. */
  public static RunningService start(TestDatabase database) {
    return start(database.url(), Map.of());
  }

  /**
   * Starts with DATABASE_URL and further environment variables (e.g. DB_POOL_MAX_SIZE). With
   * CLUSTER_ENABLED=true (see {@link #startClustered}) the instance joins a Hazelcast cluster,
   * exactly as Main would build it.
   */
  public static RunningService start(String databaseUrl, Map<String, String> extraEnv) {
    ApiContract.shared(); // read and compiled here, not on an event loop at the first response
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("ENVIRONMENT", "test");
    env.put("DATABASE_URL", databaseUrl);
    AppConfig config = ConfigLoader.load(env).await();
    Application app;
    try {
      app = Application.createFor(config).await(CLUSTER_JOIN_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the clustered Vert.x was not built within " + CLUSTER_JOIN_SECONDS + " s", e);
    }
    try {
      int port = app.start(config).await();
      return new RunningService(app, config, port);
    } catch (RuntimeException e) {
      app.vertx().close().await();
      throw e;
    }
  }

  /**
   * One member of a cluster on loopback: its Hazelcast on {@code 127.0.0.1:hazelcastPort}, the
   * event bus on a free port, TCP/IP discovery of {@code members} ("host:port" of every member,
   * this one included).
   */
  public static RunningService startClustered(TestDatabase database, int hazelcastPort, List<String> members,
                                              Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put("CLUSTER_ENABLED", "true");
    env.put("CLUSTER_HOST", "127.0.0.1");
    env.put("CLUSTER_PORT", Integer.toString(hazelcastPort));
    env.put("CLUSTER_MEMBERS", String.join(",", members));
    env.put("EVENT_BUS_HOST", "127.0.0.1");
    env.put("EVENT_BUS_PORT", "0");
    return start(database.url(), env);
  }

  public Vertx vertx() {
    return app.vertx();
  }

  public Application application() {
    return app;
  }

  public AppConfig config() {
    return config;
  }

  public int port() {
    return port;
  }

  /** The port the management server bound (health and /metrics without credentials); -1 when disabled. */
  public int managementPort() {
    return app.managementPort();
  }

  public HttpResponse<Buffer> get(String path) {
    return http.get(path).send().await();
  }

  /** GET on the management port, e.g. /api/health/detailed or /metrics. */
  public HttpResponse<Buffer> getManagement(String path) {
    if (management == null) {
      throw new IllegalStateException("the management server is disabled (management.enabled)");
    }
    return management.get(path).send().await();
  }

  /** GET on the public port with the admin bearer token (auth.adminToken of the test profile). */
  public HttpResponse<Buffer> getAsAdmin(String path) {
    // Not through the session client: its user token would be a second Authorization header.
    WebClient plain = as(app.vertx(), port, null);
    try {
      return plain.get(path).bearerTokenAuthentication(config.admin().adminToken()).send().await();
    } finally {
      plain.close();
    }
  }

  public HttpResponse<Buffer> post(String path, JsonObject body) {
    return http.post(path).putHeader("Content-Type", "application/json").sendBuffer(body.toBuffer()).await();
  }

  public HttpResponse<Buffer> patch(String path, JsonObject body) {
    return http.patch(path).putHeader("Content-Type", "application/json").sendBuffer(body.toBuffer()).await();
  }

  /** Any method with a raw body and content type: for malformed-input tests. */
  public HttpResponse<Buffer> raw(HttpMethod method, String path, String contentType, Buffer body) {
    var request = http.request(method, path);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    return (body == null ? request.send() : request.sendBuffer(body)).await();
  }

  public WebClient client() {
    return http;
  }

  @Override
  public void close() {
    http.close();
    if (management != null) {
      management.close();
    }
    app.stop().await();
  }
}
