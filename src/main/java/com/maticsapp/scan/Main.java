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
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    long started = System.nanoTime();
    Application app = Application.create();
    Future<Integer> running = ConfigLoader.load(app.vertx(), System.getenv())
        .compose(config -> app.start(config).onSuccess(port -> ready(config, port, started)));
    try {
      running.await(5, TimeUnit.MINUTES);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null && !(e instanceof java.util.concurrent.TimeoutException) ? e : e;
      log.error("matic-scan failed to start: {}", rootMessage(cause));
      app.vertx().close();
      System.exit(1);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutdown requested: readiness DOWN, closing HTTP, event bus and database pool");
      try {
        app.stop().await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("shutdown did not complete cleanly: {}", rootMessage(e));
      }
    }, "matic-scan-shutdown"));
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
