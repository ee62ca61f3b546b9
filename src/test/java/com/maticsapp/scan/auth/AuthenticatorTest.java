package com.maticsapp.scan.auth;

import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.config.AuthConfig;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The authenticator on its own, for what the service-level tests do not configure: a required
 * issuer, no clock skew, and a verified token remembered no longer than it is valid.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthenticatorTest {

  private static final String ISSUER = "https://project.supabase.co/auth/v1";
  private Vertx vertx;
  private Authenticator authenticator;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    AuthConfig config = ConfigLoader.fromJson("test", new JsonObject().put("auth", new JsonObject()
        .put("jwtSecret", Tokens.USER_SECRET)
        .put("guestTokenSecret", Tokens.GUEST_SECRET)
        .put("issuer", ISSUER)
        .put("clockSkew", "0s")), Map.of()).auth();
    authenticator = new Authenticator(vertx, config);
  }

  @AfterAll
  void stop() {
    vertx.close().await();
  }

  private Future<Caller> authenticate(JsonObject claims) {
    return authenticator.authenticate(Tokens.bearer(Tokens.hs256(claims, Tokens.USER_SECRET)));
  }

  private static int status(Future<?> outcome) {
    assertThat(outcome.failed()).as("refused").isTrue();
    return ((ServiceFailure) outcome.cause()).status();
  }

  @Test
  void whenAnIssuerIsConfiguredOnlyItsTokensPass() {
    Future<Caller> right = authenticate(Tokens.claims("alice").put("iss", ISSUER));
    assertThat(right.succeeded()).isTrue();
    assertThat(right.result().userId()).isEqualTo("alice");
    assertThat(right.result().email()).isEqualTo("alice@example.com");
    assertThat(right.result().role()).isEqualTo("authenticated");

    assertThat(status(authenticate(Tokens.claims("alice").put("iss", "https://other.supabase.co/auth/v1")))).isEqualTo(401);
    assertThat(status(authenticate(Tokens.claims("alice")))).as("no iss").isEqualTo(401);
  }

  @Test
  void aRememberedTokenIsRefusedOnceItExpires() throws InterruptedException {
    long now = Instant.now().getEpochSecond();
    String token = Tokens.bearer(Tokens.hs256(Tokens.claims("brief-" + UUID.randomUUID()).put("iss", ISSUER)
        .put("exp", now + 2), Tokens.USER_SECRET));
    assertThat(authenticator.authenticate(token).succeeded()).isTrue();
    assertThat(authenticator.authenticate(token).succeeded()).as("the remembered verification").isTrue();
    Thread.sleep(3_100);
    assertThat(status(authenticator.authenticate(token))).isEqualTo(401);
  }

  @Test
  void guestTokensAreSignedHereAndCarryTheirPairing() {
    Caller.Guest guest = new Caller.Guest(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "Ann", "ann@example.com");
    String token = authenticator.issueGuestToken(guest, Instant.now().plusSeconds(600));
    Future<Caller> caller = authenticator.authenticate(Tokens.bearer(token));
    assertThat(caller.succeeded()).isTrue();
    assertThat(caller.result().isGuest()).isTrue();
    assertThat(caller.result().guest()).isEqualTo(guest);
    assertThat(caller.result().actor()).isEqualTo("guest:" + guest.pairingId());

    String expired = authenticator.issueGuestToken(guest, Instant.now().minusSeconds(1));
    assertThat(status(authenticator.authenticate(Tokens.bearer(expired)))).isEqualTo(401);
  }
}
