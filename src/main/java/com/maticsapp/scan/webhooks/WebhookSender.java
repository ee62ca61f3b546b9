package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.config.WebhooksConfig;
import com.maticsapp.scan.data.OutboxStore.Claimed;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One attempt of one delivery: resolve the host once, check every address it resolves to
 * against the {@link TargetPolicy}, connect to the checked address (the URL's host travels in
 * the Host header and, for https, as the TLS server name that the certificate is verified
 * against), POST the signed body, read at most a snippet of the answer. Redirects are not
 * followed: a 3xx is a failed attempt like any other non-2xx.
 */
final class WebhookSender {

  /** How long a host's checked addresses are reused before it is resolved again. */
  private static final long RESOLVED_FOR_MILLIS = 30_000;

  /** How one attempt went; {@code status} is null when no response came back. */
  record Attempt(Integer status, int latencyMs, String response, String error) {
    boolean succeeded() {
      return status != null && status >= 200 && status < 300;
    }
  }

  private record Resolved(InetAddress address, String refusal, long until) {}

  private final Vertx vertx;
  private final WebhooksConfig config;
  private final TargetPolicy policy;
  private final WebClient client;
  private final Map<String, Resolved> resolved = new HashMap<>();

  WebhookSender(Vertx vertx, WebhooksConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.policy = TargetPolicy.of(config);
    this.client = WebClient.create(vertx, new WebClientOptions()
            .setFollowRedirects(false)
            .setUserAgent("matic-scan-webhooks")
            .setConnectTimeout((int) config.attemptTimeout().toMillis())
            .setIdleTimeout((int) config.attemptTimeout().toMillis())
            .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
            .setKeepAlive(true)
            .setForceSni(true)
            .setVerifyHost(true)
            .setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(config.maxInFlightPerEndpoint()));
  }

  Future<Attempt> send(Claimed delivery) {
    long began = System.nanoTime();
    TargetPolicy.Target target = policy.parse(delivery.url());
    if (target == null) {
      return Future.succeededFuture(new Attempt(null, 0, null, "refused: the URL " + policy.problem(delivery.url())));
    }
    return address(target.host()).compose(checked -> {
      if (checked.refusal() != null) {
        return Future.succeededFuture(new Attempt(null, millisSince(began), null, checked.refusal()));
      }
      return post(delivery, target, checked.address(), began);
    }, failure -> Future.succeededFuture(new Attempt(null, millisSince(began), null,
        "the host " + target.host() + " could not be resolved: " + failure.getMessage())));
  }

  private Future<Attempt> post(Claimed delivery, TargetPolicy.Target target, InetAddress address, long began) {
    byte[] body = delivery.body().getBytes(StandardCharsets.UTF_8);
    long timestamp = System.currentTimeMillis() / 1000;
    List<String> secrets = new ArrayList<>(2);
    secrets.add(delivery.secret());
    if (delivery.previousSecret() != null) {
      secrets.add(delivery.previousSecret());
    }
    Snippet snippet = new Snippet(config.responseSnippetBytes());
    SocketAddress server = SocketAddress.inetSocketAddress(target.port(), address.getHostAddress());
    return client.request(HttpMethod.POST, server, target.port(), target.host(), target.pathAndQuery())
        .ssl(target.tls())
        .timeout(config.attemptTimeout().toMillis())
        .putHeader("content-type", "application/json")
        .putHeader("webhook-id", delivery.webhookId())
        .putHeader("webhook-timestamp", Long.toString(timestamp))
        .putHeader("webhook-signature", Signature.header(secrets, delivery.webhookId(), timestamp, body))
        .as(BodyCodec.pipe(snippet, false))
        .sendBuffer(Buffer.buffer(body))
        .map(response -> new Attempt(response.statusCode(), millisSince(began), snippet.text(), null))
        .otherwise(failure -> new Attempt(null, millisSince(began), snippet.text(), describe(failure)));
  }

  /** The host's first address once every address it resolves to passed the policy. */
  private Future<Resolved> address(String host) {
    long now = System.currentTimeMillis();
    Resolved known = resolved.get(host);
    if (known != null && known.until() > now) {
      return Future.succeededFuture(known);
    }
    // InetAddress resolution blocks: on a worker thread, never on the event loop.
    return vertx.executeBlocking(() -> InetAddress.getAllByName(host), false).map(addresses -> {
      Resolved checked = new Resolved(addresses[0], null, now + RESOLVED_FOR_MILLIS);
      for (InetAddress each : addresses) {
        String refusal = policy.addressProblem(each);
        if (refusal != null) {
          checked = new Resolved(null, "refused: " + host + " resolves to " + each.getHostAddress()
              + ", a " + refusal + " address", now + RESOLVED_FOR_MILLIS);
          break;
        }
      }
      if (resolved.size() > 10_000) {
        resolved.clear();
      }
      resolved.put(host, checked);
      return checked;
    });
  }

  private static String describe(Throwable failure) {
    String message = failure.getMessage();
    String kind = failure.getClass().getSimpleName();
    if (failure instanceof java.util.concurrent.TimeoutException || kind.contains("Timeout")) {
      return "timed out: " + message;
    }
    return kind + ": " + message;
  }

  private static int millisSince(long began) {
    return (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
  }

  Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }

  /** Keeps the first bytes of a response body and drops the rest, so a huge answer costs nothing. */
  private static final class Snippet implements WriteStream<Buffer> {
    private final int limit;
    private final Buffer kept = Buffer.buffer();

    Snippet(int limit) {
      this.limit = limit;
    }

    String text() {
      return kept.length() == 0 ? null : new String(kept.getBytes(), StandardCharsets.UTF_8).replace('\u0000', '?');
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      return this;
    }

    @Override
    public Future<Void> write(Buffer data) {
      int room = limit - kept.length();
      if (room > 0) {
        kept.appendBuffer(data.length() <= room ? data : data.getBuffer(0, room));
      }
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
      return this;
    }
  }
}
