package com.maticsapp.scan.data;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the traffic itself says about the database: when a statement last succeeded and when
 * one last failed because the database was unreachable. Shared by all data verticle
 * instances, it lets the health check answer from evidence instead of competing with
 * requests for the connection.
 */
public final class DatabaseActivity {

  private final AtomicLong lastSuccessNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong lastOutageNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong poolTimeouts = new AtomicLong();
  private final AtomicLong poolRejections = new AtomicLong();
  private volatile String lastOutage;

  void succeeded() {
    lastSuccessNanos.set(System.nanoTime());
  }

  void unavailable(String reason) {
    lastOutage = reason;
    lastOutageNanos.set(System.nanoTime());
  }

  void poolTimedOut() {
    poolTimeouts.incrementAndGet();
  }

  void poolRejected() {
    poolRejections.incrementAndGet();
  }

  /** Milliseconds since the last successful statement, or -1 if there was none. */
  public long millisSinceSuccess() {
    long last = lastSuccessNanos.get();
    return last == Long.MIN_VALUE ? -1 : (System.nanoTime() - last) / 1_000_000;
  }

  /** True when the latest evidence is a success, not an outage. */
  public boolean lastWasSuccess() {
    long success = lastSuccessNanos.get();
    return success != Long.MIN_VALUE && (lastOutageNanos.get() == Long.MIN_VALUE || success - lastOutageNanos.get() > 0);
  }

  public String lastOutage() {
    return lastOutage;
  }

  public long poolTimeouts() {
    return poolTimeouts.get();
  }

  public long poolRejections() {
    return poolRejections.get();
  }
}
