package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.BusCodecs;
import com.maticsapp.scan.Lifecycle;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.config.AppConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The HTTP API. Routing only: it validates input, asks the data and health verticles over
 * the event bus and maps their answers to HTTP. It never touches the database. One instance
 * runs per event loop; all instances share the listening port.
 * Stopping drains the instance's requests first ({@link HttpDrain}).
 */
public final class HttpVerticle extends VerticleBase {

  /**
   * A connection that neither sends nor receives for this long is closed. Long waits on one
   * request (an import with {@code ?wait=true}) are bounded below it (transfer.importDeadline).
   */
  static final int IDLE_TIMEOUT_SECONDS = 120;

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

  /** Local map (and key in it) where the first instance publishes the port it bound. */
  public static final String STATE_MAP = "matic-scan.http";
  public static final String PORT_KEY = "http-port";

  private final AppConfig config;
  private final PrometheusMeterRegistry registry;
  private final Gate gate;
  private HttpServer server;
  private Router router;
  private Responses responses;
  private HttpDrain drain;
  private ScanStreamRoutes streams;

  /** {@code gate}: the token verifier, rate limiter and claim counts all instances share. */
  public HttpVerticle(AppConfig config, PrometheusMeterRegistry registry, Gate gate) {
    this.config = config;
    this.registry = registry;
    this.gate = gate;
  }

