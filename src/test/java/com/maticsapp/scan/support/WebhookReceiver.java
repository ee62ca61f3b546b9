package com.maticsapp.scan.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;

/**
 * A real webhook receiver: an HTTP server on loopback, in a Vert.x of its own, that answers by
 * a script (the next scripted answer for each request, then the default) and records every
 * request it got. Tests read what arrived, de-duplicate by webhook-id, and verify signatures.
 */
public final class WebhookReceiver implements AutoCloseable {

  /** An answer: a status after a delay; {@code holdMillis} past the attempt deadline is "slow". */
  public record Answer(int status, long holdMillis, boolean echo) {
    public static Answer ok() {
      return new Answer(200, 0, false);
    }

    public static Answer status(int status) {
      return new Answer(status, 0, false);
    }

    public static Answer slow(long holdMillis) {
      return new Answer(200, holdMillis, false);
    }

    /** This status with the request's body as the response's (a receiver that echoes what it got). */
    public static Answer echo(int status) {
      return new Answer(status, 0, true);
    }
  }

  /** One request as it arrived, with the answer it got (0: held past the sender's deadline). */
  public record Received(String webhookId, String timestamp, String signature, String contentType, String host,
                         byte[] body, int answeredWith, long atMillis) {
    public JsonObject json() {
      return new JsonObject(new String(body, java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final Deque<Answer> script = new ConcurrentLinkedDeque<>();
  private volatile Answer fallback = Answer.ok();
  private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger maxOpen = new java.util.concurrent.atomic.AtomicInteger();

  private WebhookReceiver() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> request.body().onSuccess(body -> {
          Answer answer = script.pollFirst();
          if (answer == null) {
            answer = fallback;
          }
          int status = answer.status();
          boolean echo = answer.echo();
          // A held answer comes after the sender's deadline: it never counts as accepted.
          int answeredWith = answer.holdMillis() > 0 ? 0 : status;
          received.add(new Received(request.getHeader("webhook-id"), request.getHeader("webhook-timestamp"),
              request.getHeader("webhook-signature"), request.getHeader("content-type"), request.getHeader("host"),
              body.getBytes(), answeredWith, System.currentTimeMillis()));
          Runnable reply = () -> request.response().setStatusCode(status).end(echo ? body : Buffer.buffer("answer " + status));
          if (answer.holdMillis() > 0) {
            // Held: counted as open until answered or until the sender gives up and closes.
            maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable done = () -> {
              if (settled.compareAndSet(false, true)) {
                open.decrementAndGet();
              }
            };
            request.response().closeHandler(closed -> done.run());
            request.response().endHandler(ended -> done.run());
            vertx.setTimer(answer.holdMillis(), id -> {
              if (!request.response().closed()) {
                reply.run();
              }
            });
          } else {
            reply.run();
          }
        }));
    server.listen().await();
  }

  public static WebhookReceiver start() {
    return new WebhookReceiver();
  }

  public int port() {
    return server.actualPort();
  }

  public String url() {
    return "http://127.0.0.1:" + port() + "/hooks";
  }

  /** The next requests get these answers, in order; then the default. */
  public WebhookReceiver then(Answer... answers) {
    script.addAll(List.of(answers));
    return this;
  }

  public WebhookReceiver answerByDefault(Answer answer) {
    fallback = answer;
    return this;
  }

  /** The most requests this receiver held open at once. */
  public int maxHeldAtOnce() {
    return maxOpen.get();
  }

  public List<Received> received() {
    return new ArrayList<>(received);
  }

  /** The first request per webhook-id, in arrival order: what a de-duplicating receiver keeps. */
  public Map<String, Received> unique() {
    Map<String, Received> unique = new LinkedHashMap<>();
    received.forEach(each -> unique.putIfAbsent(each.webhookId(), each));
    return unique;
  }

  /** Requests that got a 2xx, first per webhook-id. */
  public Map<String, Received> accepted() {
    Map<String, Received> accepted = new LinkedHashMap<>();
    received.stream().filter(each -> each.answeredWith() / 100 == 2).forEach(each -> accepted.putIfAbsent(each.webhookId(), each));
    return accepted;
  }

  public static void await(String what, long timeoutMillis, BooleanSupplier condition) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
