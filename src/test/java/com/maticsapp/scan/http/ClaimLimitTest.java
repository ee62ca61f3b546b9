package com.maticsapp.scan.http;

import com.maticsapp.scan.support.ContractCheck;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-client limit on failed pairing claims: after PAIRING_CLIENT_FAILED_CLAIMS failures
 * within PAIRING_CLIENT_WINDOW a client is refused (429) before its claim reaches the
 * database, even with a correct code; other clients are not; the window passes. The limit
 * holds under concurrency: of many claims sent at once, no more than the limit reach the
 * database.
 */
class ClaimLimitTest extends ServiceTest {

  private static final int FAILURES_ALLOWED = 3;
  private static final int WINDOW_SECONDS = 4;
  private static final int CONCURRENT_CLAIMS = 40;

  @Override
  protected Map<String, String> environment() {
    return Map.of(
        "PAIRING_CLIENT_FAILED_CLAIMS", Integer.toString(FAILURES_ALLOWED),
        "PAIRING_CLIENT_WINDOW", WINDOW_SECONDS + "s");
  }

  @Test
  void aClientWithTooManyFailedClaimsWaitsForTheWindowWhileOthersClaim() throws InterruptedException {
    String tableId = fixtures.table().getString("id");
    HttpResponse<Buffer> opened = service.post("/api/tables/" + tableId + "/pairings", new JsonObject().put("column_name", "code"));
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    String pairingId = opened.bodyAsJsonObject().getString("id");
    String code = opened.bodyAsJsonObject().getString("code");
    String pairing = " FROM pairings WHERE id = '" + pairingId + "'";

    WebClient first = client("127.0.0.1");
    WebClient second = client("127.0.0.2");
    try {
      // Wrong selectors: the pairing itself counts none of these.
      String selector = code.replace("-", "").substring(0, 5);
      List<String> wrongCodes = Stream.of("ZZZZZ", "YYYYY", "XXXXX", "WWWWW")
          .filter(candidate -> !candidate.equals(selector))
          .limit(FAILURES_ALLOWED)
          .map(candidate -> candidate + "0000000")
          .toList();
      for (String wrong : wrongCodes) {
        HttpResponse<Buffer> refused = claim(first, wrong);
        assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(404);
      }

      HttpResponse<Buffer> limited = claim(first, code);
      assertThat(limited.statusCode()).as(limited.bodyAsString()).isEqualTo(429);
      assertThat(limited.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(limited.bodyAsJsonObject().getInteger("status")).isEqualTo(429);
      assertThat(limited.bodyAsString()).doesNotContain("token");
      long retryAfter = Long.parseLong(limited.getHeader("Retry-After"));
      assertThat(retryAfter).isBetween(1L, (long) WINDOW_SECONDS);
      assertThat(claim(first, code).statusCode()).as("a refused claim is refused again").isEqualTo(429);
      assertThat(database.count("SELECT claims" + pairing)).as("the refused claim never reached the pairing").isZero();
      assertThat(database.count("SELECT failed_claims" + pairing)).isZero();
      assertThat(database.text("SELECT last_claimed_at" + pairing)).isNull();

      HttpResponse<Buffer> elsewhere = claim(second, code);
      assertThat(elsewhere.statusCode()).as("another client address: %s", elsewhere.bodyAsString()).isEqualTo(201);
      assertThat(database.count("SELECT claims" + pairing)).isEqualTo(1);

      // Retry-After was rounded up when it was given: sleeping it from now takes us past the window.
      Thread.sleep(retryAfter * 1_000);

      HttpResponse<Buffer> later = claim(first, code);
      assertThat(later.statusCode()).as("after Retry-After: %s", later.bodyAsString()).isEqualTo(201);
      assertThat(database.count("SELECT claims" + pairing)).isEqualTo(2);
    } finally {
      first.close();
      second.close();
    }
  }

  /**
   * Forty wrong codes at once from one address, over forty connections (spread over both HTTP
   * event loops): exactly the limit reach the database and answer 404, the rest 429 without
   * asking it. A guard that counts failures only after the database answered lets all of
   * them through while the first are on their way.
   */
  @Test
  void concurrentWrongClaimsFromOneAddressStopAtTheLimit() {
    WebClient burst = client("127.0.0.3", CONCURRENT_CLAIMS);
    try {
      long started = System.nanoTime();
      List<Future<HttpResponse<Buffer>>> sent = IntStream.range(0, CONCURRENT_CLAIMS)
          .mapToObj(i -> burst.post("/api/pairings/claim")
              .sendJsonObject(new JsonObject().put("code", String.format("QQQQ%08d", i)).put("scanner_name", "Phone")))
          .toList();
      Future.join(sent).await();
      long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
      Map<Integer, Long> statuses = sent.stream()
          .collect(Collectors.groupingBy(answer -> answer.result().statusCode(), Collectors.counting()));
      assertThat(elapsedMillis).as("the burst must fit in one window for the count to mean anything")
          .isLessThan(WINDOW_SECONDS * 1_000L);
      assertThat(statuses).as("statuses of %d concurrent wrong claims", CONCURRENT_CLAIMS)
          .isEqualTo(Map.of(404, (long) FAILURES_ALLOWED, 429, (long) (CONCURRENT_CLAIMS - FAILURES_ALLOWED)));
    } finally {
      burst.close();
    }
  }

  /** A client whose connections leave from {@code localAddress} (any loopback address on Linux). */
  private WebClient client(String localAddress) {
    return client(localAddress, 1);
  }

  private WebClient client(String localAddress, int connections) {
    return ContractCheck.validating(WebClient.create(service.vertx(), new WebClientOptions()
        .setDefaultHost("127.0.0.1")
        .setDefaultPort(service.port())
        .setLocalAddress(localAddress), new PoolOptions().setHttp1MaxSize(connections)));
  }

  private static HttpResponse<Buffer> claim(WebClient client, String code) {
    return client.post("/api/pairings/claim")
        .sendJsonObject(new JsonObject().put("code", code).put("scanner_name", "Phone"))
        .await();
  }
}