  @Override
  public Future<?> start() {
    BusCodecs.register(vertx);
    responses = new Responses(config.http().retryAfter().toSeconds());
    Future<WebRoutes> loadedWeb = WebRoutes.load(vertx, responses);
    Future<ApiDocs> loadedDocs = ApiDocs.load(vertx, responses);
    return Future.all(vertx.fileSystem().readFile("openapi.yaml"), loadedWeb, loadedDocs).compose(loaded -> {
      Buffer openApi = loaded.resultAt(0);
      WebRoutes web = loadedWeb.result();
      ApiDocs docs = loadedDocs.result();
      DataClient data = new DataClient(vertx, responses, config.http());
      ScanRoutes scans = new ScanRoutes(data, responses, config.limits());
      TableRoutes tables = new TableRoutes(data, config.limits());
      ErasureRoutes erasure = new ErasureRoutes(data, responses, config.limits().jsonMaxDepth());
      TransferRoutes transfers = new TransferRoutes(vertx, data, responses, config.transfer(),
          config.limits().pageMaxRows(), config.limits().pageMaxScans());
      HealthRoutes health = new HealthRoutes(data, responses, registry, openApi);
      RateLimitHandler rateLimit = new RateLimitHandler(gate.limiter(), responses, registry);
      AdminAccess admin = new AdminAccess(config.admin(), gate.authenticator(), responses);
      AccessRoutes access = new AccessRoutes(data, responses, gate.claims(), config.limits().jsonMaxDepth(),
          new PublicUrls(config.http().publicUrl(), config.auth().pairing().claimUrl()));
      SyncRoutes sync = new SyncRoutes(data, responses);
      WebhookRoutes webhooks = new WebhookRoutes(data, responses, config.limits().jsonMaxDepth(), config.limits().pageMaxRows());
      Authentication authentication = new Authentication(gate.authenticator(), rateLimit, responses);
      Handler<RoutingContext> caller = authentication::required;
      streams = new ScanStreamRoutes(vertx, data, responses, config.http().stream(), gate.streams(), registry);
      BodyHandler body = BodyHandler.create(false).setBodyLimit(config.http().bodyLimit());
      BodyHandler bulkBody = BodyHandler.create(false).setBodyLimit(config.http().bulkBodyLimit());

      router = Router.router(vertx);
      drain = new HttpDrain(vertx, responses);
      // Every request, in one route (one match instead of three): CORS, metrics, the drain.
      // Rate limits come with each route: by caller once the token is verified (Authentication),
      // so one NAT's phones do not share a bucket; by address on the open routes.
      router.route()
          .handler(new Cors(config.http().cors())::handle)
          .handler(new RequestMetrics(registry)::measure)
          .handler(drain::admit);

      // The scanning hot path first: routes are tried in order, and path patterns cost a regex each.
      router.get("/api/tables/:table_id/rows/search").handler(caller).handler(scans::search);
      router.post("/api/scans").handler(body).handler(caller).handler(scans::record);
      router.post("/api/scans/batch").handler(bulkBody).handler(caller).handler(scans::recordBatch);

      // Open: health probes, the API description (document and Swagger UI), and claiming a pairing (the code is the credential).
      router.get("/api/health").handler(health::live);
      router.get("/api/health/live").handler(health::live);
      router.get("/api/health/ready").handler(health::ready);
      router.get("/api/health/database").handler(health::database);
      router.get("/api/health/detailed").handler(admin::require).handler(health::detailed);
      router.get("/metrics").handler(admin::require).handler(health::metrics);
      router.get("/api/openapi.yaml").handler(rateLimit::byAddress).handler(health::openApi);
      router.get("/api/docs").handler(rateLimit::byAddress).handler(docs::page);
      router.get("/api/docs/:file").handler(rateLimit::byAddress).handler(docs::asset);
      router.post("/api/pairings/claim").handler(body).handler(rateLimit::byAddress).handler(access::claim);

      // Everything else, like the hot path, acts for the caller its bearer token proves (401
      // without one). Body handlers come first (vertx-web's order); body limits bound the cost.
      router.post("/api/workspaces").handler(body).handler(caller).handler(tables::createWorkspace);
      router.get("/api/workspaces").handler(caller).handler(access::listWorkspaces);
      router.get("/api/workspaces/:workspace_id/tables").handler(caller).handler(tables::listTables);
      router.get("/api/workspaces/:workspace_id/members").handler(caller).handler(access::listMembers);
      router.put("/api/workspaces/:workspace_id/members/:user_id").handler(body).handler(caller).handler(access::putMember);
      router.delete("/api/workspaces/:workspace_id/members/:user_id").handler(caller).handler(access::removeMember);

      router.post("/api/tables").handler(body).handler(caller).handler(tables::createTable);
      router.get("/api/tables/:table_id").handler(caller).handler(tables::getTable);
      router.patch("/api/tables/:table_id/columns/:column_id").handler(body).handler(caller).handler(tables::updateColumn);
      router.post("/api/tables/:table_id/rows/bulk").handler(bulkBody).handler(caller).handler(tables::createRows);
      router.post("/api/tables/:table_id/rows").handler(body).handler(caller).handler(tables::createRow);
      router.get("/api/tables/:table_id/rows").handler(caller).handler(tables::listRows);
      router.get("/api/tables/:table_id/rows/:row_id").handler(caller).handler(tables::getRow);
      router.patch("/api/tables/:table_id/rows/:row_id").handler(body).handler(caller).handler(tables::updateRow);
      router.get("/api/tables/:table_id/scans/stream").handler(authentication::requiredForStream).handler(streams::stream);
      router.post("/api/tables/:table_id/pairings").handler(body).handler(caller).handler(access::openPairing);
      router.get("/api/tables/:table_id/pairings").handler(caller).handler(access::listPairings);
      router.delete("/api/tables/:table_id/pairings/:pairing_id").handler(caller).handler(access::revokePairing);
      router.get("/api/tables/:table_id/columns/:column_id/snapshot").handler(caller).handler(sync::snapshot);
      router.get("/api/tables/:table_id/devices").handler(caller).handler(sync::listDevices);
      router.delete("/api/tables/:table_id/devices/:device_id").handler(caller).handler(sync::revokeDevice);

      router.get("/api/scans").handler(caller).handler(scans::list);
      router.post("/api/scans/:scan_id/undo").handler(body).handler(caller).handler(scans::undo);
      router.get("/api/tables/:table_id/scan-status").handler(caller).handler(scans::status);
      router.get("/api/tables/:table_id/conflicts").handler(caller).handler(scans::conflicts);

      // Files in and out. The upload is paused before the token check and read (spooled) only
      // once an import job exists for it; exports stream keyset pages with backpressure.
      router.post("/api/tables/:table_id/import").handler(transfers::pause).handler(caller).handler(transfers::importFile);
      router.post("/api/workspaces/:workspace_id/tables/import").handler(transfers::pause).handler(caller).handler(transfers::createTableFromFile);
      router.get("/api/imports/:job_id").handler(caller).handler(transfers::getImport);
      router.get("/api/tables/:table_id/export").handler(caller).handler(transfers::exportTable);
      router.get("/api/scans/export").handler(caller).handler(transfers::exportScans);

      // Erasing personal data: real deletes that also erase the history's copies of the cells.
      router.delete("/api/tables/:table_id/rows/:row_id").handler(caller).handler(erasure::deleteRow);
      router.post("/api/tables/:table_id/rows/delete").handler(body).handler(caller).handler(erasure::deleteRows);
      router.delete("/api/tables/:table_id").handler(caller).handler(erasure::deleteTable);
      router.put("/api/workspaces/:workspace_id/retention").handler(body).handler(caller).handler(erasure::setRetention);
      router.patch("/api/tables/:table_id").handler(body).handler(caller).handler(erasure::renameTable);
      router.post("/api/tables/:table_id/columns").handler(body).handler(caller).handler(erasure::addColumn);
      router.delete("/api/tables/:table_id/columns/:column_id").handler(caller).handler(erasure::removeColumn);

      router.post("/api/workspaces/:workspace_id/webhooks").handler(body).handler(caller).handler(webhooks::create);
      router.get("/api/workspaces/:workspace_id/webhooks").handler(caller).handler(webhooks::list);
      router.get("/api/workspaces/:workspace_id/webhooks/:webhook_id").handler(caller).handler(webhooks::get);
      router.patch("/api/workspaces/:workspace_id/webhooks/:webhook_id").handler(body).handler(caller).handler(webhooks::update);
      router.delete("/api/workspaces/:workspace_id/webhooks/:webhook_id").handler(caller).handler(webhooks::delete);
      router.post("/api/workspaces/:workspace_id/webhooks/:webhook_id/secret").handler(body).handler(caller).handler(webhooks::rotateSecret);
      router.get("/api/workspaces/:workspace_id/webhooks/:webhook_id/deliveries").handler(caller).handler(webhooks::deliveries);
      router.post("/api/workspaces/:workspace_id/webhooks/:webhook_id/deliveries/:delivery_id/redeliver").handler(body).handler(caller).handler(webhooks::redeliver);
      router.post("/api/workspaces/:workspace_id/webhooks/:webhook_id/redeliver").handler(body).handler(caller).handler(webhooks::redeliverSince);

      // The web client (open: the pages hold no data; the API behind them asks for a token).
      router.get("/").handler(web::home);
      router.get("/pair").handler(web::phone);
      router.get("/desk").handler(web::desk);
      router.get("/sw.js").handler(web::serviceWorker);
      router.get("/manifest.webmanifest").handler(web::manifest);
      router.get("/assets/:file").handler(web::asset);

      router.route().failureHandler(ctx -> failed(ctx, responses));
      router.errorHandler(400, ctx -> responses.problem(ctx, 400, "Bad request", "the request line or headers are malformed", null));
      router.errorHandler(404, ctx -> responses.problem(ctx, 404, "Not found", "no route for " + ctx.request().path(), null));
      router.errorHandler(405, ctx -> responses.problem(ctx, 405, "Method not allowed",
          ctx.request().method() + " is not allowed on " + ctx.request().path(), null));

      HttpServerOptions options = new HttpServerOptions()
          .setHost(config.http().host())
          // Port 0 asks for any free port; -1 makes every instance share the one that is picked.
          .setPort(config.http().port() == 0 ? -1 : config.http().port())
          .setIdleTimeout(IDLE_TIMEOUT_SECONDS)
          .setCompressionSupported(false)
          // No cleartext HTTP/2 (neither prior knowledge nor Upgrade: h2c): an h2c upgrade passed
          // through a proxy is itself a way past the proxy's rules, and without it each HTTP/1.x
          // connection's pipeline is complete before its first byte, which RequestFraming needs.
          .setHttp2ClearTextEnabled(false)
          .setMaxHeaderSize(config.http().maxHeaderSize())
          .setMaxInitialLineLength(config.http().maxInitialLineLength());
      return streams.start().compose(subscribed -> vertx.createHttpServer(options)
          .connectionHandler(connection -> RequestFraming.strictDecoder(connection, options))
          .requestHandler(this::request)
          .invalidRequestHandler(this::invalidRequest)
          .listen());
    }).onSuccess(started -> {
      server = started;
      vertx.sharedData().getLocalMap(STATE_MAP).putIfAbsent(PORT_KEY, started.actualPort());
    });
  }

