package com.maticsapp.scan;

import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.Lifecycle;
import com.maticsapp.scan.cluster.ClusterStatus;
import com.maticsapp.scan.cluster.ConnectionBudget;
import com.maticsapp.scan.cluster.HazelcastMember;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ClusterConfig;
import com.maticsapp.scan.data.DataVerticle;
import com.maticsapp.scan.data.DatabaseActivity;
import com.maticsapp.scan.data.Migrations;
import com.maticsapp.scan.health.HealthVerticle;
import com.maticsapp.scan.http.ClaimGuard;
import com.maticsapp.scan.http.Gate;
import com.maticsapp.scan.http.HttpVerticle;
import com.maticsapp.scan.http.ListeningSockets;
import com.maticsapp.scan.http.ManagementVerticle;
import com.maticsapp.scan.http.RateLimiter;
import com.maticsapp.scan.http.StreamSlots;
import com.maticsapp.scan.webhooks.WebhookDispatcher;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Start-up in order: migrations, then the data verticle (which owns the pool), the webhook
 * dispatcher (sharing that pool, when {@code webhooks.enabled}), the health verticle, the
 * management server (when enabled), and the HTTP verticles. The first failure
 * stops the chain. {@link #stop()} is the graceful shutdown, in reverse order. Used by
 * {@link Main}, by the development launcher and by the tests, so all three start and stop the
 * same service.
 */
public final class Application {

  private static final Logger log = LoggerFactory.getLogger(Application.class);

  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;
  /** The Hazelcast cluster manager when this Vert.x is clustered, else null. */
  private final HazelcastClusterManager clusterManager;
  private volatile AppConfig config;
  private volatile String dataDeployment;
  private volatile String healthDeployment;
  private volatile String webhooksDeployment;
  private volatile String managementDeployment;
  /** The first HTTP verticle, then the others (see {@link #deployHttp}). */
  private final List<String> httpDeployments = new CopyOnWriteArrayList<>();
  /** Shared by the HTTP and data verticles: verifies tokens (and remembers verified ones). */
  private Authenticator authenticator;
  private ClaimGuard claimGuard;
  private Future<Void> stopping;

  private Application(Vertx vertx, PrometheusMeterRegistry registry, HazelcastClusterManager clusterManager) {
    this.vertx = vertx;
    this.registry = registry;
    this.clusterManager = clusterManager;
  }

  /** A Vert.x instance with Micrometer metrics (pool, HTTP, event bus) on its own registry; not clustered. */
  public static Application create() {
    return create(new VertxOptions());
  }

  public static Application create(VertxOptions options) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ListeningSockets sockets = new ListeningSockets();
    Vertx vertx = Vertx.builder()
        .with(options.setMetricsOptions(metricsOptions()))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .withTransport(sockets)
        .build();
    sockets.attachTo(vertx);
    return new Application(vertx, registry, null);
  }

  /**
   * The Vert.x instance the configuration asks for: with {@code cluster.enabled}, clustered
   * through Hazelcast (TCP/IP discovery from {@code cluster.members}, the event bus on
   * {@code cluster.eventBusHost}:{@code eventBusPort}), completing once this member has joined
   * (or, finding no other member, formed the cluster on its own); otherwise the same as
   * {@link #create()}, and no Hazelcast is started. The future carries no context.
   */
  public static Future<Application> createFor(AppConfig config) {
    ClusterConfig cluster = config.cluster();
    if (!cluster.enabled()) {
      return Future.succeededFuture(create());
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HazelcastClusterManager manager = HazelcastMember.clusterManager(cluster);
    log.info("joining cluster '{}' as {}:{} (event bus {}:{}), members {}", cluster.clusterName(), cluster.host(),
        cluster.port() == 0 ? "<any free port>" : cluster.port(), cluster.eventBusHost(),
        cluster.eventBusPort() == 0 ? "<any free port>" : cluster.eventBusPort(), cluster.members());
    VertxOptions options = new VertxOptions()
        .setEventBusOptions(HazelcastMember.eventBus(cluster))
        .setMetricsOptions(metricsOptions());
    Promise<Application> created = Promise.promise();
    ListeningSockets sockets = new ListeningSockets();
    Vertx.builder()
        .with(options)
        .withMetrics(new MicrometerMetricsFactory(registry))
        .withTransport(sockets)
        .withClusterManager(manager)
        .buildClustered()
        .onComplete(built -> {
          if (built.succeeded()) {
            log.info("joined cluster '{}' as node {}; members seen: {}", cluster.clusterName(), manager.getNodeId(),
                manager.getNodes());
            sockets.attachTo(built.result());
            created.complete(new Application(built.result(), registry, manager));
          } else {
            created.fail(built.cause());
          }
        });
    return created.future();
  }

  /**
   * Vert.x metrics for the pool, the net client, the event bus and the JVM. Not for the HTTP
   * server: in Vert.x 5.0.10 a connection accepted between the port's bind and the creation of
   * the server's metrics carries no connection metric, and its first request then fails inside
   * the Micrometer HTTP server metrics and is never answered (a hung health probe at start-up).
   * HTTP requests are measured by {@code http.RequestMetrics} instead.
   */
  private static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setDisabledMetricsCategories(java.util.Set.of(io.vertx.micrometer.MetricsDomain.HTTP_SERVER.toCategory()))
        .setRegistryName("matic-scan-" + UUID.randomUUID())
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME,
            Label.CLIENT_NAME, Label.EB_SIDE));
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The Hazelcast cluster manager when clustered, else null (tests use it to cut a member off). */
  public HazelcastClusterManager clusterManager() {
    return clusterManager;
  }

  /** Migrates and deploys; completes with the HTTP port actually bound. */
  public Future<Integer> start(AppConfig config) {
    if (config.cluster().enabled() && clusterManager == null) {
      return Future.failedFuture(new IllegalStateException(
          "cluster.enabled is true but this Vert.x is not clustered: build it with Application.createFor(config)"));
    }
    this.config = config;
    DatabaseActivity activity = new DatabaseActivity();
    String version = version();
    ClusterStatus cluster = clusterManager == null
        ? ClusterStatus.disabled(config.cluster())
        : ClusterStatus.of(config.cluster(), clusterManager);
    log.info("starting matic-scan {} ({} environment) against {}; pool max size {} per instance, pooler mode {}",
        version, config.environment(), config.database().describe(), config.database().pool().maxSize(),
        config.database().pooler());
    log.info(ConnectionBudget.of(config).describe());
    log.info("auth: {}", config.auth().enabled() ? "tokens required" : "DISABLED: requests without a token act as '"
        + config.auth().developmentUser() + "' (never in production)");
    authenticator = new Authenticator(vertx, config.auth());
    claimGuard = new ClaimGuard(config.auth().pairing().clientFailedClaims(),
        config.auth().pairing().clientWindow().toMillis(), System::currentTimeMillis);
    return authenticator.start()
        .compose(keys -> Migrations.run(vertx, config.database()))
        .compose(migrated -> vertx.deployVerticle(() -> new DataVerticle(config, activity, registry, authenticator),
            new DeploymentOptions().setInstances(config.data().instances())))
        .compose(data -> {
          dataDeployment = data;
          return config.webhooks().enabled()
              ? vertx.deployVerticle(new WebhookDispatcher(config))
              : Future.succeededFuture((String) null);
        })
        .compose(webhooks -> {
          webhooksDeployment = webhooks;
          return vertx.deployVerticle(new HealthVerticle(config, version, cluster));
        })
        .compose(health -> {
          healthDeployment = health;
          return config.management().enabled()
              ? vertx.deployVerticle(new ManagementVerticle(config, registry))
              : Future.succeededFuture((String) null);
        })
        .compose(management -> {
          managementDeployment = management;
          return deployHttp(config);
        })
        .map(http -> (Integer) vertx.sharedData().getLocalMap(HttpVerticle.STATE_MAP).get(HttpVerticle.PORT_KEY));
  }

  /**
   * The first HTTP verticle, then the others once it listens (a deterministic start-up order).
   * All of them share one rate limiter, so a client's budget does not depend on the event loop
   * its connection landed on.
   */
  private Future<Void> deployHttp(AppConfig config) {
    int instances = config.http().instances();
    RateLimiter limiter = RateLimiter.create(config.rateLimit());
    log.info(frontDoor(config));
    Gate gate = new Gate(authenticator, limiter, claimGuard,
        new StreamSlots(config.http().stream().maxPerCaller(), config.http().stream().maxOpen()));
    return vertx.deployVerticle(() -> new HttpVerticle(config, registry, gate), new DeploymentOptions().setInstances(1))
        .compose(first -> {
          httpDeployments.add(first);
          return instances == 1 ? Future.succeededFuture() : vertx.deployVerticle(
              () -> new HttpVerticle(config, registry, gate),
              new DeploymentOptions().setInstances(instances - 1)).map(rest -> httpDeployments.add(rest));
        })
        .mapEmpty();
  }

  /** One start-up line on CORS, rate limiting and the admin credential. */
  private static String frontDoor(AppConfig config) {
    var cors = config.http().cors();
    var limits = config.rateLimit();
    return "HTTP front door: CORS " + (cors.enabled()
        ? "for " + cors.allowedOrigins() + (cors.allowCredentials() ? " with credentials" : "")
        : "off (no allowed origins)")
        + "; rate limit " + (limits.enabled()
        ? limits.requestsPerSecond() + "/s burst " + limits.burst() + " per client, "
            + limits.unauthenticatedRequestsPerSecond() + "/s burst " + limits.unauthenticatedBurst()
            + " per address-only client, at most " + limits.maxKeys() + " clients tracked"
        : "off")
        + "; detailed health and metrics on the public port " + (config.admin().hasAdminToken()
        ? "to the admin token" : "refused (no admin token)");
  }

  /** The port the management server bound, or -1 when it is disabled or not started. */
  public int managementPort() {
    Object port = vertx.sharedData().getLocalMap(HttpVerticle.STATE_MAP).get(ManagementVerticle.PORT_KEY);
    return port instanceof Integer bound ? bound : -1;
  }

  /**
   * The graceful shutdown, in order; calling it again returns the same future.
   *
   * <ol>
   *   <li>Readiness DOWN at once ({@code /api/health/ready} answers 503).</li>
   *   <li>{@code http.shutdownGrace}: everything is still served while load balancers notice.</li>
   *   <li>Drain, bounded by {@code http.drainTimeout}: the HTTP verticles are undeployed; each
   *       refuses new requests with 503 + Retry-After (health routes keep answering), waits for
   *       its in-flight requests and shuts its server down gracefully.</li>
   *   <li>The management server is closed, then the health verticle is undeployed, then the
   *       webhook dispatcher (the attempts on the wire finish and are recorded), then the data verticles, which let their queued and in-flight statements finish before closing
   *       the database client and its connections.</li>
   *   <li>Vert.x is closed.</li>
   * </ol>
   * Each step runs even when an earlier one failed; the future fails with the first failure.
   * The whole sequence takes at most grace + drain + {@link Lifecycle#DATA_DRAIN_FLOOR} plus
   * the time to close connections.
   */
  public synchronized Future<Void> stop() {
    if (stopping == null) {
      stopping = shutdown();
    }
    return stopping;
  }

  /** How long {@link #stop()} may take at most with this configuration, before closing connections. */
  public static Duration stopBound(AppConfig config) {
    return config.http().shutdownGrace().plus(config.http().drainTimeout()).plus(Lifecycle.DATA_DRAIN_FLOOR);
  }

  private Future<Void> shutdown() {
    long began = System.nanoTime();
    Lifecycle.markShuttingDown(vertx);
    Duration grace = config == null ? Duration.ZERO : config.http().shutdownGrace();
    Duration drain = config == null ? Duration.ZERO : config.http().drainTimeout();
    Future<Void> graceOver;
    if (grace.isZero()) {
      graceOver = Future.succeededFuture();
    } else {
      log.info("shutdown: readiness DOWN; still serving for {} ms (http.shutdownGrace)", grace.toMillis());
      graceOver = vertx.timer(grace.toMillis(), TimeUnit.MILLISECONDS).mapEmpty();
    }
    Future<Void> undeployed = graceOver
        .compose(over -> {
          log.info("shutdown: draining HTTP, new requests get 503, in-flight ones have up to {} ms (http.drainTimeout)",
              drain.toMillis());
          Lifecycle.drainUntil(vertx, System.currentTimeMillis() + drain.toMillis());
          return Future.all(httpDeployments.stream().map(this::undeploy).toList()).<Void>mapEmpty();
        })
        .eventually(() -> undeploy(managementDeployment))
        .eventually(() -> undeploy(healthDeployment))
        .eventually(() -> undeploy(webhooksDeployment))
        .eventually(() -> undeploy(dataDeployment)
            .onSuccess(stopped -> log.info("shutdown: HTTP closed, data verticles stopped, database client closed")))
        .eventually(() -> {
          if (authenticator != null) {
            authenticator.close();
          }
          return Future.succeededFuture();
        });
    // Without a context: the futures above belong to event loops that vertx.close() terminates,
    // so nothing may be chained on them after it.
    Promise<Void> stopped = Promise.promise();
    undeployed.onComplete(outcome -> vertx.close().onComplete(closed -> {
      Throwable failure = outcome.failed() ? outcome.cause() : closed.cause();
      log.info("shutdown {} in {} ms", failure == null ? "complete" : "finished with a failure: " + failure,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
      if (failure == null) {
        stopped.complete();
      } else {
        stopped.fail(failure);
      }
    }));
    return stopped.future();
  }

  private Future<Void> undeploy(String deployment) {
    if (deployment == null || !vertx.deploymentIDs().contains(deployment)) {
      return Future.succeededFuture();
    }
    return vertx.undeploy(deployment);
  }

  static String version() {
    try (InputStream in = Application.class.getResourceAsStream("/matic-scan.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
