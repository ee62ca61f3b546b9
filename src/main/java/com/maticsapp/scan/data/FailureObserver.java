package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure of a data operation is classified ({@link DatabaseFailures}), kept as
 * the evidence health relies on ({@link DatabaseActivity}) and logged when it deserves it, once,
 * with the address it happened on.
 */
final class FailureObserver {

  private static final Logger log = LoggerFactory.getLogger(FailureObserver.class);

  private final DatabaseActivity activity;

  FailureObserver(DatabaseActivity activity) {
    this.activity = activity;
  }

  /** Evidence that the database answered. */
  void succeeded() {
    activity.succeeded();
  }

  /** Classifies a failure, keeps the evidence, logs what deserves it; returns what the caller should see. */
  ServiceFailure observe(String address, Throwable cause) {
    switch (DatabaseFailures.kind(cause)) {
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
        activity.unavailable(cause.getClass().getSimpleName() + ": " + cause.getMessage());
        log.warn("database unavailable while serving {}: {}", address, cause.toString());
      }
      case TIMEOUT -> log.warn("statement deadline passed while serving {}: {}", address, cause.getMessage());
      case UNEXPECTED -> log.error("unexpected failure while serving {}", address, cause);
    }
    return DatabaseFailures.toServiceFailure(cause);
  }
}
