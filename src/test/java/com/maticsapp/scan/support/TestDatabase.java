package com.maticsapp.scan.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one test class, dropped afterwards.
 *
 * <p>The server is the one named by MATIC_TEST_DATABASE_URL (an admin connection URI such as
 * postgres://postgres@127.0.0.1:5432/postgres), else the local server on 127.0.0.1:5432, else
 * (for a non-root user with no server) an embedded PostgreSQL started once per JVM.
 */
public final class TestDatabase implements AutoCloseable {

  private static final String DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
  private static Server server;

  /** Where the admin connection goes. */
  record Server(String host, int port, String user, String password, String adminDatabase) {
    String jdbc(String database) {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    boolean reachable() {
      return TestDatabase.reachable(this);
    }

    void execute(String sql) {
      try (Connection connection = DriverManager.getConnection(jdbc(adminDatabase), user, password);
           Statement statement = connection.createStatement()) {
        statement.execute(sql);
      } catch (SQLException e) {
        throw new IllegalStateException("admin statement failed: " + sql.toLowerCase(Locale.ROOT), e);
      }
    }
  }

  private final Server where;
  private final String name;
  private final boolean owned;

  private TestDatabase(Server where, String name, boolean owned) {
    this.where = where;
    this.name = name;
    this.owned = owned;
  }

  /** Creates a new, empty database on the test server. */
  public static TestDatabase create() {
    Server where = server();
    String name = "matic_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    where.execute("CREATE DATABASE " + name);
    return new TestDatabase(where, name, true);
  }

  /**
   * The same helpers on an existing database of another server (e.g. a {@link PrivatePostgres}),
   * with trust auth: nothing is created, and {@link #close()} drops nothing.
   */
  public static TestDatabase on(String host, int port, String user, String database) {
    return new TestDatabase(new Server(host, port, user, "", database), database, false);
  }

  public String name() {
    return name;
  }

  public String host() {
    return where.host();
  }

  public int port() {
    return where.port();
  }

  /** A postgres:// URI for the service (DATABASE_URL). */
  public String url() {
    return url(where.host(), where.port());
  }

  /** The same database reached through another host and port, e.g. a proxy or pooler. */
  public String url(String host, int port) {
    String auth = where.user() + (where.password().isEmpty() ? "" : ":" + where.password());
    return "postgres://" + auth + "@" + host + ":" + port + "/" + name + "?sslmode=disable";
  }

  /** A JDBC connection to the test database, for setting up data and checking results. */
  public Connection connect() {
    try {
      return DriverManager.getConnection(where.jdbc(name), where.user(), where.password());
    } catch (SQLException e) {
      throw new IllegalStateException("cannot connect to test database " + name, e);
    }
  }

  /** Runs statements on the test database. */
  public void execute(String... sql) {
    try (Connection connection = connect(); Statement statement = connection.createStatement()) {
      for (String each : sql) {
        statement.execute(each);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row of a query, as a long. */
  public long count(String sql) {
    try (Connection connection = connect(); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first column of the first row, as text. */
  public String text(String sql) {
    try (Connection connection = connect(); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (!owned) {
      return;
    }
    where.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static synchronized Server server() {
    if (server == null) {
      server = locate();
    }
    return server;
  }

  private static Server locate() {
    String configured = System.getenv("MATIC_TEST_DATABASE_URL");
    Server candidate = parse(configured == null || configured.isBlank() ? DEFAULT_ADMIN_URL : configured);
    if (configured != null && !configured.isBlank()) {
      return candidate; // explicitly chosen: use it or fail loudly
    }
    if (candidate.reachable()) {
      return candidate;
    }
    if ("root".equals(System.getProperty("user.name"))) {
      throw new IllegalStateException("no PostgreSQL at 127.0.0.1:5432 and an embedded one cannot run as root; "
          + "start the local server or set MATIC_TEST_DATABASE_URL");
    }
    return embedded();
  }

  private static Server embedded() {
    try {
      EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          postgres.close();
        } catch (Exception ignored) {
          // the JVM is exiting
        }
      }));
      return new Server("127.0.0.1", postgres.getPort(), "postgres", "", "postgres");
    } catch (Exception e) {
      throw new IllegalStateException("could not start an embedded PostgreSQL", e);
    }
  }

  static Server parse(String url) {
    URI uri = URI.create(url.replaceFirst("^postgresql://", "postgres://"));
    String user = "postgres";
    String password = "";
    if (uri.getUserInfo() != null) {
      String[] parts = uri.getUserInfo().split(":", 2);
      user = parts[0];
      password = parts.length > 1 ? parts[1] : "";
    }
    String database = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
    return new Server(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), user, password, database);
  }

  private static boolean reachable(Server where) {
    try (Connection connection = DriverManager.getConnection(where.jdbc(where.adminDatabase()), where.user(), where.password())) {
      return connection.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }
}