  /** The routes this instance serves, once started (for checking them against openapi.yaml). */
  List<Route> routes() {
    return router == null ? List.of() : router.getRoutes();
  }

  /**
   * Drains (see {@link HttpDrain}) within the shutdown's drain deadline, then closes. The live
   * scan streams are ended as the drain begins (a stream's response never ends by itself, so
   * each would otherwise hold the drain until its deadline); new requests, streams included,
   * are already refused by then.
   */
  @Override
  public Future<?> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    return drain.drain(server, Lifecycle.drainDeadline(vertx, config.http().drainTimeout()), streams::endAll)
        .eventually(streams::unsubscribe);
  }

  /** Every decoded request: to the router, unless its framing is ambiguous ({@link RequestFraming}). */
  private void request(HttpServerRequest request) {
    if (RequestFraming.ambiguous(request)) {
      RequestFraming.refuse(request, responses);
    } else {
      router.handle(request);
    }
  }

  /**
   * A request Netty could not decode never reaches the router: a request line over
   * {@code http.maxInitialLineLength} (414), headers over {@code http.maxHeaderSize} (431), a
   * chunked request that also carries Content-Length ({@link RequestFraming}: 400), or
   * anything else malformed (400). It gets a problem document like every other failure; Vert.x
   * closes the connection once the response is written, since the rest of what the client
   * sends on it cannot be framed.
   */
  private void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof TooLongHttpLineException) {
      responses.problem(request, null, 414, "URI too long",
          "the request line exceeds " + config.http().maxInitialLineLength() + " bytes", null);
    } else if (cause instanceof RequestFraming.AmbiguousFraming) {
      responses.problem(request, null, 400, "Bad request", RequestFraming.DETAIL, null);
    } else if (cause instanceof TooLongHttpHeaderException) {
      responses.problem(request, null, 431, "Request header fields too large",
          "the request headers exceed " + config.http().maxHeaderSize() + " bytes", null);
    } else {
      responses.problem(request, null, 400, "Bad request", "the request line or headers are malformed", null);
    }
  }

  /**
   * The one place thrown failures become responses: handlers throw {@link ServiceFailure}
   * for bad input; BodyHandler fails with 413 for oversized bodies, CorsHandler with 403 for
   * an origin that is not allowed.
   */
  private static void failed(RoutingContext ctx, Responses responses) {
    Throwable cause = ctx.failure();
    if (cause instanceof ServiceFailure failure) {
      responses.problem(ctx, failure);
    } else if (ctx.statusCode() == 413) {
      responses.problem(ctx, 413, "Payload too large", "the request body exceeds the limit for this route", null);
    } else if (ctx.statusCode() == 403) {
      // CorsHandler refuses a request whose Origin is not in http.cors.allowedOrigins.
      responses.problem(ctx, 403, "Forbidden", "the request's origin is not allowed", null);
    } else if (cause == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      responses.problem(ctx, ctx.statusCode(), "Bad request", "the request could not be processed", null);
    } else {
      log.error("unhandled failure on {} {}", ctx.request().method(), ctx.request().path(), cause);
      responses.problem(ctx, 500, "Internal error", "an unexpected error occurred", null);
    }
  }
}
