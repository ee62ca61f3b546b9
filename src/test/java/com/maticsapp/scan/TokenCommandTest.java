package com.maticsapp.scan;

import com.maticsapp.scan.support.MainProcess;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code matic-scan token}: a user token the running service accepts, printed alone. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenCommandTest {

  private TestDatabase database;
  private RunningService service;

  @BeforeAll
  void start() {
    database = TestDatabase.create();
    service = RunningService.start(database);
  }

  @AfterAll
  void stop() {
    service.close();
    database.close();
  }

  private record Run(int status, List<String> out, String err) {}

  private static Run token(Map<String, String> env, String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "token";
    System.arraycopy(args, 0, command, 1, args.length);
    ProcessBuilder builder = MainProcess.builder(env, command).redirectErrorStream(false);
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8).lines().toList(),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void printsOnlyATokenTheServiceAcceptsWithTheRoleAndLifetimeAsked() throws Exception {
    Run run = token(Map.of("ENVIRONMENT", "test"), "--sub", "alice", "--role", "service_role", "--ttl", "2h");

    assertThat(run.status()).as(run.err()).isZero();
    assertThat(run.out()).as("only the token on standard output").hasSize(1);
    String token = run.out().get(0);
    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
    assertThat(claims.getString("sub")).isEqualTo("alice");
    assertThat(claims.getString("role")).isEqualTo("service_role");
    assertThat(claims.getString("aud")).isEqualTo("authenticated");
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(7200);

    HttpResponse<Buffer> created = service.clientWithToken(token).post("/api/workspaces")
        .sendJsonObject(new JsonObject().put("name", "Alice's").put("slug", "alice-ws")).await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("created_by")).isEqualTo("alice");
    assertThat(service.clientWithToken(token).get("/metrics").send().await().statusCode())
        .as("service_role is an admin role: /metrics opens").isEqualTo(200);
  }

  @Test
  void refusesWithoutAConfiguredSecretAndWithoutASubject() throws Exception {
    Run noSecret = token(Map.of("ENVIRONMENT", "development"), "--sub", "alice");
    assertThat(noSecret.status()).isEqualTo(2);
    assertThat(noSecret.out()).isEmpty();
    assertThat(noSecret.err()).contains("AUTH_JWT_SECRET");

    Run noSub = token(Map.of("ENVIRONMENT", "test"), "--role", "x");
    assertThat(noSub.status()).isEqualTo(2);
    assertThat(noSub.out()).isEmpty();
    assertThat(noSub.err()).contains("--sub is required").contains("usage:");

    Run badTtl = token(Map.of("ENVIRONMENT", "test"), "--sub", "alice", "--ttl", "forever");
    assertThat(badTtl.status()).isEqualTo(2);
    assertThat(badTtl.err()).contains("--ttl");
  }
}
