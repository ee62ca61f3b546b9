package com.maticsapp.scan.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw Server-Sent Events client for tests: one Vert.x HTTP client and connection per
 * stream, the body parsed into frames as it arrives (the SSE rules: lines ending in LF or
 * CRLF, {@code id}/{@code event}/{@code data} fields, a blank line ends an event, lines
 * starting with {@code :} are comments, reported as frames of their own). Waits block the
 * test thread, never an event loop, and are always bounded.
 */
public final class SseStream implements AutoCloseable {

  /** One event (comment null) or one comment line (event, id and data null). */
  public record Frame(String id, String event, String data, String comment) {
    public boolean isComment() {
      return comment != null;
    }

    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final HttpClientAgent client;
  private final HttpClientRequest request;
  private final HttpClientResponse response;
  private final LinkedBlockingQueue<Frame> frames;
  private final CountDownLatch ended;
  private final CountDownLatch connectionClosed;
  private final Buffer body;
  private final String path;

  private SseStream(HttpClientAgent client, HttpClientRequest request, HttpClientResponse response,
                    LinkedBlockingQueue<Frame> frames, CountDownLatch ended, CountDownLatch connectionClosed, Buffer body,
                    String path) {
    this.client = client;
    this.request = request;
    this.response = response;
    this.frames = frames;
    this.ended = ended;
    this.connectionClosed = connectionClosed;
    this.body = body;
    this.path = path;
  }

  /** GET {@code path} with an optional Last-Event-ID; returns once the response headers are in. */
  public static SseStream open(Vertx vertx, int port, String path, String lastEventId) {
    return open(vertx, port, path, lastEventId, new HttpClientOptions(), false);
  }

