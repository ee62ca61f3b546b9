package com.maticsapp.scan.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Graceful stop of one HTTP verticle instance. From the moment {@link #drain} begins, new
 * requests are answered 503 with Retry-After (health routes keep answering), the requests
 * already admitted get until the drain deadline to finish (their responses say
 * {@code Connection: close}), the clients get up to {@link #DRAIN_LINGER_MILLIS} to go quiet
 * (no request but health probes for {@link #DRAIN_QUIET_MILLIS}), and then the server shuts
 * down gracefully (listener closed, each remaining connection closed once its response is
 * written), all of it bounded by the deadline. Lives on its verticle's event loop.
 *
 * <p>As the drain begins the port stops accepting connections ({@link ListeningSockets}): a
 * client that reconnects after {@code Connection: close} is refused by the kernel, cleanly and
 * before it sent anything, instead of being accepted while the last server goes and reset.
 *
 * <p>Live scan streams (SSE) are admitted and counted like any request, but their responses
 * never end by themselves: they are ended (with {@code event: shutdown}) as the drain
 * begins, and so leave the count at once instead of holding the drain until its deadline.
 */
final class HttpDrain {

  private static final Logger log = LoggerFactory.getLogger(HttpDrain.class);

  private final Vertx vertx;
  private final Responses responses;

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

  /** Set when stop() begins; only touched on this verticle's event loop. */
  private boolean draining;
  /** Admitted (non-health) requests whose response has not ended. */
  private int inFlight;
  /** Completed when {@link #inFlight} reaches 0 during the drain. */
  private Promise<Void> drained;
  /** Completed once no request but health probes has come for {@link #DRAIN_QUIET_MILLIS} during the drain. */
  private Promise<Void> quiet;
  private long quietTimer = -1;

  /**
   * The first handler of every request. While draining, anything but a health route is
   * refused with 503 + Retry-After (and, on HTTP/1.x, {@code Connection: close}, so the client
   * takes its next request elsewhere instead of reusing a connection that is about to close).
   * Otherwise the request is counted until its response ends, however it ends.
   */
  void admit(RoutingContext ctx) {
    if (isHealth(ctx.normalizedPath())) {
      ctx.next();
      return;
    }
    if (draining) {
      if (ctx.request().version() != HttpVersion.HTTP_2) {
        ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
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
   * Refuses new requests, runs {@code atStart} (which ends the responses that would never end
   * by themselves: the live scan streams), waits for the admitted ones until {@code deadline}
   * (epoch millis), then shuts the server down gracefully within what is left of it.
   */
  Future<Void> drain(HttpServer server, long deadline, Runnable atStart) {
    draining = true;
    ListeningSockets sockets = ListeningSockets.of(vertx);
    Future<Void> notAccepting = sockets == null ? Future.succeededFuture()
        : sockets.stopAccepting(server.actualPort(), vertx.getOrCreateContext());
    atStart.run();
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
        .compose(done -> notAccepting)
        .compose(done -> clientsGone(Math.min(DRAIN_LINGER_MILLIS, deadline - System.currentTimeMillis())))
        .compose(done -> server.shutdown(Math.max(0, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS));
  }


  /**
   * Completes once no request but health probes has come for {@link #DRAIN_QUIET_MILLIS}, or
   * after {@code lingerMillis}. (Connections are not counted: a server connection handler
   * upsets Vert.x 5.0.10's HTTP server metrics for the first requests.)
   */
  private Future<Void> clientsGone(long lingerMillis) {
    if (lingerMillis <= 0) {
      return Future.succeededFuture();
    }
    quiet = Promise.promise();
    startQuietTimer();
    long timer = vertx.setTimer(lingerMillis, id -> {
      if (quiet.tryComplete()) {
        log.info("draining: clients still sending after {} ms; closing their connections", lingerMillis);
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


  HttpDrain(Vertx vertx, Responses responses) {
    this.vertx = vertx;
    this.responses = responses;
  }
}
