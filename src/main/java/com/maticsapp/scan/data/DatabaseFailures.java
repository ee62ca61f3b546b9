package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.VertxException;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.net.ConnectException;
import java.util.Locale;

/**
 * Maps what the database client reports to the status a caller should see. PostgreSQL
 * errors are recognised by SQLSTATE, never by message text.
 */
final class DatabaseFailures {

  private DatabaseFailures() {}

  enum Kind {
    /** The caller's fault or the data's state: report it, the database is fine. */
    CLIENT,
    /** The database or the way to it is unavailable right now: 503, worth a retry. */
    UNAVAILABLE,
    /** The pool had no connection for us in time, or its wait queue was full. */
    POOL_EXHAUSTED,
    /** A statement ran past its deadline. */
    TIMEOUT,
    /** Anything else: a bug or an unexpected server error. */
    UNEXPECTED
  }

  static Kind kind(Throwable failure) {
    if (failure instanceof ServiceFailure) {
      return Kind.CLIENT;
    }
    if (failure instanceof ConnectionPoolTooBusyException || failure instanceof QueueRefusal) {
      return Kind.POOL_EXHAUSTED;
    }
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      if (state.equals("57014")) {
        return Kind.TIMEOUT;
      }
      if (state.startsWith("08") || state.equals("53300") || state.startsWith("57P") || state.equals("40001")
          || state.equals("40P01") || state.equals("55P03") || state.equals("53000") || state.equals("58000")) {
        return Kind.UNAVAILABLE;
      }
      if (state.startsWith("22") || state.startsWith("23")) {
        return Kind.CLIENT;
      }
      return Kind.UNEXPECTED;
    }
    if (failure instanceof ClosedConnectionException || failure instanceof ConnectException) {
      return Kind.UNAVAILABLE;
    }
    if (failure instanceof VertxException) {
      // The pool's own "Timeout waiting for connection" and the client's connection errors
      // are plain VertxExceptions: their text is all Vert.x gives to tell them apart.
      String message = String.valueOf(failure.getMessage()).toLowerCase(Locale.ROOT);
      if (message.contains("timeout")) {
        return Kind.POOL_EXHAUSTED;
      }
      if (message.contains("closed") || message.contains("connection") || message.contains("refused")) {
        return Kind.UNAVAILABLE;
      }
    }
    if (failure instanceof java.io.IOException) {
      return Kind.UNAVAILABLE;
    }
    return Kind.UNEXPECTED;
  }

  /** The failure to report to the caller. */
  static ServiceFailure toServiceFailure(Throwable failure) {
    if (failure instanceof ServiceFailure serviceFailure) {
      return serviceFailure;
    }
    return switch (kind(failure)) {
      case POOL_EXHAUSTED -> ServiceFailure.unavailable(queueFull(failure)
          ? "the database wait queue is full; retry shortly"
          : "no database connection became free in time; retry shortly");
      case UNAVAILABLE -> ServiceFailure.unavailable("the database is unavailable; retry shortly");
      case TIMEOUT -> ServiceFailure.timeout("the database did not answer within the statement deadline");
      case CLIENT -> clientFailure((PgException) failure);
      case UNEXPECTED -> new ServiceFailure(500, "Internal error", "an unexpected database error occurred", java.util.List.of());
    };
  }

  /** For a pool-exhaustion failure: the wait queue was full (rather than the wait too long). */
  static boolean queueFull(Throwable failure) {
    return failure instanceof ConnectionPoolTooBusyException
        || failure instanceof QueueRefusal refusal && refusal.reason() == QueueRefusal.Reason.QUEUE_FULL;
  }

  private static ServiceFailure clientFailure(PgException pg) {
    return switch (pg.getSqlState()) {
      case "23505" -> ServiceFailure.conflict("a record with the same unique key already exists");
      case "23503" -> ServiceFailure.notFound("a referenced record does not exist");
      default -> ServiceFailure.invalid("body", "the database rejected a value (SQLSTATE " + pg.getSqlState() + ")");
    };
  }
}
