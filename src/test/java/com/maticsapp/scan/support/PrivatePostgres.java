package com.maticsapp.scan.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own, in a fresh temporary directory, so a fault test can
 * really stop and restart it (the shared server on 5432 must never be touched). Trust auth,
 * superuser {@code postgres}, listening on 127.0.0.1 on a free port, its unix socket inside
 * the directory. When the tests run as root every PostgreSQL binary runs as the postgres OS
 * user (PostgreSQL refuses root).
 */
public final class PrivatePostgres implements AutoCloseable {

  private static final String SUPERUSER = "postgres";
  private static final String HOST = "127.0.0.1";

  private final Path bin;
  private final Path dir;
  private final int port;
  private volatile boolean running;

  private PrivatePostgres(Path bin, Path dir, int port) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
  }

  /** initdb into a new temporary directory and start the server; returns once it accepts connections. */
  public static PrivatePostgres start() {
    Path bin = binaries();
    Path dir;
    try {
      dir = Files.createTempDirectory("private-postgres");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for a private PostgreSQL", e);
    }
    PrivatePostgres postgres = new PrivatePostgres(bin, dir, freePort());
    try {
      if (asRoot()) {
        run(List.of("chown", SUPERUSER + ":", dir.toString()), dir.resolve("chown.out"));
      }
      postgres.pg("initdb", "-D", postgres.data().toString(), "-U", SUPERUSER, "--auth=trust",
          "--encoding=UTF8", "--locale=C", "--no-sync");
      postgres.startAgain();
      return postgres;
    } catch (RuntimeException e) {
      postgres.close();
      throw e;
    }
  }

  public int port() {
    return port;
  }

  public String host() {
    return HOST;
  }

  /** A postgres:// URI for the service (DATABASE_URL). */
  public String url(String database) {
    return "postgres://" + SUPERUSER + "@" + HOST + ":" + port + "/" + database + "?sslmode=disable";
  }

  public void createDatabase(String name) {
    try (Connection connection = DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + port + "/postgres", SUPERUSER, "");
         Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + " on the private PostgreSQL", e);
    }
  }

  /** JDBC helpers (count, execute, connect) on an existing database of this server; closing it drops nothing. */
  public TestDatabase database(String name) {
    return TestDatabase.on(HOST, port, SUPERUSER, name);
  }

  /** Stops the server the way an operator's restart does: fast shutdown (sessions terminated), waiting until it is down. */
  public void stop() {
    pg("pg_ctl", "-D", data().toString(), "-m", "fast", "-w", "-t", "30", "stop");
    running = false;
  }

  /** Starts the (stopped) server again on the same port and directory, waiting until it accepts connections. */
  public void startAgain() {
    String options = "-c listen_addresses=" + HOST + " -p " + port + " -c unix_socket_directories=" + dir;
    pg("pg_ctl", "-D", data().toString(), "-l", dir.resolve("postgres.log").toString(), "-o", options,
        "-w", "-t", "30", "start");
    running = true;
  }

  public boolean running() {
    return running;
  }

  /** The server's log so far, for failure messages. */
  public String log() {
    try {
      return Files.readString(dir.resolve("postgres.log"));
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    try {
      if (running || Files.exists(data().resolve("postmaster.pid"))) {
        stop();
      }
    } finally {
      delete(dir);
    }
  }

  private Path data() {
    return dir.resolve("data");
  }

  /** Runs one PostgreSQL binary to completion (as the postgres user when we are root); fails with its output. */
  private void pg(String binary, String... args) {
    List<String> command = new ArrayList<>();
    if (asRoot()) {
      command.addAll(List.of("runuser", "-u", SUPERUSER, "--"));
    }
    command.add(bin.resolve(binary).toString());
    command.addAll(List.of(args));
    run(command, dir.resolve(binary + ".out"));
  }

  private static void run(List<String> command, Path output) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within 60 s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ":\n"
            + Files.readString(output) + tail(output.resolveSibling("postgres.log")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
    }
  }

  private static String tail(Path log) {
    try {
      return Files.exists(log) ? "\n--- postgres.log ---\n" + Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static boolean asRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** {@code pg_config --bindir} when it names a directory with initdb, else the newest /usr/lib/postgresql/N/bin. */
  static Path binaries() {
    try {
      Process process = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes()).trim();
      if (process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 && Files.isExecutable(Path.of(out, "initdb"))) {
        return Path.of(out);
      }
    } catch (IOException notInstalled) {
      // no pg_config on the PATH: look in the Debian layout
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Path versions = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(versions)) {
      try (Stream<Path> each = Files.list(versions)) {
        var newest = each
            .filter(version -> version.getFileName().toString().matches("\\d+(\\.\\d+)?"))
            .filter(version -> Files.isExecutable(version.resolve("bin/initdb")))
            .max(Comparator.comparingDouble(version -> Double.parseDouble(version.getFileName().toString())));
        if (newest.isPresent()) {
          return newest.get().resolve("bin");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no PostgreSQL server binaries found: neither `pg_config --bindir` nor "
        + "/usr/lib/postgresql/*/bin has initdb; install the postgresql package (e.g. apt-get install postgresql-15)");
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException ignored) {
          // best effort: a temp dir
        }
      });
    } catch (IOException ignored) {
      // best effort
    }
  }
}
