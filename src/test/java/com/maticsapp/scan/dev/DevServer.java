package com.maticsapp.scan.dev;

import com.maticsapp.scan.Application;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code mvn -q test-compile exec:java}: the service in development, ready to scan within a minute.
 *
 * <p>With DATABASE_URL set, that database is used. Without it, a PostgreSQL is provided: an
 * embedded one (data kept in target/dev-postgres) for a normal user, or, for root (which
 * PostgreSQL refuses to run as), the local server on 127.0.0.1:5432. A small demo table is
 * created on first start and an example scan is printed. Lives with the tests because the
 * embedded database is a development dependency, never part of the production jar.
 */
public final class DevServer {

  private static final Logger log = LoggerFactory.getLogger(DevServer.class);
  private static final int EMBEDDED_PORT = 54329;
  private static final String DATABASE = "matic_scan_dev";

  private DevServer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.putIfAbsent("ENVIRONMENT", "development");
    EmbeddedPostgres embedded = null;
    if (env.getOrDefault("DATABASE_URL", "").isBlank()) {
      int port;
      if ("root".equals(System.getProperty("user.name"))) {
        port = 5432;
        log.info("running as root: an embedded PostgreSQL cannot run as root, using the local server on 127.0.0.1:5432");
      } else {
        embedded = EmbeddedPostgres.builder()
            .setPort(EMBEDDED_PORT)
            .setDataDirectory(Path.of("target", "dev-postgres"))
            .setCleanDataDirectory(false)
            .start();
        port = embedded.getPort();
        log.info("started an embedded PostgreSQL on port {} (data in target/dev-postgres)", embedded.getPort());
      }
      createDatabaseIfMissing(port);
      env.put("DATABASE_URL", "postgres://postgres@127.0.0.1:" + port + "/" + DATABASE);
    }

    AppConfig config = ConfigLoader.load(env).await(1, TimeUnit.MINUTES);
    Application app = Application.createFor(config).await(2, TimeUnit.MINUTES);
    int port = app.start(config).await(2, TimeUnit.MINUTES);
    int managementPort = app.managementPort();
    String management = managementPort < 0
        ? "<management port disabled>"
        : "http://" + config.management().host() + ":" + managementPort;
    printExample(port, management, seedDemo(app, port));

    EmbeddedPostgres database = embedded;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        app.stop().await(30, TimeUnit.SECONDS);
        if (database != null) {
          database.close();
        }
      } catch (Exception e) {
        log.warn("development shutdown: {}", e.toString());
      }
    }, "dev-shutdown"));
  }

  private static void createDatabaseIfMissing(int port) throws SQLException {
    try (Connection admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
         ResultSet exists = admin.createStatement().executeQuery(
             "SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
      if (!exists.next()) {
        admin.createStatement().execute("CREATE DATABASE " + DATABASE);
        log.info("created database {}", DATABASE);
      }
    }
  }

  /** Creates the demo workspace and table through the API on first start; returns the table. */
  private static JsonObject seedDemo(Application app, int port) {
    WebClient http = WebClient.create(app.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    try {
      HttpResponse<?> workspace = http.post("/api/workspaces")
          .sendJsonObject(new JsonObject().put("name", "Demo").put("slug", "demo")).await();
      if (workspace.statusCode() == 409) {
        return null; // seeded on an earlier start
      }
      String workspaceId = workspace.bodyAsJsonObject().getString("id");
      JsonObject table = http.post("/api/tables").sendJsonObject(new JsonObject()
          .put("workspace_id", workspaceId)
          .put("name", "Event attendees")
          .put("columns", new JsonArray()
              .add(new JsonObject().put("name", "ticket").put("label", "Ticket").put("column_type", "barcode"))
              .add(new JsonObject().put("name", "name").put("label", "Name").put("column_type", "text"))
              .add(new JsonObject().put("name", "email").put("label", "Email").put("column_type", "email"))
              .add(new JsonObject().put("name", "badge").put("label", "Badge GTIN").put("column_type", "barcode")
                  .put("settings", new JsonObject().put("normalization", "gtin")))))
          .await().bodyAsJsonObject();
      JsonArray rows = new JsonArray();
      String[] names = {"Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"};
      for (int i = 1; i <= 25; i++) {
        String name = names[(i - 1) % names.length] + (i > names.length ? " " + i : "");
        rows.add(new JsonObject().put("data", new JsonObject()
            .put("ticket", String.format("TICKET-%04d", i))
            .put("name", name)
            .put("email", "guest" + i + "@example.com")
            .put("badge", i == 1 ? "036000291452" : null)));
      }
      http.post("/api/tables/" + table.getString("id") + "/rows/bulk")
          .sendJsonObject(new JsonObject().put("rows", rows)).await();
      return table;
    } finally {
      http.close();
    }
  }

  private static void printExample(int port, String management, JsonObject table) {
    String base = "http://127.0.0.1:" + port;
    if (table == null) {
      log.info("matic-scan development server on {} (demo data from an earlier start)", base);
      return;
    }
    String tableId = table.getString("id");
    String banner = String.join(System.lineSeparator(),
        "",
        "  matic-scan is running on " + base + " with a demo table \"Event attendees\" (25 rows).",
        "",
        "  Open the desk, press \"Pair a phone\" and scan its QR code with your phone (see the README for the same network and HTTPS):",
        "    " + base + "/desk?table=" + tableId,
        "",
        "  Look up a ticket:",
        "    curl '" + base + "/api/tables/" + tableId + "/rows/search?column_name=ticket&value=ticket-0007'",
        "",
        "  Record a scan (run it twice: the second answer is a 200 replay, counted once):",
        "    curl -X POST " + base + "/api/scans -H 'Content-Type: application/json' \\",
        "      -d '{\"id\":\"7b0c6c1e-8d7a-4a55-9e59-2b7c6f0e0001\",\"table_id\":\"" + tableId
            + "\",\"column_name\":\"ticket\",\"barcode\":\"TICKET-0007\",\"source\":\"curl\"}'",
        "",
        "  Let a phone scan as a guest: open a pairing (its code is what the QR shows), then claim it:",
        "    curl -X POST " + base + "/api/tables/" + tableId + "/pairings -H 'Content-Type: application/json' -d '{\"column_name\":\"ticket\"}'",
        "    curl -X POST " + base + "/api/pairings/claim -H 'Content-Type: application/json' \\",
        "      -d '{\"code\":\"<code>\",\"scanner_name\":\"Front desk\"}'",
        "  (Auth is off in development: requests without a token act as 'local-developer'.)",
        "",
        "  Health: " + management + "/api/health/detailed    Metrics: " + management + "/metrics    API: " + base
            + "/api/openapi.yaml",
        "");
    System.out.println(banner);
  }
}
