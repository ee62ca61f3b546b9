package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.LookupRequest;
import com.maticsapp.scan.contract.LookupResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Answers lookups that arrive while earlier ones are on the wire with one statement: the way
 * past the per-statement cost of PostgreSQL (parse-free, but still one executor start, one
 * result and one protocol exchange per statement), as {@link ScanCoalescer} does for scans.
 *
 * <p>At most {@code maxInFlight} lookup statements are on the wire at a time. A lookup that
 * finds a free slot leaves at once, alone, by the single-lookup statement (no added latency
 * under light load); those arriving meanwhile queue here and leave together, up to
 * {@code maxBatch} per statement ({@link LookupStore#lookupAll}), each still answered with its
 * own rows and its own access decision. Under heavy load batches grow by themselves.
 *
 * <p>The queue is the lookups' wait queue and obeys the pool's limits: at most
 * {@code maxQueued} lookups wait (more are refused at once) and none waits longer than
 * {@code maxWaitMillis}; both are {@link QueueRefusal}s, answered 503 with Retry-After.
 *
 * <p>Runs on the data verticle's event loop only; no locking needed.
 */
final class LookupCoalescer implements Dispatcher.Drainable {

  /** Looks lookups up: one alone, or several by one statement (a fake in unit tests). */
  interface Reader {
    Future<LookupResult> lookup(LookupRequest request, Caller caller);

    /** One outcome per lookup, in order: a result or the failure of that lookup alone. */
    Future<List<Object>> lookupAll(List<LookupRequest> requests, List<Caller> callers);
  }

  private record Pending(LookupRequest request, Caller caller, Promise<LookupResult> result, long queuedAt) {
  }

  private final Vertx vertx;
  private final Reader reader;
  private final int maxBatch;
  private final int maxInFlight;
  private final int maxQueued;
  private final long maxWaitMillis;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  private long sweeper = -1;
  private final IdleSignal idle = new IdleSignal();

  LookupCoalescer(Vertx vertx, Reader reader, int maxBatch, int maxInFlight, int maxQueued, long maxWaitMillis) {
    this.vertx = vertx;
    this.reader = reader;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
    this.maxQueued = maxQueued;
    this.maxWaitMillis = maxWaitMillis;
  }

  Future<LookupResult> lookup(LookupRequest request, Caller caller) {
    if (inFlight < maxInFlight && queue.isEmpty()) {
      inFlight++;
      return reader.lookup(request, caller).andThen(done -> statementDone());
    }
    if (maxQueued >= 0 && queue.size() >= maxQueued) {
      return Future.failedFuture(new QueueRefusal(QueueRefusal.Reason.QUEUE_FULL,
          "lookup wait queue reached its limit of " + maxQueued + " requests"));
    }
    Promise<LookupResult> result = Promise.promise();
    queue.add(new Pending(request, caller, result, System.currentTimeMillis()));
    drain();
    if (!queue.isEmpty() && sweeper < 0) {
      sweeper = vertx.setPeriodic(Math.max(10, Math.min(100, maxWaitMillis / 4)), id -> expire());
    }
    return result.future();
  }

  private void statementDone() {
    inFlight--;
    drain();
    checkIdle();
  }

  private void drain() {
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      if (queue.size() == 1) {
        Pending alone = queue.poll();
        inFlight++;
        reader.lookup(alone.request(), alone.caller()).onComplete(alone.result()).onComplete(done -> statementDone());
        continue;
      }
      List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
      while (batch.size() < maxBatch && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
      inFlight++;
      reader.lookupAll(batch.stream().map(Pending::request).toList(), batch.stream().map(Pending::caller).toList())
          .onComplete(done -> {
            for (int i = 0; i < batch.size(); i++) {
              Promise<LookupResult> result = batch.get(i).result();
              if (done.failed()) {
                result.fail(done.cause());
              } else if (done.result().get(i) instanceof LookupResult found) {
                result.complete(found);
              } else {
                result.fail((Throwable) done.result().get(i));
              }
            }
            statementDone();
          });
    }
    if (queue.isEmpty() && sweeper >= 0) {
      vertx.cancelTimer(sweeper);
      sweeper = -1;
    }
  }

  /** Refuses the lookups that have waited longer than the pool's connection timeout. */
  private void expire() {
    long oldest = System.currentTimeMillis() - maxWaitMillis;
    for (Iterator<Pending> it = queue.iterator(); it.hasNext(); ) {
      Pending pending = it.next();
      if (pending.queuedAt() >= oldest) {
        break; // queued in arrival order: the rest waited less
      }
      it.remove();
      pending.result().fail(new QueueRefusal(QueueRefusal.Reason.WAITED_TOO_LONG,
          "lookup waited more than " + maxWaitMillis + " ms for a statement"));
    }
    if (queue.isEmpty()) {
      vertx.cancelTimer(sweeper);
      sweeper = -1;
    }
    checkIdle();
  }

  /** Lookups queued or on the wire (for the shutdown log). */
  @Override
  public int busy() {
    return queue.size() + inFlight;
  }

  @Override
  public Future<Void> whenIdle() {
    return idle.whenIdle(busy());
  }

  private void checkIdle() {
    idle.check(busy());
  }
}
