package com.maticsapp.scan.http;

import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.config.AdminConfig;
import com.maticsapp.scan.config.AuthConfig;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AdminAccess} in front of a route, on a real HTTP server: one router with an admin
 * token configured, one without.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminAccessTest {

  private static final String TOKEN = "admin-token-for-this-test-0123456789abcdef";

  private Vertx vertx;
  private WebClient withToken;
  private WebClient withoutToken;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    // Admin roles configured (service_role): users with that role pass too.
    withToken = client(serve(new AdminConfig(TOKEN), List.of("service_role")));
    withoutToken = client(serve(new AdminConfig(""), List.of()));
  }

  @Test
  void aUserWithAnAdminRolePassesAndOtherUsersAreForbidden() {
    String serviceRole = Tokens.hs256(Tokens.claims("ops").put("role", "service_role"), Tokens.USER_SECRET);
    assertThat(send(withToken.get("/admin").bearerTokenAuthentication(serviceRole)).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> ordinary = send(withToken.get("/admin").bearerTokenAuthentication(Tokens.user("alice")));
    assertThat(ordinary.statusCode()).isEqualTo(403);
    assertThat(ordinary.bodyAsJsonObject().getString("detail")).contains("admin role");

    String forged = Tokens.hs256(Tokens.claims("ops").put("role", "service_role"), "not-the-secret-0123456789abcdef-xyz");
    assertThat(send(withToken.get("/admin").bearerTokenAuthentication(forged)).statusCode()).isEqualTo(401);
  }

  @AfterAll
  void stop() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void theRightBearerTokenPasses() {
    HttpResponse<Buffer> response = send(withToken.get("/admin").bearerTokenAuthentication(TOKEN));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsString()).isEqualTo("admin only");
  }

  @Test
  void theSchemeIsCaseInsensitive() {
    HttpResponse<Buffer> response = send(withToken.get("/admin").putHeader("Authorization", "bearer " + TOKEN));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void noCredentialIsA401WithABearerChallenge() {
    HttpResponse<Buffer> response = send(withToken.get("/admin"));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"matic-scan\"");
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(response.bodyAsJsonObject().getInteger("status")).isEqualTo(401);
  }

  @Test
  void aWrongTokenIsA401SayingTheTokenIsInvalid() {
    for (String wrong : new String[] {TOKEN + "x", TOKEN.substring(1), "short", TOKEN.toUpperCase()}) {
      HttpResponse<Buffer> response = send(withToken.get("/admin").bearerTokenAuthentication(wrong));

      assertThat(response.statusCode()).as(wrong).isEqualTo(401);
      assertThat(response.getHeader("WWW-Authenticate")).startsWith("Bearer realm=\"matic-scan\"").contains("invalid_token");
      assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(response.bodyAsString()).doesNotContain(TOKEN);
    }
  }

  @Test
  void anotherSchemeOrAnEmptyBearerIsNoCredential() {
    HttpResponse<Buffer> basic = send(withToken.get("/admin").basicAuthentication("admin", TOKEN));
    HttpResponse<Buffer> empty = send(withToken.get("/admin").putHeader("Authorization", "Bearer "));

    assertThat(basic.statusCode()).isEqualTo(401);
    assertThat(basic.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"matic-scan\"");
    assertThat(empty.statusCode()).isEqualTo(401);
  }

  @Test
  void withoutAConfiguredTokenEveryRequestIsRefusedAndSentToTheManagementPort() {
    for (HttpRequest<Buffer> request : java.util.List.of(
        withoutToken.get("/admin"),
        withoutToken.get("/admin").bearerTokenAuthentication(TOKEN),
        withoutToken.get("/admin").putHeader("Authorization", "Bearer "))) {
      HttpResponse<Buffer> response = send(request);

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
      assertThat(response.bodyAsJsonObject().getString("detail")).contains("use the management port");
      assertThat(response.getHeader("WWW-Authenticate")).isNull();
    }
  }

  // ---------------------------------------------------------------- helpers

  private int serve(AdminConfig config, List<String> adminRoles) {
    AuthConfig auth = ConfigLoader.fromJson("test", new JsonObject().put("auth", new JsonObject()
        .put("jwtSecret", Tokens.USER_SECRET).put("adminRoles", new JsonArray(adminRoles))), Map.of()).auth();
    Router router = Router.router(vertx);
    AdminAccess admin = new AdminAccess(config, new Authenticator(vertx, auth), new Responses(1));
    router.get("/admin").handler(admin::require).handler(ctx -> ctx.response().end("admin only"));
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    return server.actualPort();
  }

  private WebClient client(int port) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request) {
    return request.send().await();
  }
}
