package com.maticsapp.scan.http;

import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ManagementConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port: the health routes and {@code /metrics}, without credentials, on
 * {@code management.host}:{@code management.port} (loopback by default), for the operator's
 * own probes and scrapers. Not rate limited and never drained: it answers until it is
 * undeployed, after the public HTTP verticles. One instance.
 */
public final class ManagementVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(ManagementVerticle.class);

  /** Key in {@link HttpVerticle#STATE_MAP} where the port this server bound is published. */
  public static final String PORT_KEY = "management-port";

  private final AppConfig config;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;

  public ManagementVerticle(AppConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Responses responses = new Responses(config.http().retryAfter().toSeconds());
    HealthRoutes health = new HealthRoutes(new DataClient(vertx, responses, config.http()), responses, registry);

    Router router = Router.router(vertx);
    router.get("/api/health").handler(health::live);
    router.get("/api/health/live").handler(health::live);
    router.get("/api/health/ready").handler(health::ready);
    router.get("/api/health/database").handler(health::database);
    router.get("/api/health/detailed").handler(health::detailed);
    router.get("/metrics").handler(health::metrics);

    router.route().failureHandler(ctx -> responses.failure(ctx, ctx.failure()));
    router.errorHandler(404, ctx -> responses.problem(ctx, 404, "Not found", "no route for " + ctx.request().path(), null));
    router.errorHandler(405, ctx -> responses.problem(ctx, 405, "Method not allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path(), null));

    ManagementConfig management = config.management();
    HttpServerOptions options = new HttpServerOptions()
        .setHost(management.host())
        .setPort(management.port())
        .setIdleTimeout(120)
        .setCompressionSupported(false);
    return vertx.createHttpServer(options).requestHandler(router).listen()
        .recover(failed -> Future.failedFuture(new IllegalStateException("the management server could not listen on "
            + management.host() + ":" + management.port() + " (management.host, management.port): " + failed.getMessage(),
            failed)))
        .onSuccess(started -> {
          server = started;
          vertx.sharedData().getLocalMap(HttpVerticle.STATE_MAP).put(PORT_KEY, started.actualPort());
          log.info("management port {}:{} (health and /metrics without credentials)", management.host(),
              started.actualPort());
        });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
