package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ScanOutcome;
import com.maticsapp.scan.contract.ScanRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Groups scans that arrive while earlier ones are being written into one RECORD_SCANS
 * statement: group commit, done by the application.
 *
 * <p>Every scan is its own transaction when it travels alone, and a transaction's commit
 * waits for the WAL flush; on one connection that caps scans at roughly one per flush. So at
 * most {@code maxInFlight} scan statements are on the wire at a time; scans arriving
 * meanwhile queue here and leave together, up to {@code maxBatch} per statement. Under light
 * load a scan leaves at once (no added latency); under heavy load batches grow by themselves.
 * Each scan stays atomic and idempotent: the statement handles every item on its own
 * (history row, counters) and all of them commit together.
 *
 * <p>This queue is the scans' wait queue, so it obeys the pool's limits: at most
 * {@code maxQueued} requests wait (more are refused at once) and no scan waits longer than
 * {@code maxWaitMillis} (it is refused then). Both come back as {@link QueueRefusal}s,
 * pool-exhaustion failures that the caller answers with 503 and Retry-After. A scan queued
 * again for a retry waits afresh, as a retry asking the pool again would, and the expiry sweep
 * runs whenever anything is queued, however it got there.
 *
 * <p>On shutdown, {@link #whenIdle()} tells the data verticle when every scan it accepted has
 * an outcome (nothing queued, no statement on the wire, no retry pending), so the database
 * client is closed only after that.
 *
 * <p>Runs on the data verticle's event loop only; no locking needed.
 */
final class ScanCoalescer implements Dispatcher.Drainable {

  /** Writes scans with one statement: {@link ScanStore#record} (a fake in unit tests). */
  @FunctionalInterface
  interface Writer {
    Future<List<ScanOutcome>> record(List<ScanRequest> scans);
  }

  /**
   * Looks up a scan in doubt by its client id, on whatever connection works now:
   * {@link ScanStore#stored}. Its outcome when it is stored, null when it is not.
   */
  @FunctionalInterface
  interface InDoubt {
    Future<ScanOutcome> stored(ScanRequest scan);

    /** For a writer whose statements cannot commit without answering (unit tests). */
    InDoubt NEVER_STORED = scan -> Future.succeededFuture(null);
  }

  /** One scan waiting for, or being, written. */
  private static final class Pending {
    final ScanRequest request;
    final Promise<ScanOutcome> outcome;
    /** When the request arrived: the retry budget counts from here. */
    final long arrivedAt;
    final Waiter waiter;
    /** When it last joined the queue: its wait for a statement counts from here. */
    long queuedAt;
    int attempts;
    /** A statement carrying it failed in a way that may have committed (connection lost). */
    boolean maybeCommitted;

    Pending(ScanRequest request, Promise<ScanOutcome> outcome, long arrivedAt, Waiter waiter) {
      this.request = request;
      this.outcome = outcome;
      this.arrivedAt = arrivedAt;
      this.queuedAt = arrivedAt;
      this.waiter = waiter;
    }
  }

  /** One request (a scan or a whole batch) while any of its scans is still queued. */
  private static final class Waiter {
    int queued;
  }

  private final Vertx vertx;
  private final Writer store;
  private final InDoubt inDoubt;
  private final Retries retries;
  private final int maxBatch;
  private final int maxInFlight;
  private final int maxQueued;
  private final long maxWaitMillis;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  private int waitingRequests;
  /** Scans waiting on a backoff timer before they are queued again. */
  private int retriesPending;
  private long sweeper = -1;
  private final IdleSignal idle = new IdleSignal();

  ScanCoalescer(Vertx vertx, Writer store, Retries retries, int maxBatch, int maxInFlight, int maxQueued,
                long maxWaitMillis) {
    this(vertx, store, InDoubt.NEVER_STORED, retries, maxBatch, maxInFlight, maxQueued, maxWaitMillis);
  }

  ScanCoalescer(Vertx vertx, Writer store, InDoubt inDoubt, Retries retries, int maxBatch, int maxInFlight,
                int maxQueued, long maxWaitMillis) {
    this.vertx = vertx;
    this.store = store;
    this.inDoubt = inDoubt;
    this.retries = retries;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
    this.maxWaitMillis = maxWaitMillis;
  }

  /**
   * The outcome of each scan, in order; the future itself never fails. Like the pool's wait
   * queue, the limit counts waiting requests (a batch is one request).
   */
  Future<List<ScanOutcome>> record(List<ScanRequest> scans) {
    if (maxQueued >= 0 && inFlight >= maxInFlight && waitingRequests >= maxQueued) {
      ScanOutcome full = new ScanOutcome.Failed(new QueueRefusal(QueueRefusal.Reason.QUEUE_FULL,
          "scan wait queue reached its limit of " + maxQueued + " requests"));
      return Future.succeededFuture(scans.stream().map(scan -> full).toList());
    }
    long now = System.currentTimeMillis();
    Waiter waiter = new Waiter();
    waiter.queued = scans.size();
    waitingRequests++;
    List<Future<ScanOutcome>> outcomes = new ArrayList<>(scans.size());
    for (ScanRequest scan : scans) {
      Promise<ScanOutcome> outcome = Promise.promise();
      queue.add(new Pending(scan, outcome, now, waiter));
      outcomes.add(outcome.future());
    }
    drain();
    return Future.all(outcomes).map(all -> all.list());
  }

  private void drain() {
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
      while (batch.size() < maxBatch && !queue.isEmpty()) {
        batch.add(dequeue(queue.poll()));
      }
      inFlight++;
      write(batch).onComplete(done -> {
        inFlight--;
        drain();
        checkIdle();
      });
    }
    if (!queue.isEmpty() && sweeper < 0) {
      sweeper = vertx.setPeriodic(Math.max(10, Math.min(100, maxWaitMillis / 4)), id -> expire());
    }
  }

  /** Scans queued, being written, or waiting to be retried (for the shutdown log). */
  @Override
  public int busy() {
    return queue.size() + inFlight + retriesPending;
  }

  /**
   * Completes once nothing is queued, no statement is on the wire and no retry is pending:
   * every scan accepted so far has its outcome.
   */
  @Override
  public Future<Void> whenIdle() {
    return idle.whenIdle(busy());
  }

  private void checkIdle() {
    idle.check(busy());
  }

  /**
   * Refuses the scans that have waited longer than the pool's connection timeout. A requeued
   * retry sits at the head with a later {@code queuedAt}, so the whole queue is looked at.
   */
  private void expire() {
    long oldest = System.currentTimeMillis() - maxWaitMillis;
    for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
      Pending pending = it.next();
      if (pending.queuedAt < oldest) {
        it.remove();
        dequeue(pending).outcome.complete(new ScanOutcome.Failed(new QueueRefusal(QueueRefusal.Reason.WAITED_TOO_LONG,
            "scan waited more than " + maxWaitMillis + " ms for a statement")));
      }
    }
    if (queue.isEmpty()) {
      vertx.cancelTimer(sweeper);
      sweeper = -1;
    }
    checkIdle();
  }

  /** Bookkeeping for a scan that has just left the queue. */
  private Pending dequeue(Pending next) {
    if (--next.waiter.queued == 0) {
      waitingRequests--;
    }
    return next;
  }

  /** Back to the head of the queue, for a retry. */
  private void requeue(Pending pending) {
    if (pending.waiter.queued++ == 0) {
      waitingRequests++;
    }
    pending.queuedAt = System.currentTimeMillis();
    queue.addFirst(pending);
    drain();
  }

  private Future<Void> write(List<Pending> batch) {
    List<ScanRequest> requests = batch.stream().map(pending -> pending.request).toList();
    batch.forEach(pending -> pending.attempts++);
    return store.record(requests).transform(result -> {
      if (result.succeeded()) {
        List<ScanOutcome> outcomes = result.result();
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).outcome.complete(settled(batch.get(i), outcomes.get(i)));
        }
        return Future.succeededFuture();
      }
      Throwable failure = result.cause();
      DatabaseFailures.Kind kind = DatabaseFailures.kind(failure);
      if (batch.size() > 1 && kind != DatabaseFailures.Kind.UNAVAILABLE && kind != DatabaseFailures.Kind.POOL_EXHAUSTED) {
        // Something in one scan made the whole statement fail: write each on its own so only
        // that one fails. (Nothing was committed: the statement was one transaction.)
        return Future.all(batch.stream().map(this::writeAlone).toList()).mapEmpty();
      }
      batch.forEach(pending -> retryOrFail(pending, failure));
      return Future.succeededFuture();
    });
  }

  /**
   * A scan with a client id is idempotent, so after a transient failure it is tried again
   * (with backoff, within the retry budget). One without an id is not: it may have been
   * committed before the connection broke, and a retry could count it twice, so the client
   * gets the failure and decides.
   */
  private void retryOrFail(Pending pending, Throwable failure) {
    boolean idempotent = pending.request.id() != null && Retries.isTransient(failure);
    long delay = idempotent ? retries.delayBeforeRetry(pending.attempts, pending.arrivedAt) : -1;
    if (delay < 0 && idempotent) {
      resolve(pending, failure);
      return;
    }
    if (delay < 0) {
      pending.outcome.complete(new ScanOutcome.Failed(failure));
      return;
    }
    pending.maybeCommitted = true;
    retriesPending++;
    vertx.setTimer(delay, id -> {
      retriesPending--;
      requeue(pending);
      checkIdle();
    });
  }

  /**
   * The retries are used up, but a scan with an id may have committed before its connection
   * broke (the reply was lost, not the statement): before the client is told 503, the scan is
   * looked up by its id, once, within the pool's connection timeout. Stored, it is answered
   * as recorded by this request; not stored, or the lookup failed too, the client gets the
   * original failure and retries with the same id (docs/operations.md).
   */
  private void resolve(Pending pending, Throwable failure) {
    retriesPending++;
    Future<ScanOutcome> lookup;
    try {
      lookup = inDoubt.stored(pending.request);
    } catch (RuntimeException e) {
      lookup = Future.failedFuture(e);
    }
    lookup.timeout(maxWaitMillis, TimeUnit.MILLISECONDS).onComplete(found -> {
      retriesPending--;
      ScanOutcome stored = found.succeeded() ? found.result() : null;
      pending.maybeCommitted = true;
      pending.outcome.complete(stored == null ? new ScanOutcome.Failed(failure) : settled(pending, stored));
      checkIdle();
    });
  }

  /**
   * A retried scan that finds itself already stored was committed by its own earlier attempt
   * (the reply was lost with the connection): for this request it is new, not a replay.
   */
  private static ScanOutcome settled(Pending pending, ScanOutcome outcome) {
    if (pending.maybeCommitted && outcome instanceof ScanOutcome.Replayed replayed) {
      return new ScanOutcome.Recorded(replayed.scan(), replayed.record());
    }
    return outcome;
  }

  private Future<Void> writeAlone(Pending pending) {
    return store.record(List.of(pending.request)).transform(result -> {
      if (result.succeeded()) {
        pending.outcome.complete(settled(pending, result.result().get(0)));
      } else {
        retryOrFail(pending, result.cause());
      }
      return Future.succeededFuture();
    });
  }
}
