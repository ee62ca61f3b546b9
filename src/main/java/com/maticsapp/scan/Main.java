package com.maticsapp.scan;

import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The process: load configuration, start the service, stop it cleanly on SIGTERM. Exits
 * with status 1 and one clear log line when the configuration or the database is wrong.
 * {@code token …} instead prints a user access token ({@link TokenCommand}).
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  /** Time allowed beyond {@link Application#stopBound} for closing connections and Vert.x. */
  static final long STOP_SLACK_MILLIS = 4_000;

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("token")) {
      System.exit(TokenCommand.run(args, System.getenv(), System.out, System.err));
      return;
    }
    if (args.length > 0) {
      System.err.println("matic-scan: unknown command '" + args[0] + "' (no arguments: run the service)");
      System.err.println(TokenCommand.USAGE);
      System.exit(2);
      return;
    }
    long started = System.nanoTime();
    AppConfig config;
    Application app = null;
    try {
      // Each step on this thread, one after the other: the configuration decides whether
      // Vert.x is built clustered, and whatever Vert.x creates from here inherits this thread's
      // class loader (Flyway finds the JDBC driver through it).
      config = ConfigLoader.load(System.getenv()).await(1, TimeUnit.MINUTES);
      app = Application.createFor(config).await(5, TimeUnit.MINUTES);
      int port = app.start(config).await(5, TimeUnit.MINUTES);
      ready(config, port, started);
    } catch (Exception e) {
      log.error("matic-scan failed to start: {}", rootMessage(e));
      if (app != null) {
        app.vertx().close();
      }
      System.exit(1);
      return;
    }
    Application running = app;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(running, config), "matic-scan-shutdown"));
  }

  /**
   * The SIGTERM path: {@link Application#stop()} (readiness DOWN, grace, drain, undeploy in
   * reverse order, pool closed, Vert.x closed), bounded so the hook always ends. The JVM would
   * exit with 143 after a SIGTERM; halting here makes the status say how the shutdown went:
   * 0 when it completed, 1 when it failed or ran out of time.
   */
  private static void stop(Application app, AppConfig config) {
    long began = System.nanoTime();
    Future<Void> stopping = app.stop(); // readiness DOWN before anything else
    long bound = Application.stopBound(config).toMillis() + STOP_SLACK_MILLIS;
    log.info("shutdown requested: readiness DOWN now, grace {} ms, drain up to {} ms, then HTTP, health and data "
        + "verticles stop in that order (bounded at {} ms)", config.http().shutdownGrace().toMillis(),
        config.http().drainTimeout().toMillis(), bound);
    int status = 0;
    try {
      stopping.await(bound, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("shutdown did not complete cleanly: {}", rootMessage(e));
      status = 1;
    }
    log.info("matic-scan stopped in {} ms, exit status {}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), status);
    Runtime.getRuntime().halt(status);
  }

  private static void ready(AppConfig config, int port, long startedNanos) {
    log.info("matic-scan ready on port {} in {} ms (http instances {}, data instances {})",
        port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos),
        config.http().instances(), config.data().instances());
  }

  static String rootMessage(Throwable failure) {
    Throwable root = failure;
    StringBuilder message = new StringBuilder(String.valueOf(failure.getMessage()));
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
      message.append(" <- ").append(root.getMessage());
    }
    return message.toString();
  }
}
