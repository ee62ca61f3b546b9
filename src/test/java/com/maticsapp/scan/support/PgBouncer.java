package com.maticsapp.scan.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A real pgbouncer (the Debian package) in front of the test server, started for one test
 * class on a free loopback port, in session or transaction mode with small limits, the way
 * managed poolers are configured. Runs as the postgres user when the tests run as root
 * (pgbouncer refuses root).
 */
public final class PgBouncer implements AutoCloseable {

  private static final String BINARY = "/usr/sbin/pgbouncer";

  private final Process process;
  private final Path dir;
  private final int port;

  private PgBouncer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /**
   * @param mode            session or transaction
   * @param maxClientConn   clients the pooler accepts at once (beyond: "no more connections allowed")
   * @param defaultPoolSize server connections per database/user pair
   */
  public static PgBouncer start(TestDatabase database, String mode, int maxClientConn, int defaultPoolSize) {
    if (!Files.isExecutable(Path.of(BINARY))) {
      throw new IllegalStateException("pgbouncer is not installed (apt-get install pgbouncer); .ci/run installs it");
    }
    try {
      Path dir = Files.createTempDirectory("pgbouncer");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
      int port = freePort();
      Files.writeString(dir.resolve("userlist.txt"), "\"postgres\" \"\"\n");
      Files.writeString(dir.resolve("pgbouncer.ini"), String.join("\n",
          "[databases]",
          "* = host=" + database.host() + " port=" + database.port(),
          "[pgbouncer]",
          "listen_addr = 127.0.0.1",
          "listen_port = " + port,
          "unix_socket_dir =",
          "auth_type = trust",
          "auth_file = " + dir.resolve("userlist.txt"),
          "pool_mode = " + mode,
          "max_client_conn = " + maxClientConn,
          "default_pool_size = " + defaultPoolSize,
          "ignore_startup_parameters = extra_float_digits",
          "server_reset_query = DISCARD ALL",
          "logfile = " + dir.resolve("pgbouncer.log"),
          "pidfile = " + dir.resolve("pgbouncer.pid"),
          ""));
      ProcessBuilder builder = "root".equals(System.getProperty("user.name"))
          ? new ProcessBuilder(BINARY, "-u", "postgres", dir.resolve("pgbouncer.ini").toString())
          : new ProcessBuilder(BINARY, dir.resolve("pgbouncer.ini").toString());
      Process process = builder.redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
      long deadline = System.currentTimeMillis() + 10_000;
      while (System.currentTimeMillis() < deadline) {
        try (Socket probe = new Socket("127.0.0.1", port)) {
          probe.shutdownOutput(); // connected: pgbouncer listens
          return new PgBouncer(process, dir, port);
        } catch (IOException notYet) {
          if (!process.isAlive()) {
            throw new IllegalStateException("pgbouncer exited: " + Files.readString(dir.resolve("stdout.log")));
          }
          Thread.sleep(50);
        }
      }
      process.destroyForcibly();
      throw new IllegalStateException("pgbouncer did not start listening on " + port);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("cannot start pgbouncer", e);
    }
  }

  public int port() {
    return port;
  }

  public String log() {
    try {
      return Files.readString(dir.resolve("pgbouncer.log"));
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
