package com.maticsapp.scan.http;

import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live scan streams are bounded per caller (HTTP_STREAM_MAX_PER_CALLER: 429 beyond it) and per
 * instance (HTTP_STREAM_MAX_OPEN: 503 beyond it), both with Retry-After and counted in
 * {@code matic_scan_streams_refused_total}; a stream that ends gives its slot back.
 */
class StreamLimitTest extends ServiceTest {

  private static final int PER_CALLER = 2;
  private static final int PER_INSTANCE = 3;
  private static final Duration WAIT = Duration.ofSeconds(10);

  private Vertx clients;

  @Override
  protected Map<String, String> environment() {
    return Map.of(
        "HTTP_STREAM_MAX_PER_CALLER", Integer.toString(PER_CALLER),
        "HTTP_STREAM_MAX_OPEN", Integer.toString(PER_INSTANCE));
  }

  @BeforeAll
  void startClients() {
    clients = Vertx.vertx();
  }

  @AfterAll
  void stopClients() {
    if (clients != null) {
      clients.close().await();
    }
  }

  @Test
  void aCallerAndTheInstanceHoldAtMostTheirLimitOfStreams() throws InterruptedException {
    JsonObject table = fixtures.table();
    String tableId = table.getString("id");
    HttpResponse<Buffer> member = service.client().put("/api/workspaces/" + table.getString("workspace_id") + "/members/user-2")
        .sendJsonObject(new JsonObject().put("role", "viewer")).await();
    assertThat(member.statusCode()).as(member.bodyAsString()).isIn(200, 201);
    String path = "/api/tables/" + tableId + "/scans/stream";
    String asSecondUser = path + "?access_token=" + Tokens.user("user-2");

    List<SseStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < PER_CALLER; i++) {
        open.add(opened(path));
      }
      try (SseStream overCaller = SseStream.open(clients, service.port(), path, null)) {
        assertRefused(overCaller, 429);
        assertThat(new JsonObject(overCaller.bodyText()).getString("detail")).contains("maxPerCaller");
      }

      // Another caller has slots of its own, up to what the instance holds.
      open.add(opened(asSecondUser));
      try (SseStream overInstance = SseStream.open(clients, service.port(), asSecondUser, null)) {
        assertRefused(overInstance, 503);
      }

      String metrics = service.getManagement("/metrics").bodyAsString();
      assertThat(metrics)
          .contains("matic_scan_streams_refused_total{limit=\"caller\"} 1.0")
          .contains("matic_scan_streams_refused_total{limit=\"instance\"} 1.0")
          .contains("matic_scan_streams_open " + PER_INSTANCE + ".0");

      // A stream that ends gives its slot back: the first caller may open one again.
      open.remove(0).close();
      long deadline = System.currentTimeMillis() + WAIT.toMillis();
      SseStream again = SseStream.open(clients, service.port(), path, null);
      while (again.status() != 200 && System.currentTimeMillis() < deadline) {
        again.close();
        Thread.sleep(50);
        again = SseStream.open(clients, service.port(), path, null);
      }
      open.add(again);
      assertThat(again.status()).as("a slot is free again once a stream closed").isEqualTo(200);
    } finally {
      open.forEach(SseStream::close);
    }
  }

  private SseStream opened(String path) {
    SseStream stream = SseStream.open(clients, service.port(), path, null);
    assertThat(stream.status()).as(path).isEqualTo(200);
    assertThat(stream.nextEvent(WAIT)).as("the stream's first event").isNotNull();
    return stream;
  }

  private static void assertRefused(SseStream stream, int status) {
    assertThat(stream.status()).isEqualTo(status);
    assertThat(stream.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(Long.parseLong(stream.header("Retry-After"))).isPositive();
    assertThat(stream.awaitEnd(WAIT)).isTrue();
    assertThat(new JsonObject(stream.bodyText()).getInteger("status")).isEqualTo(status);
  }
}
