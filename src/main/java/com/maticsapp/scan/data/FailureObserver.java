package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Locale;

/**
 * The one place a failure of a data operation is classified ({@link DatabaseFailures}), kept as
 * the evidence health relies on ({@link DatabaseActivity}), counted exactly in
 * {@code matic_data_failures_total{kind}} and logged when it deserves it, with the address it
 * happened on. An outage fails every request at once, so the WARNs for unavailability and
 * deadlines are throttled per cause ({@link ThrottledWarnings}): the first at once, then one
 * summary per {@code data.failureLogInterval}. Unexpected failures (bugs) are logged each time.
 */
final class FailureObserver {

  private static final Logger log = LoggerFactory.getLogger(FailureObserver.class);

  static final String FAILURES = "matic.data.failures";

  private final DatabaseActivity activity;
  private final MeterRegistry registry;
  private final ThrottledWarnings warnings;

  FailureObserver(DatabaseActivity activity, MeterRegistry registry, Duration logInterval) {
    this.activity = activity;
    this.registry = registry;
    this.warnings = new ThrottledWarnings(log, logInterval.toMillis(), System::currentTimeMillis);
  }

  /** Logs the summaries that are due (called periodically); with {@code all}, every pending one (at stop). */
  void flushWarnings(boolean all) {
    if (all) {
      warnings.flushAll();
    } else {
      warnings.flush();
    }
  }

  /** Counts {@code operation} as in flight until it completes (see {@link DatabaseActivity#stalledMillis}). */
  <T> Future<T> inFlight(Future<T> operation) {
    long ticket = activity.began();
    return operation.andThen(done -> activity.ended(ticket));
  }

  /** Evidence that the database answered. */
  void succeeded() {
    activity.succeeded();
  }

  /** Classifies a failure, keeps the evidence, logs what deserves it; returns what the caller should see. */
  ServiceFailure observe(String address, Throwable cause) {
    DatabaseFailures.Kind kind = DatabaseFailures.kind(cause);
    if (kind != DatabaseFailures.Kind.CLIENT) {
      Counter.builder(FAILURES).description("Data operations failed by the database or the way to it, by kind")
          .tag("kind", kind.name().toLowerCase(Locale.ROOT)).register(registry).increment();
    }
    switch (kind) {
      case CLIENT -> {
        if (!(cause instanceof ServiceFailure)) {
          activity.succeeded(); // the database answered, with a constraint violation
        }
      }
      case POOL_EXHAUSTED -> {
        if (DatabaseFailures.queueFull(cause)) {
          activity.poolRejected();
        } else {
          activity.poolTimedOut();
        }
      }
      case UNAVAILABLE -> {
        activity.unavailable();
        warnings.warn("database unavailable: " + cause, address);
      }
      case TIMEOUT -> warnings.warn("statement deadline passed: " + cause.getMessage(), address);
      case UNEXPECTED -> log.error("unexpected failure while serving {}", address, cause);
    }
    return DatabaseFailures.toServiceFailure(cause);
  }
}
