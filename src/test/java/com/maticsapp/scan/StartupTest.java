package com.maticsapp.scan;

import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.MainProcess;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Start-up either completes with the schema migrated or fails fast with one clear message:
 * in-process through {@link Application}, and once as a real process through {@link Main}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartupTest {

  /** A bound on how long a failing start may take before the test calls it a hang. */
  private static final long START_DEADLINE_SECONDS = 20;
  private static final long PROCESS_DEADLINE_SECONDS = 30;

  private TestDatabase database;

  @BeforeAll
  void createDatabase() {
    database = TestDatabase.create();
  }

  @AfterAll
  void dropDatabase() {
    if (database != null) {
      database.close();
    }
  }

  // ---------------------------------------------------------------- in-process start

  @Test
  void startFailsWhenNothingListensOnTheDatabasePort() throws IOException {
    int closedPort = reserveAndClosePort();

    Throwable failure = failedStart("postgres://postgres@127.0.0.1:" + closedPort + "/matic_scan_test?sslmode=disable");

    assertThat(causeChain(failure)).contains("127.0.0.1:" + closedPort).containsIgnoringCase("refused");
  }

  @Test
  void startFailsWhenTheDatabaseDoesNotExist() {
    String missing = database.url().replace("/" + database.name() + "?", "/does_not_exist_xyz?");
    assertThat(missing).contains("/does_not_exist_xyz?");

    Throwable failure = failedStart(missing);

    assertThat(causeChain(failure)).contains("does_not_exist_xyz").contains("does not exist");
  }

  @Test
  void startMigratesAFreshDatabaseAndASecondStartOnItIsFine() {
    String tableId;
    long historyRows;
    try (RunningService first = RunningService.start(database)) {
      assertThat(database.count(
          "SELECT count(*) FROM flyway_schema_history WHERE version = '1' AND success")).isEqualTo(1);
      assertThat(database.count("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
          + "AND table_name IN ('workspaces', 'data_tables', 'table_columns', 'table_rows', 'barcode_values', 'scan_history')"))
          .isEqualTo(6);
      historyRows = database.count("SELECT count(*) FROM flyway_schema_history");
      tableId = new Fixtures(first).table().getString("id");
    }

    try (RunningService second = RunningService.start(database)) {
      assertThat(database.count("SELECT count(*) FROM flyway_schema_history")).isEqualTo(historyRows);
      assertThat(database.count("SELECT count(*) FROM flyway_schema_history WHERE NOT success")).isZero();
      HttpResponse<Buffer> table = second.get("/api/tables/" + tableId);
      assertThat(table.statusCode()).as(table.bodyAsString()).isEqualTo(200);
      assertThat(table.bodyAsJsonObject().getString("id")).isEqualTo(tableId);
      HttpResponse<Buffer> workspace = second.post("/api/workspaces",
          new JsonObject().put("name", "After restart").put("slug", "after-restart"));
      assertThat(workspace.statusCode()).as(workspace.bodyAsString()).isEqualTo(201);
    }
  }

  // ---------------------------------------------------------------- the real process

  @Test
  void mainExitsWithStatusOneNamingTheKeyAndTheVariableForAnInvalidPoolSize() throws Exception {
    ProcessResult result = runMain(Map.of(
        "ENVIRONMENT", "production",
        "DB_POOL_MAX_SIZE", "-1",
        "DATABASE_URL", database.url()));

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(result.output()).contains("database.pool.maxSize").contains("DB_POOL_MAX_SIZE");
    assertThat(result.output().split("matic-scan failed to start", -1)).as(result.output()).hasSize(2);
  }

  @Test
  void aServerWithoutSslIsExplainedInOneLineWithTheFix() throws Exception {
    String requiringSsl = database.url().replace("sslmode=disable", "sslmode=require");
    assertThat(requiringSsl).contains("sslmode=require");

    ProcessResult result = runMain(Map.of("ENVIRONMENT", "test", "DATABASE_URL", requiringSsl));

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    String line = failureLine(result.output());
    assertThat(line).contains("does not accept SSL").contains("?sslmode=disable").contains("DB_SSL_MODE=disable");
    assertThat(result.output()).as("no Flyway box, no SQLSTATE dump").doesNotContain("SQL State").doesNotContain("-----");
  }

  @Test
  void aMissingDatabaseIsNamedWithHowToCreateIt() throws Exception {
    String missing = database.url().replace("/" + database.name() + "?", "/matic_missing_db?");

    ProcessResult result = runMain(Map.of("ENVIRONMENT", "test", "DATABASE_URL", missing));

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(failureLine(result.output())).contains("database 'matic_missing_db' does not exist on 127.0.0.1:")
        .contains("CREATE DATABASE matic_missing_db").contains("createdb");
  }

  @Test
  void productionWithoutADatabaseUrlIsRefusedAndEveryProblemOfTheStartIsReportedAtOnce() throws Exception {
    ProcessResult result = runMain(Map.of("ENVIRONMENT", "production", "PORT", "99999", "DB_POOL_MAX_SIZE", "0",
        "HTTP_REQUEST_TIMEOUT", "soon"));

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(result.output()).as("refused before any connection is tried").doesNotContain("database schema at version");
    List<String> problems = result.output().lines().filter(line -> line.contains("configuration key '")).toList();
    assertThat(problems).as(result.output()).hasSize(7);
    assertThat(problems).anySatisfy(line -> assertThat(line)
        .contains("'http.publicUrl' (environment variable PUBLIC_URL): is required in production"));
    assertThat(problems).anySatisfy(line -> assertThat(line)
        .contains("'database.url' (environment variable DATABASE_URL): is required in production"));
    assertThat(problems).anySatisfy(line -> assertThat(line).contains("'http.port' (set by PORT)"));
    assertThat(problems).anySatisfy(line -> assertThat(line).contains("'database.pool.maxSize' (set by DB_POOL_MAX_SIZE)"));
    assertThat(problems).anySatisfy(line -> assertThat(line).contains("'http.requestTimeout' (set by HTTP_REQUEST_TIMEOUT)"));
    assertThat(problems).anySatisfy(line -> assertThat(line).contains("'auth.guestTokenSecret' (environment variable GUEST_TOKEN_SECRET)"));
    assertThat(problems).anySatisfy(line -> assertThat(line).contains("'auth.jwtSecret' (environment variable AUTH_JWT_SECRET)"));
    assertThat(result.output().split("matic-scan failed to start", -1)).hasSize(2);
  }

  /** The one line Main logs when it cannot start. */
  private static String failureLine(String output) {
    List<String> lines = output.lines().filter(line -> line.contains("matic-scan failed to start")).toList();
    assertThat(lines).as(output).hasSize(1);
    return lines.get(0);
  }

  @Test
  void mainExitsWithStatusOneNamingEnvironmentForAnUnknownEnvironment() throws Exception {
    ProcessResult result = runMain(Map.of("ENVIRONMENT", "nope", "DATABASE_URL", database.url()));

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(result.output()).contains("ENVIRONMENT").contains("nope");
  }

  // ---------------------------------------------------------------- helpers

  /** Loads the test configuration with {@code databaseUrl}, starts, and returns the failure. */
  private Throwable failedStart(String databaseUrl) {
    Application app = Application.create();
    try {
      AppConfig config = ConfigLoader.load(app.vertx(), Map.of("ENVIRONMENT", "test", "DATABASE_URL", databaseUrl)).await();
      Future<Integer> starting = app.start(config);

      Throwable thrown = catchThrowable(() -> starting.await(START_DEADLINE_SECONDS, TimeUnit.SECONDS));

      assertThat(thrown).as("start should fail, not hang").isNotInstanceOf(TimeoutException.class);
      assertThat(starting.failed()).as("start should fail").isTrue();
      // The first failure stops the chain: nothing (data, health, HTTP) was deployed.
      assertThat(app.vertx().deploymentIDs()).isEmpty();
      return starting.cause();
    } finally {
      app.vertx().close().await();
    }
  }

  private static int reserveAndClosePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String causeChain(Throwable failure) {
    StringBuilder messages = new StringBuilder();
    for (Throwable each = failure; each != null; each = each.getCause() == each ? null : each.getCause()) {
      messages.append(each).append('\n');
    }
    return messages.toString();
  }

  @Test
  void requestsArrivingWhileTheServerStartsAreAllAnswered() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ProcessBuilder builder = MainProcess.builder(Map.of("ENVIRONMENT", "test", "DATABASE_URL", database.url(),
        "PORT", Integer.toString(port), "HTTP_INSTANCES", "2"));
    Path output = Files.createTempFile("matic-scan-starting-", ".log");
    builder.redirectOutput(output.toFile());
    HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health/ready"))
        .timeout(Duration.ofSeconds(10)).build(); // generous: a cold JVM on a busy machine is slow, a hang is forever
    Process process = builder.start();
    try {
      int answered = 0;
      long deadline = System.currentTimeMillis() + START_DEADLINE_SECONDS * 1000;
      boolean up = false;
      while (!up && System.currentTimeMillis() < deadline) {
        // Hammer the port from the first moment: a request the server accepts must get an
        // answer (an early-request hang in the metrics layer once left them unanswered).
        List<CompletableFuture<java.net.http.HttpResponse<Void>>> burst = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          burst.add(client.sendAsync(ready, java.net.http.HttpResponse.BodyHandlers.discarding()));
        }
        for (var request : burst) {
          try {
            int status = request.get().statusCode();
            answered++;
            up |= status == 200;
          } catch (ExecutionException e) {
            assertThat(e.getCause()).as("only 'not listening yet' is acceptable, never a hang; service output:%n%s",
                    Files.readString(output))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(HttpTimeoutException.class);
          }
        }
      }
      assertThat(up).isTrue();
      assertThat(answered).isPositive();
    } finally {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(output);
    }
  }

  private record ProcessResult(int exitCode, String output) {}

  /** Runs Main on the test class path in a fresh JVM with exactly these configuration variables. */
  private static ProcessResult runMain(Map<String, String> env) throws IOException, InterruptedException {
    Path output = Files.createTempFile("matic-scan-main-", ".log");
    Process process = MainProcess.builder(env).redirectOutput(output.toFile()).start();
    try {
      boolean exited = process.waitFor(PROCESS_DEADLINE_SECONDS, TimeUnit.SECONDS);
      String text = Files.readString(output);
      assertThat(exited).as("Main should exit within %d s; output so far:%n%s", PROCESS_DEADLINE_SECONDS, text).isTrue();
      return new ProcessResult(process.exitValue(), text);
    } finally {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(output);
    }
  }
}
