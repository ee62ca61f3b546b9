package com.maticsapp.scan.packaged;

import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.FreePorts;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The artifact people run: target/matic-scan.jar (after the package phase, by failsafe) started
 * with {@code java -jar}. What the tests on the class path cannot see lives here: what the
 * shade step keeps and leaves out (Swagger UI found without its dependency's Maven metadata, the
 * web client, the document, migrations, service files), and that the jar stops cleanly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackagedJarIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static TestDatabase database;
  private static Process process;
  private static Path output;
  private static int port;

  @BeforeAll
  static void startTheJar() throws Exception {
    Path jar = Path.of("target", "matic-scan.jar");
    assertThat(jar).as("the packaged jar (mvn package)").exists();
    database = TestDatabase.create();
    port = FreePorts.loopback(1).get(0);
    output = Files.createTempFile("matic-scan-jar", ".log");
    ProcessBuilder builder = new ProcessBuilder(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()))
        .directory(new File(System.getProperty("user.dir")))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(name -> name.equals("ENVIRONMENT") || ConfigLoader.ENV_OVERRIDES.containsKey(name));
    environment.putAll(Map.of("ENVIRONMENT", "test", "DATABASE_URL", database.url(), "PORT", Integer.toString(port)));
    process = builder.start();
    long deadline = System.currentTimeMillis() + 90_000;
    while (System.currentTimeMillis() < deadline) {
      assertThat(process.isAlive()).as("the jar exited during start-up; output:%n%s", log()).isTrue();
      try {
        if (get("/api/health/ready").statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the jar was not ready within 90 s; output:\n" + log());
  }

  @AfterAll
  static void stop() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
    if (database != null) {
      database.close();
    }
  }

  @Test
  void servesTheApiDocsFromTheWebjarInsideTheJar() throws Exception {
    HttpResponse<String> page = get("/api/docs");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("/api/docs/docs.js");
    for (String file : List.of("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "docs.js")) {
      HttpResponse<String> served = get("/api/docs/" + file);
      assertThat(served.statusCode()).as(file).isEqualTo(200);
      assertThat(served.body()).as(file).isNotEmpty();
    }
    assertThat(log()).doesNotContain("Swagger UI is not on the class path");
  }

  @Test
  void servesTheDocumentAndTheWebClient() throws Exception {
    HttpResponse<String> document = get("/api/openapi.yaml");
    assertThat(document.statusCode()).isEqualTo(200);
    assertThat(document.body()).startsWith("openapi: ");
    for (String page : List.of("/pair", "/desk")) {
      HttpResponse<String> served = get(page);
      assertThat(served.statusCode()).as(page).isEqualTo(200);
      assertThat(served.body()).as(page).contains("<script");
    }
  }

  @Test
  @Order(1)
  void recordsAScanOnTheDatabaseItsMigrationsBuilt() throws Exception {
    // The migrations come from inside the jar (Flyway reads them off its class path), the
    // verticles and codecs from its service files: a scan that is recorded and then replayed
    // by its id crosses all of them.
    String workspace = post("/api/workspaces", new JsonObject().put("name", "Jar")
        .put("slug", "jar-" + UUID.randomUUID().toString().substring(0, 8))).getString("id");
    String table = post("/api/tables", new JsonObject().put("workspace_id", workspace).put("name", "Jar")
        .put("columns", new JsonArray().add(new JsonObject().put("name", "code").put("column_type", "barcode"))))
        .getString("id");
    post("/api/tables/" + table + "/rows", new JsonObject().put("data", new JsonObject().put("code", "JAR-1")));
    JsonObject scan = new JsonObject().put("id", UUID.randomUUID().toString())
        .put("table_id", table).put("column_name", "code").put("barcode", "JAR-1");
    HttpResponse<String> recorded = send("/api/scans", scan);
    assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(201);
    HttpResponse<String> replay = send("/api/scans", scan);
    assertThat(replay.statusCode()).as("the same id again is a replay").isEqualTo(200);
    assertThat(new JsonObject(replay.body())).isEqualTo(new JsonObject(recorded.body()));
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void stopsWithStatusZeroOnSigterm() throws Exception {
    assertThat(process.supportsNormalTermination()).isTrue();
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited within 30 s of SIGTERM; output:%n%s", log()).isTrue();
    assertThat(process.exitValue()).as("exit status; output:%n%s", log()).isZero();
  }

  private static JsonObject post(String path, JsonObject body) throws Exception {
    HttpResponse<String> response = send(path, body);
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(201);
    return new JsonObject(response.body());
  }

  private static HttpResponse<String> send(String path, JsonObject body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .header("Authorization", Tokens.bearer(Tokens.user(RunningService.USER)))
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String log() {
    try {
      return Files.readString(output);
    } catch (java.io.IOException e) {
      return "(no output: " + e + ")";
    }
  }
}
