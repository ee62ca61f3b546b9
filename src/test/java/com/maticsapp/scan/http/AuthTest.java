package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.JwksServer;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Who may call at all: users' tokens signed with the HS256 secret or with the ES256/RS256 keys
 * of a JWKS served by the test, checked for signature, expiry, audience and subject; everything
 * else is a 401 with WWW-Authenticate, over HTTP and over the event bus alike.
 */
class AuthTest extends ServiceTest {

  private static JwksServer jwks;

  @Override
  protected Map<String, String> environment() {
    jwks = new JwksServer();
    // A short refresh, so a rotation at the provider is picked up within the test.
    return Map.of("AUTH_JWKS_URL", jwks.url(), "AUTH_JWKS_REFRESH", "1s");
  }

  @AfterAll
  void stopJwks() {
    if (jwks != null) {
      jwks.close();
    }
  }

  private HttpResponse<Buffer> listWorkspaces(String authorization) {
    var request = RunningService.as(service.vertx(), service.port(), null).get("/api/workspaces");
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return request.send().await();
  }

  private static JsonObject claims(String sub) {
    return Tokens.claims(sub);
  }

  @Test
  void aUserTokenSignedWithTheSecretIsAccepted() {
    HttpResponse<Buffer> response = listWorkspaces(Tokens.bearer(Tokens.user("newcomer")));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getJsonArray("workspaces")).as("a new user is a member of nothing").isEmpty();
  }

  @Test
  void withoutATokenTheAnswerIs401WithWwwAuthenticate() {
    HttpResponse<Buffer> response = listWorkspaces(null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"matic-scan\"");
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(response.bodyAsJsonObject().getString("detail")).isEqualTo("a bearer token is required");
  }

  static Stream<org.junit.jupiter.params.provider.Arguments> refusedTokens() {
    long now = Instant.now().getEpochSecond();
    String valid = Tokens.user("mallory");
    String[] parts = valid.split("\\.");
    String tamperedPayload = parts[0] + "." + Tokens.user("admin").split("\\.")[1] + "." + parts[2];
    return Stream.of(
        args("expired an hour ago", Tokens.bearer(Tokens.hs256(claims("mallory").put("exp", now - 3600), Tokens.USER_SECRET))),
        args("not valid before tomorrow", Tokens.bearer(Tokens.hs256(claims("mallory").put("nbf", now + 86_400), Tokens.USER_SECRET))),
        args("signed with another secret", Tokens.bearer(Tokens.hs256(claims("mallory"), "another-secret-of-enough-length-0123456789"))),
        args("payload swapped under a valid signature", Tokens.bearer(tamperedPayload)),
        args("signature stripped", Tokens.bearer(parts[0] + "." + parts[1] + ".")),
        args("alg none", Tokens.bearer(Tokens.unsigned(claims("mallory")))),
        args("two segments", Tokens.bearer(parts[0] + "." + parts[1])),
        args("no expiry", Tokens.bearer(Tokens.hs256(withoutClaim(claims("mallory"), "exp"), Tokens.USER_SECRET))),
        args("wrong audience", Tokens.bearer(Tokens.hs256(claims("mallory").put("aud", "service_role_other"), Tokens.USER_SECRET))),
        args("no subject", Tokens.bearer(Tokens.hs256(withoutClaim(claims("mallory"), "sub"), Tokens.USER_SECRET))),
        args("a subject posing as a guest", Tokens.bearer(Tokens.hs256(claims("guest:" + UUID.randomUUID()), Tokens.USER_SECRET))),
        args("a user token posing as a guest token", Tokens.bearer(Tokens.hs256(claims("mallory").put("iss", "matic-scan")
            .put("aud", "matic-scan:guest"), Tokens.USER_SECRET))),
        args("HS256 with the key a JWKS must not publish", Tokens.bearer(Tokens.hs256(claims("mallory"), "attacker-chosen-secret"))),
        args("ES256 with a key the JWKS does not have", Tokens.bearer(JwksServer.newKey("ES256", "ec-1").sign(claims("mallory")))),
        args("garbage", "Bearer not-a-token"),
        args("a Basic credential", "Basic dXNlcjpwYXNz"),
        args("Bearer and nothing", "Bearer "),
        args("a null exp", Tokens.bearer(Tokens.hs256(claims("mallory").putNull("exp"), Tokens.USER_SECRET))),
        args("a text exp", Tokens.bearer(Tokens.hs256(claims("mallory").put("exp", "tomorrow"), Tokens.USER_SECRET))));
  }

  private static JsonObject withoutClaim(JsonObject claims, String name) {
    claims.remove(name);
    return claims;
  }

  private static org.junit.jupiter.params.provider.Arguments args(String name, String authorization) {
    return org.junit.jupiter.params.provider.Arguments.of(name, authorization);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedTokens")
  void aBadTokenIs401AndSaysTheTokenIsTheProblem(String name, String authorization) {
    HttpResponse<Buffer> response = listWorkspaces(authorization);
    assertThat(response.statusCode()).as(name + ": " + response.bodyAsString()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).startsWith("Bearer realm=\"matic-scan\"");
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(response.bodyAsJsonObject().getInteger("status")).isEqualTo(401);
  }

  @Test
  void aPresentedTokenThatFailsIsNamedInvalidToken() {
    HttpResponse<Buffer> response = listWorkspaces(Tokens.bearer(Tokens.hs256(claims("x").put("exp", 1), Tokens.USER_SECRET)));
    assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"matic-scan\", error=\"invalid_token\"");
    assertThat(response.bodyAsJsonObject().getString("detail")).contains("expired");
  }

  @Test
  void aTokenJustPastItsExpiryIsStillAcceptedWithinTheClockSkew() {
    long now = Instant.now().getEpochSecond();
    String token = Tokens.hs256(claims("carol").put("exp", now - 5), Tokens.USER_SECRET);
    assertThat(listWorkspaces(Tokens.bearer(token)).statusCode()).isEqualTo(200);
  }

  @Test
  void es256AndRs256TokensFromTheJwksAreAccepted() throws InterruptedException {
    for (String alg : new String[] {"ES256", "RS256"}) {
      String token = jwks.key(alg).sign(claims("jwks-user-" + alg));
      assertThat(eventualStatus(token)).as(alg).isEqualTo(200);
    }
    assertThat(jwks.fetches()).isGreaterThanOrEqualTo(1);
  }

  /** The status once the service has the key that signed {@code token} (the JWKS is re-read every second). */
  private int eventualStatus(String token) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    int status;
    while ((status = listWorkspaces(Tokens.bearer(token)).statusCode()) != 200 && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
    }
    return status;
  }

  @Test
  void aRotatedKeyIsPickedUpAndTheRetiredOneStopsWorking() throws InterruptedException {
    String before = jwks.key("ES256").sign(claims("rotating-user"));
    assertThat(listWorkspaces(Tokens.bearer(before)).statusCode()).isEqualTo(200);

    JwksServer.Key next = jwks.rotate(UUID.randomUUID().toString().substring(0, 6));
    String after = next.sign(claims("rotating-user"));
    assertThat(eventualStatus(after)).as("a token signed with the new key, within 15 s of the rotation").isEqualTo(200);
    // The key that left the document verifies nothing any more, cached verifications included.
    assertThat(listWorkspaces(Tokens.bearer(before)).statusCode()).isEqualTo(401);
  }

  @Test
  void theActingUserIsTheTokensSubjectNeverTheBodys() throws Exception {
    WebClient alice = service.clientWithToken(Tokens.user("alice"));
    HttpResponse<Buffer> created = alice.post("/api/workspaces").putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("name", "Alice's").put("slug", "alice-" + UUID.randomUUID().toString().substring(0, 8))
            .put("created_by", "mallory").put("user_id", "mallory").put("role", "viewer"))
        .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("created_by")).isEqualTo("alice");
    assertThat(created.bodyAsJsonObject().getString("role")).isEqualTo("owner");
    String workspaceId = created.bodyAsJsonObject().getString("id");
    try (Connection connection = database.connect(); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("SELECT user_id, role FROM workspace_members WHERE workspace_id = '" + workspaceId + "'")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("alice");
      assertThat(rows.getString(2)).isEqualTo("owner");
      assertThat(rows.next()).as("exactly one member").isFalse();
    }
  }

  @Test
  void theEventBusChecksTheCredentialItCarries() {
    JsonObject lookup = new JsonObject().put("table_id", UUID.randomUUID().toString()).put("column_name", "code")
        .put("barcode", "X-1");
    Throwable without = catchThrowable(() -> service.vertx().eventBus().request(Addresses.SCANS_LOOKUP, lookup).await());
    assertThat(without).isInstanceOf(ReplyException.class);
    assertThat(((ReplyException) without).failureCode()).isEqualTo(401);

    Throwable forged = catchThrowable(() -> service.vertx().eventBus().request(Addresses.SCANS_RECORD, lookup,
        new DeliveryOptions().addHeader(Addresses.AUTHORIZATION,
            Tokens.bearer(Tokens.hs256(claims("mallory"), "another-secret-of-enough-length-0123456789")))).await());
    assertThat(((ReplyException) forged).failureCode()).isEqualTo(401);

    // The internal addresses are no way around it either.
    Throwable internal = catchThrowable(() -> service.vertx().eventBus()
        .request(Addresses.WORKSPACES_CREATE, new JsonObject().put("name", "x").put("slug", "sneaky")).await());
    assertThat(((ReplyException) internal).failureCode()).isEqualTo(401);

    Throwable valid = catchThrowable(() -> service.vertx().eventBus().request(Addresses.SCANS_LOOKUP, lookup,
        new DeliveryOptions().addHeader(Addresses.AUTHORIZATION, Tokens.bearer(Tokens.user("alice")))).await());
    assertThat(((ReplyException) valid).failureCode()).as("authenticated, and the table is not hers: 404").isEqualTo(404);
  }
}
