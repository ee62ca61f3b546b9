package com.maticsapp.scan.http;

import com.maticsapp.scan.bus.Lifecycle;
import com.maticsapp.scan.bus.ServiceFailure;
import com.maticsapp.scan.config.AppConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP API. Routing only: it validates input, asks the data and health verticles over
 * the event bus and maps their answers to HTTP. It never touches the database. One instance
 * runs per event loop; all instances share the listening port.
 *
 * <p>Stopping drains: from the moment {@link #stop()} runs, new requests are answered 503 with
 * Retry-After (health routes keep answering), the requests already admitted get until the
 * drain deadline ({@link Lifecycle#drainDeadline}) to finish (their responses say
 * {@code Connection: close}), the clients get up to {@link #DRAIN_LINGER_MILLIS} to go quiet
 * (no request but health probes for {@link #DRAIN_QUIET_MILLIS}), and then the server shuts down
 * gracefully (listener closed, each remaining connection closed once its response is written,
 * all of it bounded by what is left of the deadline).
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

  /**
   * After the last admitted request ended, how long the server waits at most for its clients
   * to go quiet (every response of the drain says {@code Connection: close} and 503s say
   * Retry-After) before it closes the remaining connections and the listener. A request
   * already on its way over a kept-alive connection, or from a client reconnecting at once
   * after {@code Connection: close}, thus gets a clean 503 instead of a connection closed
   * under it.
   */
  static final long DRAIN_LINGER_MILLIS = 1_000;

  /** The clients count as quiet once no request but health probes has come for this long. */
  static final long DRAIN_QUIET_MILLIS = 100;

  /** Local map key under which the first instance publishes the port it bound. */
  public static final String PORT_KEY = "http-port";

  private final AppConfig config;
  private final PrometheusMeterRegistry registry;
  private HttpServer server;
  private Router router;
  private Responses responses;
  /** Set when stop() begins; only touched on this verticle's event loop. */
  private boolean draining;
  /** Admitted (non-health) requests whose response has not ended. */
  private int inFlight;
  /** Completed when {@link #inFlight} reaches 0 during the drain. */
  private Promise<Void> drained;
  /** Open client connections of this instance. */
  private int connections;
  /** A response of the drain told its client to reconnect ({@code Connection: close}). */
  private boolean closeAdvised;
  /** Completed once no request but health probes has come for {@link #DRAIN_QUIET_MILLIS} during the drain. */
  private Promise<Void> quiet;
  private long quietTimer = -1;

  public HttpVerticle(AppConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    return vertx.fileSystem().readFile("openapi.yaml").compose(openApi -> {
      responses = new Responses(config.http().retryAfter().toSeconds());
      DataClient data = new DataClient(vertx, responses, config.http());
      ScanRoutes scans = new ScanRoutes(data, responses, config.limits());
      TableRoutes tables = new TableRoutes(data, config.limits());
      HealthRoutes health = new HealthRoutes(data, responses, registry, openApi);
      BodyHandler body = BodyHandler.create(false).setBodyLimit(config.http().bodyLimit());
      BodyHandler bulkBody = BodyHandler.create(false).setBodyLimit(config.http().bulkBodyLimit());

      router = Router.router(vertx);
      router.route().handler(this::admit);
      router.get("/api/health").handler(health::live);
      router.get("/api/health/live").handler(health::live);
      router.get("/api/health/ready").handler(health::ready);
      router.get("/api/health/database").handler(health::database);
      router.get("/api/health/detailed").handler(health::detailed);
      router.get("/metrics").handler(health::metrics);
      router.get("/api/openapi.yaml").handler(health::openApi);

      router.post("/api/workspaces").handler(body).handler(tables::createWorkspace);
      router.post("/api/tables").handler(body).handler(tables::createTable);
      router.get("/api/tables/:table_id").handler(tables::getTable);
      router.post("/api/tables/:table_id/rows/bulk").handler(bulkBody).handler(tables::createRows);
      router.post("/api/tables/:table_id/rows").handler(body).handler(tables::createRow);
      router.get("/api/tables/:table_id/rows/search").handler(scans::search);
      router.get("/api/tables/:table_id/rows").handler(tables::listRows);
      router.get("/api/tables/:table_id/rows/:row_id").handler(tables::getRow);
      router.patch("/api/tables/:table_id/rows/:row_id").handler(body).handler(tables::updateRow);

      router.post("/api/scans/batch").handler(bulkBody).handler(scans::recordBatch);
      router.post("/api/scans").handler(body).handler(scans::record);
      router.get("/api/scans").handler(scans::list);

      router.route().failureHandler(ctx -> failed(ctx, responses));
      router.errorHandler(400, ctx -> responses.problem(ctx, 400, "Bad request", "the request line or headers are malformed", null));
      router.errorHandler(404, ctx -> responses.problem(ctx, 404, "Not found", "no route for " + ctx.request().path(), null));
      router.errorHandler(405, ctx -> responses.problem(ctx, 405, "Method not allowed",
          ctx.request().method() + " is not allowed on " + ctx.request().path(), null));

      HttpServerOptions options = new HttpServerOptions()
          .setHost(config.http().host())
          // Port 0 asks for any free port; -1 makes every instance share the one that is picked.
          .setPort(config.http().port() == 0 ? -1 : config.http().port())
          .setIdleTimeout(120)
          .setCompressionSupported(false);
      return vertx.createHttpServer(options).requestHandler(router).connectionHandler(this::connected).listen();
    }).onSuccess(started -> {
      server = started;
      vertx.sharedData().getLocalMap(STATE_MAP).putIfAbsent(PORT_KEY, started.actualPort());
    });
  }

  public static final String STATE_MAP = "matic-scan.http";

  /** The routes this instance serves, once started (for checking them against openapi.yaml). */
  List<Route> routes() {
    return router == null ? List.of() : router.getRoutes();
  }

  /**
   * The first handler of every request. While draining, anything but a health route is
   * refused with 503 + Retry-After (and, on HTTP/1.x, {@code Connection: close}, so the client
   * takes its next request elsewhere instead of reusing a connection that is about to close).
   * Otherwise the request is counted until its response ends, however it ends.
   */
  private void admit(RoutingContext ctx) {
    if (isHealth(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    if (draining) {
      if (ctx.request().version() != HttpVersion.HTTP_2) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        closeAdvised = true;
      }
      responses.problem(ctx, 503, "Service unavailable", "the service is shutting down; retry the request", null);
      if (quiet != null) {
        startQuietTimer(); // clients are still coming: not quiet yet
      }
      return;
    }
    inFlight++;
    ctx.addHeadersEndHandler(headers -> {
      if (draining && ctx.request().version() != HttpVersion.HTTP_2) {
        // Answered during the drain: the client should not reuse a connection about to close.
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        closeAdvised = true;
      }
    });
    ctx.addEndHandler(ended -> {
      if (--inFlight == 0 && drained != null) {
        drained.tryComplete();
      }
    });
    ctx.next();
  }

  private static boolean isHealth(String path) {
    return path.equals("/api/health") || path.startsWith("/api/health/");
  }

  /**
   * Drains: refuses new requests, waits for the admitted ones until the drain deadline, then
   * shuts the server down gracefully within what is left of it.
   */
  @Override
  public Future<?> stop() {
    draining = true;
    if (server == null) {
      return Future.succeededFuture();
    }
    long deadline = Lifecycle.drainDeadline(vertx, config.http().drainTimeout());
    Future<Void> idle;
    if (inFlight == 0) {
      idle = Future.succeededFuture();
    } else {
      log.info("draining: waiting for {} in-flight requests (up to {} ms)", inFlight,
          Math.max(0, deadline - System.currentTimeMillis()));
      drained = Promise.promise();
      long timer = vertx.setTimer(Math.max(1, deadline - System.currentTimeMillis()), id -> {
        if (drained.tryComplete()) {
          log.warn("drain timeout: closing the HTTP server with {} requests still in flight", inFlight);
        }
      });
      idle = drained.future().onComplete(done -> vertx.cancelTimer(timer));
    }
    return idle
        .compose(done -> clientsGone(Math.min(DRAIN_LINGER_MILLIS, deadline - System.currentTimeMillis())))
        .compose(done -> server.shutdown(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS));
  }

  private void connected(HttpConnection connection) {
    connections++;
    connection.closeHandler(closed -> connections--);
  }

  /**
   * Completes once no request but health probes has come for {@link #DRAIN_QUIET_MILLIS}, or
   * after {@code lingerMillis}; at once when no connection is open and no client was told to
   * reconnect.
   */
  private Future<Void> clientsGone(long lingerMillis) {
    if (lingerMillis <= 0 || (connections == 0 && !closeAdvised)) {
      return Future.succeededFuture();
    }
    quiet = Promise.promise();
    startQuietTimer();
    long timer = vertx.setTimer(lingerMillis, id -> {
      if (quiet.tryComplete() && connections > 0) {
        log.info("draining: clients still sending after {} ms; closing {} connections", lingerMillis, connections);
      }
    });
    return quiet.future().onComplete(done -> {
      vertx.cancelTimer(timer);
      cancelQuietTimer();
    });
  }

  private void startQuietTimer() {
    cancelQuietTimer();
    quietTimer = vertx.setTimer(DRAIN_QUIET_MILLIS, id -> quiet.tryComplete());
  }

  private void cancelQuietTimer() {
    if (quietTimer >= 0) {
      vertx.cancelTimer(quietTimer);
      quietTimer = -1;
    }
  }

  /**
   * The one place thrown failures become responses: handlers throw {@link ServiceFailure}
   * for bad input; BodyHandler fails with 413 for oversized bodies.
   */
  private static void failed(RoutingContext ctx, Responses responses) {
    Throwable cause = ctx.failure();
    if (cause instanceof ServiceFailure failure) {
      responses.problem(ctx, failure);
    } else if (ctx.statusCode() == 413) {
      responses.problem(ctx, 413, "Payload too large", "the request body exceeds the limit for this route", null);
    } else if (cause == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      responses.problem(ctx, ctx.statusCode(), "Bad request", "the request could not be processed", null);
    } else {
      log.error("unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), cause);
      responses.problem(ctx, 500, "Internal error", "an unexpected error occurred", null);
    }
  }
}
