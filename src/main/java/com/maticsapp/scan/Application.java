package com.maticsapp.scan;

import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.db.DataVerticle;
import com.maticsapp.scan.db.DatabaseActivity;
import com.maticsapp.scan.db.Migrations;
import com.maticsapp.scan.health.HealthVerticle;
import com.maticsapp.scan.http.HttpVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.EnumSet;
import java.util.Properties;
import java.util.UUID;

/**
 * Start-up in order: migrations, then the data verticle (which owns the pool), the health
 * verticle, and the HTTP verticles. The first failure stops the chain. Used by {@link Main},
 * by the development launcher and by the tests, so all three start the same service.
 */
public final class Application {

  private static final Logger log = LoggerFactory.getLogger(Application.class);

  private final Vertx vertx;
  private final PrometheusMeterRegistry registry;

  private Application(Vertx vertx, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.registry = registry;
  }

  /** A Vert.x instance with Micrometer metrics (pool, HTTP, event bus) on its own registry. */
  public static Application create() {
    return create(new VertxOptions());
  }

  public static Application create(VertxOptions options) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setRegistryName("matic-scan-" + UUID.randomUUID())
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME,
            Label.CLIENT_NAME, Label.EB_SIDE));
    Vertx vertx = Vertx.builder()
        .with(options.setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    return new Application(vertx, registry);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Migrates and deploys; completes with the HTTP port actually bound. */
  public Future<Integer> start(AppConfig config) {
    DatabaseActivity activity = new DatabaseActivity();
    String version = version();
    log.info("starting matic-scan {} ({} environment) against {}; pool max size {} per instance, pooler mode {}",
        version, config.environment(), config.database().describe(), config.database().pool().maxSize(),
        config.database().pooler());
    return Migrations.run(vertx, config.database())
        .compose(migrated -> vertx.deployVerticle(() -> new DataVerticle(config, activity, registry),
            new DeploymentOptions().setInstances(config.data().instances())))
        .compose(data -> vertx.deployVerticle(new HealthVerticle(config, version)))
        .compose(health -> vertx.deployVerticle(() -> new HttpVerticle(config, registry),
            new DeploymentOptions().setInstances(config.http().instances())))
        .map(http -> (Integer) vertx.sharedData().getLocalMap(HttpVerticle.STATE_MAP).get(HttpVerticle.PORT_KEY));
  }

  /** Readiness goes DOWN first, then everything is undeployed and the pool closed. */
  public Future<Void> stop() {
    vertx.sharedData().getLocalMap(HealthVerticle.STATE_MAP).put(HealthVerticle.SHUTTING_DOWN, true);
    return vertx.close();
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
