package com.maticsapp.scan.db;

import com.maticsapp.scan.api.ScanRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

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
 * <p>Runs on the data verticle's event loop only; no locking needed.
 */
final class ScanCoalescer {

  private record Pending(ScanRequest request, Promise<Object> outcome) {}

  private final ScanStore store;
  private final int maxBatch;
  private final int maxInFlight;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  ScanCoalescer(ScanStore store, int maxBatch, int maxInFlight) {
    this.store = store;
    this.maxBatch = maxBatch;
    this.maxInFlight = maxInFlight;
  }

  /** The outcome of each scan, in order: a {@link ScanStore.Recorded} or a ServiceFailure. */
  Future<List<Object>> record(List<ScanRequest> scans) {
    List<Future<Object>> outcomes = new ArrayList<>(scans.size());
    for (ScanRequest scan : scans) {
      Promise<Object> outcome = Promise.promise();
      queue.add(new Pending(scan, outcome));
      outcomes.add(outcome.future());
    }
    drain();
    return Future.all(outcomes).map(all -> all.list());
  }

  private void drain() {
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      List<Pending> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
      while (batch.size() < maxBatch && !queue.isEmpty()) {
        batch.add(queue.poll());
      }
      inFlight++;
      write(batch).onComplete(done -> {
        inFlight--;
        drain();
      });
    }
  }

  private Future<Void> write(List<Pending> batch) {
    List<ScanRequest> requests = batch.stream().map(Pending::request).toList();
    return store.record(requests).transform(result -> {
      if (result.succeeded()) {
        List<Object> outcomes = result.result();
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).outcome().complete(outcomes.get(i));
        }
        return Future.succeededFuture();
      }
      Throwable failure = result.cause();
      if (batch.size() > 1 && DatabaseFailures.kind(failure) != DatabaseFailures.Kind.UNAVAILABLE
          && DatabaseFailures.kind(failure) != DatabaseFailures.Kind.POOL_EXHAUSTED) {
        // Something in one scan made the whole statement fail: write each on its own so only
        // that one fails. (Nothing was committed: the statement was one transaction.)
        return Future.all(batch.stream().map(this::writeAlone).toList()).mapEmpty();
      }
      batch.forEach(pending -> pending.outcome().fail(failure));
      return Future.succeededFuture();
    });
  }

  private Future<Void> writeAlone(Pending pending) {
    return store.record(List.of(pending.request())).transform(result -> {
      if (result.succeeded()) {
        pending.outcome().complete(result.result().get(0));
      } else {
        pending.outcome().fail(result.cause());
      }
      return Future.succeededFuture();
    });
  }
}
