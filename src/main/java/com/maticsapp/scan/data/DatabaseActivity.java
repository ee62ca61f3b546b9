package com.maticsapp.scan.data;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the traffic itself says about the database: when a statement last succeeded and when
 * one last failed because the database was unreachable. Shared by all data verticle
 * instances, it lets the health check answer from evidence instead of competing with
 * requests for the connection.
 *
 * <p>Evidence of the past is not enough on its own: a database frozen mid-conversation
 * (stopped, or a network path that neither answers nor closes) fails nothing for as long as
 * the statements' deadlines, while the last success stays recent. So the operations in
 * flight are counted too, by when they began: one that has waited long, with nothing
 * succeeding meanwhile, is evidence of a stall ({@link #stalledMillis}).
 */
public final class DatabaseActivity {

  private final AtomicLong lastSuccessNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong lastOutageNanos = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong poolTimeouts = new AtomicLong();
  private final AtomicLong poolRejections = new AtomicLong();
  /** Operations in flight: ticket (increasing, so the first entry is the oldest) → start, nanoTime. */
  private final ConcurrentSkipListMap<Long, Long> inFlight = new ConcurrentSkipListMap<>();
  private final AtomicLong tickets = new AtomicLong();

  /** An operation that will ask the database has begun; hand the ticket to {@link #ended}. */
  long began() {
    long ticket = tickets.incrementAndGet();
    inFlight.put(ticket, System.nanoTime());
    return ticket;
  }

  /** Operations begun so far (all instances): one that rose meanwhile says others want the database. */
  long operationsBegun() {
    return tickets.get();
  }

  void ended(long ticket) {
    inFlight.remove(ticket);
  }

  /** How long the oldest operation in flight has been waiting, in milliseconds; 0 when none is. */
  public long oldestInFlightMillis() {
    Map.Entry<Long, Long> oldest = inFlight.firstEntry();
    return oldest == null ? 0 : Math.max(0, (System.nanoTime() - oldest.getValue()) / 1_000_000);
  }

  /**
   * How long the database has looked stalled, or 0: an operation has waited more than
   * {@code limitMillis} and nothing has succeeded for as long. One slow statement among others
   * that complete is no stall; every statement waiting is one.
   */
  public long stalledMillis(long limitMillis) {
    long oldest = oldestInFlightMillis();
    long sinceSuccess = millisSinceSuccess();
    boolean stalled = oldest > limitMillis && (sinceSuccess < 0 || sinceSuccess > limitMillis);
    return stalled ? oldest : 0;
  }

  void succeeded() {
    lastSuccessNanos.set(System.nanoTime());
  }

  /** A failure that says the database is down (what it was is logged and counted where it happened). */
  void unavailable() {
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

  public long poolTimeouts() {
    return poolTimeouts.get();
  }

  public long poolRejections() {
    return poolRejections.get();
  }
}
