package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import com.maticsapp.scan.support.WebhookReceiver;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetAddress;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static com.maticsapp.scan.support.Fixtures.scan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Defining webhook endpoints, with the production target rules in force (plain http and
 * private targets refused, as conf/production.json requires): bad definitions are 422 and
 * write nothing, only owners and editors may see or change them, and a target that resolves to
 * a private address is refused at delivery time too.
 */
class WebhookEndpointApiTest extends ServiceTest {

  @Override
  protected Map<String, String> environment() {
    return Map.of("WEBHOOKS_ALLOW_PRIVATE_TARGETS", "false", "WEBHOOKS_ALLOW_HTTP", "false");
  }

  static Stream<org.junit.jupiter.params.provider.Arguments> badDefinitions() {
    return Stream.of(
        bad("plain http", body("http://hooks.example.com/x"), "url"),
        bad("loopback literal", body("https://127.0.0.1/x"), "url"),
        bad("loopback shorthand", body("https://127.1/x"), "url"),
        bad("IPv6 loopback", body("https://[::1]/x"), "url"),
        bad("localhost", body("https://localhost:8443/x"), "url"),
        bad("private 10/8", body("https://10.1.2.3/x"), "url"),
        bad("private 192.168/16", body("https://192.168.0.10/x"), "url"),
        bad("metadata service", body("https://169.254.169.254/latest/meta-data"), "url"),
        bad("IPv4-mapped private", body("https://[::ffff:10.0.0.1]/x"), "url"),
        bad("unique-local IPv6", body("https://[fd00:ec2::254]/x"), "url"),
        bad("credentials in the URL", body("https://user:pw@hooks.example.com/x"), "url"),
        bad("not a URL", body("hooks dot example"), "url"),
        bad("ftp", body("ftp://hooks.example.com/x"), "url"),
        bad("no url", new JsonObject().put("event_types", new JsonArray().add("scan.recorded")), "url"),
        bad("no event types", new JsonObject().put("url", "https://hooks.example.com/x"), "event_types"),
        bad("empty event types", body("https://hooks.example.com/x").put("event_types", new JsonArray()), "event_types"),
        bad("unknown event type", body("https://hooks.example.com/x").put("event_types", new JsonArray().add("scan.eaten")),
            "event_types[0]"),
        bad("duplicate event type", body("https://hooks.example.com/x")
            .put("event_types", new JsonArray().add("scan.recorded").add("scan.recorded")), "event_types[1]"),
        bad("table id not a uuid", body("https://hooks.example.com/x").put("table_id", "t-1"), "table_id"),
        bad("enabled not a boolean", body("https://hooks.example.com/x").put("enabled", "yes"), "enabled"),
        bad("description too long", body("https://hooks.example.com/x").put("description", "d".repeat(501)), "description"),
        bad("unknown field", body("https://hooks.example.com/x").put("secret", "whsec_mine"), "secret"));
  }

  private static org.junit.jupiter.params.provider.Arguments bad(String name, JsonObject body, String field) {
    return org.junit.jupiter.params.provider.Arguments.of(name, body, field);
  }

