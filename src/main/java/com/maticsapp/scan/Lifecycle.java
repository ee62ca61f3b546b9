package com.maticsapp.scan;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

import java.time.Duration;

/**
 * Shutdown state the verticles share through a Vert.x local map (one per Vert.x instance, so
 * two services in one JVM, as in the tests, never see each other's state).
 *
 * <ul>
 *   <li>{@link #SHUTTING_DOWN}: set first when shutdown begins; readiness answers DOWN.</li>
 *   <li>{@link #DRAIN_DEADLINE}: when draining begins, the wall-clock time (epoch millis) by
 *       which in-flight work must be over. The HTTP verticles wait for their requests until
 *       then and the data verticles for their statements, so the whole shutdown stays within
 *       {@code http.shutdownGrace + http.drainTimeout} (plus {@link #DATA_DRAIN_FLOOR}).</li>
 * </ul>
 */
public final class Lifecycle {

  public static final String STATE_MAP = "matic-scan.state";
  public static final String SHUTTING_DOWN = "shutting-down";
  public static final String DRAIN_DEADLINE = "drain-deadline";

  /**
   * The least time a data verticle gets for its queued and in-flight statements, even when the
   * HTTP drain used up the deadline: a statement on the wire is let finish rather than cut.
   */
  public static final Duration DATA_DRAIN_FLOOR = Duration.ofSeconds(1);

  private Lifecycle() {}

  private static LocalMap<String, Object> state(Vertx vertx) {
    return vertx.sharedData().getLocalMap(STATE_MAP);
  }

  public static void markShuttingDown(Vertx vertx) {
    state(vertx).put(SHUTTING_DOWN, true);
  }

  public static boolean shuttingDown(Vertx vertx) {
    return Boolean.TRUE.equals(state(vertx).get(SHUTTING_DOWN));
  }

  /** Starts the drain: in-flight work has until {@code deadlineMillis} (epoch millis). */
  public static void drainUntil(Vertx vertx, long deadlineMillis) {
    state(vertx).put(DRAIN_DEADLINE, deadlineMillis);
  }

  /**
   * The drain deadline set by {@link #drainUntil}, or {@code fallback} from now when the
   * verticle is undeployed some other way (a plain {@code vertx.close()}, a test).
   */
  public static long drainDeadline(Vertx vertx, Duration fallback) {
    Object deadline = state(vertx).get(DRAIN_DEADLINE);
    return deadline instanceof Long millis ? millis : System.currentTimeMillis() + fallback.toMillis();
  }
}
