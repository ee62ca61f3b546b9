package com.maticsapp.scan.http;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rate limiting over real HTTP, with a limit low enough to hit: every request of this test
 * comes from 127.0.0.1, a client known only by its address, so the unauthenticated pair
 * applies (burst 10, then one request a second). The normal pair is set low as well, so no
 * other limit could let the requests through.
 */
class RateLimitTest extends ServiceTest {

  private static final int BURST = 10;
  private static final Pattern REFUSED = Pattern.compile(
      "(?m)^matic_http_rate_limited_total\\{client=\"authenticated\"[^}]*} ([0-9.eE+]+)$");

  @Override
  protected Map<String, String> environment() {
    return Map.of(
        "RATE_LIMIT_UNAUTHENTICATED_RPS", "1",
        "RATE_LIMIT_UNAUTHENTICATED_BURST", Integer.toString(BURST),
        "RATE_LIMIT_RPS", "1",
        "RATE_LIMIT_BURST", Integer.toString(BURST));
  }

  @Test
  void aClientOverItsLimitIsRefusedWithoutEffectWhileHealthStaysOpenUntilItsBucketRefills() throws InterruptedException {
    String tableId = fixtures.table().getString("id"); // two requests: a workspace and a table
    Thread.sleep(2_500); // the bucket is full again (one token a second)
    long storedBefore = storedScans(tableId);
    double refusedBefore = refusedSoFar();

    // The burst: ten scans pass at once.
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      String id = UUID.randomUUID().toString();
      HttpResponse<Buffer> scan = service.post("/api/scans", Fixtures.scan(tableId, "code", "RL-" + i).put("id", id));
      assertThat(scan.statusCode()).as("scan %d: %s", i + 1, scan.bodyAsString()).isEqualTo(201);
      accepted.add(id);
    }

    // The eleventh is refused, and so are the next ones, before they reach anything.
    List<String> refused = new ArrayList<>();
    long retryAfter = 0;
    for (int i = 0; i < 5; i++) {
      String id = UUID.randomUUID().toString();
      HttpResponse<Buffer> scan = service.post("/api/scans", Fixtures.scan(tableId, "code", "RL-x").put("id", id));
      assertThat(scan.statusCode()).as("request %d: %s", BURST + 1 + i, scan.bodyAsString()).isEqualTo(429);
      assertThat(scan.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(scan.bodyAsJsonObject().getInteger("status")).isEqualTo(429);
      assertThat(scan.bodyAsJsonObject().getString("title")).isEqualTo("Too many requests");
      retryAfter = Long.parseLong(scan.getHeader("Retry-After"));
      assertThat(retryAfter).as("whole seconds until the next token").isEqualTo(1);
      refused.add(id);
    }
    assertThat(service.get("/api/tables/" + tableId).statusCode()).as("reads are limited too").isEqualTo(429);

    // Nothing was written for the refused requests.
    assertThat(storedScans(tableId)).isEqualTo(storedBefore + BURST);
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE id IN (" + quoted(refused) + ")")).isZero();
    assertThat(database.count("SELECT count(*) FROM scan_history WHERE id IN (" + quoted(accepted) + ")")).isEqualTo(BURST);

    // Health and metrics stay open to the throttled client, on both ports.
    for (String path : List.of("/api/health", "/api/health/live", "/api/health/ready", "/api/health/database")) {
      assertThat(service.get(path).statusCode()).as(path).isEqualTo(200);
    }
    assertThat(service.getAsAdmin("/api/health/detailed").statusCode()).isEqualTo(200);
    assertThat(service.getAsAdmin("/metrics").statusCode()).isEqualTo(200);
    assertThat(service.getManagement("/api/health/ready").statusCode()).isEqualTo(200);
    assertThat(refusedSoFar() - refusedBefore).as("matic_http_rate_limited_total").isEqualTo(6);

    // The bucket is the caller's (the token's user), not the address's: another user on the
    // same address is not throttled, and neither is a request without a token.
    HttpResponse<Buffer> other = service.clientWithToken(Tokens.user("another-user")).get("/api/workspaces").send().await();
    assertThat(other.statusCode()).as(other.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> anonymous = RunningService.as(service.vertx(), service.port(), null).get("/api/workspaces").send().await();
    assertThat(anonymous.statusCode()).as("no token: its own (address) bucket, then 401").isEqualTo(401);

    // After Retry-After, the bucket holds a token again.
    Thread.sleep(retryAfter * 1_000 + 100);
    String late = UUID.randomUUID().toString();
    HttpResponse<Buffer> again = service.post("/api/scans", Fixtures.scan(tableId, "code", "RL-late").put("id", late));
    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(201);
    assertThat(storedScans(tableId)).isEqualTo(storedBefore + BURST + 1);
  }

  @Test
  void theOpenRoutesAreLimitedByAddressWhateverTheHeadersClaim() {
    WebClient anonymous = RunningService.as(service.vertx(), service.port(), null);
    int refusedAt = -1;
    for (int i = 0; i < 3 * BURST && refusedAt < 0; i++) {
      // A made-up token must not buy an exemption from the address's bucket.
      HttpResponse<Buffer> document = anonymous.get("/api/openapi.yaml").putHeader("Authorization", "Bearer junk")
          .send().await();
      if (document.statusCode() == 429) {
        refusedAt = i;
        assertThat(document.getHeader("Retry-After")).isNotNull();
      } else {
        assertThat(document.statusCode()).isEqualTo(200);
      }
    }
    anonymous.close();
    assertThat(refusedAt).as("a 429 within %d quick requests (burst %d)", 3 * BURST, BURST).isBetween(0, BURST);
  }

  private long storedScans(String tableId) {
    return database.count("SELECT count(*) FROM scan_history WHERE table_id = '" + tableId + "'");
  }

  private double refusedSoFar() {
    Matcher matcher = REFUSED.matcher(service.getManagement("/metrics").bodyAsString());
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }

  private static String quoted(List<String> ids) {
    return String.join(",", ids.stream().map(id -> "'" + id + "'").toList());
  }
}