  private static JsonObject body(String url) {
    return new JsonObject().put("url", url).put("event_types", new JsonArray().add("scan.recorded"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badDefinitions")
  void aBadDefinitionIs422AndWritesNothing(String name, JsonObject definition, String field) {
    String workspace = fixtures.workspace();
    long before = database.count("SELECT count(*) FROM webhook_endpoints");
    HttpResponse<Buffer> refused = service.post("/api/workspaces/" + workspace + "/webhooks", definition);
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
    assertThat(refused.getHeader("Content-Type")).startsWith("application/problem+json");
    assertThat(refused.bodyAsJsonObject().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .contains(field);
    assertThat(database.count("SELECT count(*) FROM webhook_endpoints")).isEqualTo(before);
  }

  @Test
  void aTableFilterMustNameATableOfTheWorkspace() {
    String workspace = fixtures.workspace();
    String otherTable = fixtures.table().getString("id");
    long before = database.count("SELECT count(*) FROM webhook_endpoints");
    HttpResponse<Buffer> refused = service.post("/api/workspaces/" + workspace + "/webhooks",
        body("https://hooks.example.com/x").put("table_id", otherTable));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
    assertThat(database.count("SELECT count(*) FROM webhook_endpoints")).isEqualTo(before);
  }

  @Test
  void aBadChangeIs422AndChangesNothing() {
    String workspace = fixtures.workspace();
    JsonObject endpoint = fixtures.webhook(workspace, "https://hooks.example.com/x", "scan.recorded");
    String path = "/api/workspaces/" + workspace + "/webhooks/" + endpoint.getString("id");
    HttpResponse<Buffer> refused = service.patch(path, new JsonObject().put("url", "https://10.0.0.1/x")
        .put("description", "changed"));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
    JsonObject stored = service.get(path).bodyAsJsonObject();
    assertThat(stored.getString("url")).isEqualTo("https://hooks.example.com/x");
    assertThat(stored.getString("description")).isNull();
    assertThat(stored.getString("updated_at")).isEqualTo(endpoint.getString("updated_at"));

    HttpResponse<Buffer> changed = service.patch(path, new JsonObject().put("event_types", new JsonArray().add("row.created"))
        .put("description", "CRM").put("enabled", false));
    assertThat(changed.statusCode()).as(changed.bodyAsString()).isEqualTo(200);
    assertThat(changed.bodyAsJsonObject().getJsonArray("event_types")).containsExactly("row.created");
    assertThat(changed.bodyAsJsonObject().getString("disabled_reason")).isEqualTo("disabled through the API");
    HttpResponse<Buffer> enabled = service.patch(path, new JsonObject().put("enabled", true));
    assertThat(enabled.bodyAsJsonObject().getString("disabled_reason")).isNull();
    assertThat(enabled.bodyAsJsonObject().getBoolean("enabled")).isTrue();
  }

  @Test
  void onlyOwnersAndEditorsSeeOrChangeEndpointsAndTheSecretIsShownOnce() {
    String workspace = fixtures.workspace();
    JsonObject endpoint = fixtures.webhook(workspace, "https://hooks.example.com/x", "scan.recorded");
    assertThat(endpoint.getString("secret")).matches("whsec_[A-Za-z0-9+/=]{40,}");
    String path = "/api/workspaces/" + workspace + "/webhooks";
    JsonObject listed = service.get(path).bodyAsJsonObject().getJsonArray("endpoints").getJsonObject(0);
    assertThat(listed.containsKey("secret")).isFalse();
    assertThat(service.get(path + "/" + endpoint.getString("id")).bodyAsJsonObject().containsKey("secret")).isFalse();

    assertThat(service.client().put("/api/workspaces/" + workspace + "/members/scanner-9")
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("role", "scanner").toBuffer()).await().statusCode()).isEqualTo(201);
    WebClient scanner = service.clientWithToken(Tokens.user("scanner-9"));
    try {
      assertThat(scanner.get(path).send().await().statusCode()).isEqualTo(403);
      HttpResponse<Buffer> create = scanner.post(path).putHeader("Content-Type", "application/json")
          .sendBuffer(body("https://hooks.example.com/y").toBuffer()).await();
      assertThat(create.statusCode()).isEqualTo(403);
      assertThat(scanner.delete(path + "/" + endpoint.getString("id")).send().await().statusCode()).isEqualTo(403);
    } finally {
      scanner.close();
    }
    WebClient stranger = service.clientWithToken(Tokens.user("stranger-" + UUID.randomUUID()));
    try {
      assertThat(stranger.get(path).send().await().statusCode()).isEqualTo(404);
    } finally {
      stranger.close();
    }
    assertThat(service.raw(io.vertx.core.http.HttpMethod.DELETE, path + "/" + endpoint.getString("id"), null, null)
        .statusCode()).isEqualTo(204);
    assertThat(service.get(path + "/" + endpoint.getString("id")).statusCode()).isEqualTo(404);
  }

  @Test
  void aHostThatResolvesToAPrivateAddressIsRefusedAtDeliveryAndNothingIsSent() throws Exception {
    // This machine's own name passes the definition check (it is a name, not an address) but
    // resolves to loopback or a private address: the dispatcher must refuse to connect.
    String host = InetAddress.getLocalHost().getHostName();
    InetAddress resolved = InetAddress.getByName(host);
    assumeTrue(TargetPolicy.refusal(resolved) != null, "this machine's name resolves to a public address");
    try (WebhookReceiver receiver = WebhookReceiver.start()) {
      JsonObject table = fixtures.table();
      JsonObject endpoint = fixtures.webhook(table.getString("workspace_id"),
          "https://" + host + ":" + receiver.port() + "/hooks", "scan.recorded");
      // One defined before the rules were this strict, straight in the database: refused too.
      database.execute("INSERT INTO webhook_endpoints (workspace_id, url, event_types, secret) VALUES ('"
          + table.getString("workspace_id") + "', 'http://127.0.0.1:" + receiver.port() + "/old', '{scan.recorded}', '"
          + Signature.newSecret() + "')");
      assertThat(service.post("/api/scans", scan(table.getString("id"), "code", "SSRF-1")).statusCode()).isEqualTo(201);
      String path = "/api/workspaces/" + table.getString("workspace_id") + "/webhooks/" + endpoint.getString("id");
      WebhookReceiver.await("two refused attempts", 10_000, () -> database.count(
          "SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id "
              + "JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.workspace_id = '" + table.getString("workspace_id")
              + "' AND a.error LIKE 'refused%'") >= 2);
      JsonObject attempt = service.get(path + "/deliveries").bodyAsJsonObject().getJsonArray("deliveries")
          .getJsonObject(0).getJsonArray("attempt_log").getJsonObject(0);
      assertThat(attempt.getString("error")).contains("refused").contains(resolved.getHostAddress());
      assertThat(attempt.getValue("status_code")).isNull();
      assertThat(receiver.received()).as("nothing reached the private address").isEmpty();
    }
  }
}
