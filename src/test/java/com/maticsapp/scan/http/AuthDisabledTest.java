package com.maticsapp.scan.http;

import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * auth.enabled false (development only): a request without a token acts as the development
 * user, who owns what they create like anyone else; a token that is sent is still checked.
 */
class AuthDisabledTest extends ServiceTest {

  @Override
  protected Map<String, String> environment() {
    return Map.of("AUTH_ENABLED", "false");
  }

  @Test
  void withoutATokenTheDevelopmentUserActsAndOwnsWhatTheyCreate() {
    WebClient anonymous = RunningService.as(service.vertx(), service.port(), null);
    HttpResponse<Buffer> created = anonymous.post("/api/workspaces").putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("name", "Dev").put("slug", "dev-" + UUID.randomUUID().toString().substring(0, 8)))
        .await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("created_by")).isEqualTo("local-developer");

    // Another (real) user is still a stranger to it.
    String tableRoute = "/api/workspaces/" + created.bodyAsJsonObject().getString("id") + "/members";
    assertThat(anonymous.get(tableRoute).send().await().statusCode()).isEqualTo(200);
    assertThat(service.clientWithToken(Tokens.user("someone")).get(tableRoute).send().await().statusCode()).isEqualTo(404);
  }

  @Test
  void aTokenThatIsSentIsStillChecked() {
    HttpResponse<Buffer> forged = service.clientWithToken(Tokens.hs256(Tokens.claims("x"), "wrong-secret-of-enough-length-000000000"))
        .get("/api/workspaces").send().await();
    assertThat(forged.statusCode()).isEqualTo(401);
  }
}
