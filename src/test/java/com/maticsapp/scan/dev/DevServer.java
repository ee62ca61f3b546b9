package com.maticsapp.scan.dev;

import com.maticsapp.scan.Application;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
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
 * embedded one (PostgreSQL 16, data kept in target/dev-postgres-16) for a normal user, or, for root (which
 * PostgreSQL refuses to run as), the local server on 127.0.0.1:5432. A small demo table is
 * created on first start, and on every start the walkthrough ({@link DemoWalkthrough}) is printed. Lives with the tests because the
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
            .setDataDirectory(Path.of("target", "dev-postgres-16"))
            .setCleanDataDirectory(false)
            .start();
        port = embedded.getPort();
        log.info("started an embedded PostgreSQL on port {} (data in target/dev-postgres-16)", embedded.getPort());
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
    printWalkthrough(app, port, management);

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

  /** The demo table (made on the first start, found again later) and its walkthrough, printed on every start. */
  private static void printWalkthrough(Application app, int port, String management) {
    String base = "http://127.0.0.1:" + port;
    WebClient http = WebClient.create(app.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    try {
      System.out.println(DemoWalkthrough.seed(http, base).render(management));
    } finally {
      http.close();
    }
  }
}