  /**
   * @param options client options (host and port are set here), e.g. a small receive buffer
   * @param paused  stop reading the body as soon as the headers are in, until {@link #resume()}
   */
  public static SseStream open(Vertx vertx, int port, String path, String lastEventId, HttpClientOptions options, boolean paused) {
    HttpClientAgent client = vertx.createHttpClient(
        new HttpClientOptions(options).setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions().setHttp1MaxSize(1));
    LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    CountDownLatch ended = new CountDownLatch(1);
    CountDownLatch connectionClosed = new CountDownLatch(1);
    Buffer body = Buffer.buffer();
    Parser parser = new Parser(frames);
    try {
      // Everything from here runs on the client's event loop, in one go: send() and the
      // handlers are set up before any byte of the response can be read. (Attaching them from
      // this test thread could race a fast response, and a chunk that arrives before its
      // handler is dropped by the HTTP client.)
      HttpClientRequest[] sent = new HttpClientRequest[1];
      HttpClientResponse response = client.request(HttpMethod.GET, path).compose(request -> {
        sent[0] = request;
        request.putHeader("Accept", "text/event-stream");
        if (!path.contains("access_token=")) {
          request.putHeader("Authorization", Tokens.bearer(Tokens.user(RunningService.USER)));
        }
        if (lastEventId != null) {
          request.putHeader("Last-Event-ID", lastEventId);
        }
        request.connection().closeHandler(v -> {
          connectionClosed.countDown();
          ended.countDown();
        });
        return request.send().compose(head -> {
          if (paused) {
            head.pause();
          }
          head.handler(chunk -> {
            synchronized (body) {
              body.appendBuffer(chunk);
            }
            parser.feed(chunk);
          });
          head.endHandler(v -> ended.countDown());
          head.exceptionHandler(e -> ended.countDown());
          return Future.succeededFuture(head);
        });
      }).await();
      HttpClientRequest request = sent[0];
      // The head is held to the document here; the body, event by event, as the test takes it.
      List<String> violations = ApiContract.shared().violations("GET", path, response.statusCode(),
          response.getHeader("Content-Type"), null);
      if (!violations.isEmpty()) {
        throw new AssertionError("the stream's response breaks openapi.yaml:\n  " + String.join("\n  ", violations));
      }
      return new SseStream(client, request, response, frames, ended, connectionClosed, body, path);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  /** Everything received so far, as text (e.g. a problem document). */
  public String bodyText() {
    synchronized (body) {
      return body.toString(StandardCharsets.UTF_8);
    }
  }

  /**
   * The next frame, comments included; fails when none comes within {@code timeout}, or when
   * the event breaks openapi.yaml (an event the stream's operation does not list, or data
   * not valid against its schema).
   */
  public Frame next(Duration timeout) {
    try {
      Frame frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (frame == null) {
        throw new AssertionError("no SSE frame within " + timeout.toMillis() + " ms; received so far:\n" + bodyText());
      }
      return checked(frame);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The next event, skipping comments (heartbeats). */
  public Frame nextEvent(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Frame frame = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (!frame.isComment()) {
        return frame;
      }
    }
  }

  /** The next {@code count} events of type {@code event}, skipping comments; fails on any other event. */
  public List<Frame> events(String event, int count, Duration timeout) {
    List<Frame> out = new ArrayList<>();
    while (out.size() < count) {
      Frame frame = nextEvent(timeout);
      if (!event.equals(frame.event())) {
        throw new AssertionError("expected event '" + event + "' #" + (out.size() + 1) + " but got " + frame);
      }
      out.add(frame);
    }
    return out;
  }

  /** Every frame received and not yet taken, without waiting. */
  public List<Frame> drainReceived() {
    List<Frame> out = new ArrayList<>();
    frames.drainTo(out);
    out.forEach(this::checked);
    return out;
  }

  private Frame checked(Frame frame) {
    if (!frame.isComment()) {
      List<String> violations = ApiContract.shared().eventViolations(path, frame.event(), frame.data());
      if (!violations.isEmpty()) {
        throw new AssertionError("the stream's event breaks openapi.yaml:\n  " + String.join("\n  ", violations)
            + "\ndata: " + frame.data());
      }
    }
    return frame;
  }

  public void resume() {
    response.resume();
  }

  /** Whether the response ended or the connection closed within {@code timeout}. */
  public boolean awaitEnd(Duration timeout) {
    return await(ended, timeout);
  }

  /** Whether the connection closed within {@code timeout}. */
  public boolean awaitConnectionClosed(Duration timeout) {
    return await(connectionClosed, timeout);
  }

  private static boolean await(CountDownLatch latch, Duration timeout) {
    try {
      return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Closes the connection (the client goes away) and the client. */
  @Override
  public void close() {
    try {
      request.connection().close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // already closed
    } finally {
      try {
        client.close().await(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // nothing left to release
      }
    }
  }

  /** Incremental SSE parsing; called on the event loop only. */
  private static final class Parser {
    private final LinkedBlockingQueue<Frame> frames;
    private final StringBuilder line = new StringBuilder();
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
    private boolean lastWasCr;
    private String id;
    private String event;
    private StringBuilder data;

    Parser(LinkedBlockingQueue<Frame> frames) {
      this.frames = frames;
    }

    void feed(Buffer chunk) {
      byte[] bytes = chunk.getBytes();
      for (byte b : bytes) {
        if (b == '\n' && lastWasCr) {
          lastWasCr = false;
          continue;
        }
        lastWasCr = b == '\r';
        if (b == '\n' || b == '\r') {
          line.append(pending.toString(StandardCharsets.UTF_8));
          pending.reset();
          line(line.toString());
          line.setLength(0);
        } else {
          pending.write(b); // bytes until the line ends: a UTF-8 character may span chunks
        }
      }
    }

    private void line(String text) {
      if (text.isEmpty()) {
        if (data != null || event != null || id != null) {
          frames.add(new Frame(id, event == null ? "message" : event, data == null ? "" : data.toString(), null));
        }
        id = null;
        event = null;
        data = null;
        return;
      }
      if (text.startsWith(":")) {
        frames.add(new Frame(null, null, null, text.substring(1).trim()));
        return;
      }
      int colon = text.indexOf(':');
      String field = colon < 0 ? text : text.substring(0, colon);
      String value = colon < 0 ? "" : text.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "id" -> id = value;
        case "event" -> event = value;
        case "data" -> {
          if (data == null) {
            data = new StringBuilder(value);
          } else {
            data.append('\n').append(value);
          }
        }
        default -> { } // retry and unknown fields: not used here
      }
    }
  }
}
