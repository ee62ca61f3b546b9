package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.config.AppConfig.RetryConfig;
import com.maticsapp.scan.contract.ScanOutcome;
import com.maticsapp.scan.contract.ScanRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scan coalescer's own logic, against a writer that answers when the test says so: group
 * commit, order, the wait queue's limits (full, waited too long, also for a retried scan behind
 * full in-flight slots), retries of idempotent scans only, a failing batch split into single
 * writes, and idleness for shutdown. No database: what a statement does is ScanApiTest's.
 */
class ScanCoalescerTest {

  private static final Caller CALLER = Caller.user("user-1", null, null);

  private Vertx vertx;
  private Context loop;
  /** Every statement the coalescer sent, with the promise that answers it. */
  private final List<Statement> statements = new CopyOnWriteArrayList<>();

  private record Statement(List<ScanRequest> scans, Promise<List<ScanOutcome>> answer) {
    void recordAll() {
      answer.complete(scans.stream().<ScanOutcome>map(scan -> new ScanOutcome.Recorded(stored(scan))).toList());
    }
  }

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private ScanCoalescer coalescer(int maxBatch, int maxInFlight, int maxQueued, long maxWaitMillis, Duration backoff) {
    return coalescer(maxBatch, maxInFlight, maxQueued, maxWaitMillis, backoff, ScanCoalescer.InDoubt.NEVER_STORED, 3);
  }

  private ScanCoalescer coalescer(int maxBatch, int maxInFlight, int maxQueued, long maxWaitMillis, Duration backoff,
                                  ScanCoalescer.InDoubt inDoubt, int maxRetries) {
    Retries retries = new Retries(vertx, new RetryConfig(maxRetries, backoff, backoff, Duration.ofSeconds(30)));
    return new ScanCoalescer(vertx, scans -> {
      Promise<List<ScanOutcome>> answer = Promise.promise();
      statements.add(new Statement(scans, answer));
      return answer.future();
    }, inDoubt, retries, maxBatch, maxInFlight, maxQueued, maxWaitMillis);
  }

  /**
   * The retries used up, a scan with an id is in doubt: its statement may have committed with
   * the reply lost. It is looked up by its id before the client is told 503: stored, it is this
   * request's (recorded); not stored, or the lookup fails too, the original failure stands.
   */
  @Test
  void aScanInDoubtAfterItsLastRetryIsLookedUpByIdBeforeItFails() throws Exception {
    UUID id = UUID.randomUUID();
    ScanRequest scan = scan("A", id);
    List<UUID> lookedUp = new CopyOnWriteArrayList<>();
    ScanCoalescer.InDoubt stored = request -> {
      lookedUp.add(request.id());
      return Future.succeededFuture(new ScanOutcome.Replayed(stored(request)));
    };
    ScanCoalescer coalescer = coalescer(500, 1, 100, 10_000, Duration.ofMillis(1), stored, 0);
    Future<List<ScanOutcome>> outcome = on(() -> coalescer.record(List.of(scan)));
    run(() -> statements.get(0).answer().fail(ClosedConnectionException.INSTANCE));
    assertThat(await(outcome).get(0)).as("committed before the connection broke: recorded, not 503")
        .isInstanceOf(ScanOutcome.Recorded.class);
    assertThat(lookedUp).containsExactly(id);
    assertThat(on(coalescer::busy)).isZero();

    ScanCoalescer notStored = coalescer(500, 1, 100, 10_000, Duration.ofMillis(1),
        request -> Future.succeededFuture(null), 0);
    statements.clear();
    Future<List<ScanOutcome>> failed = on(() -> notStored.record(List.of(scan("B", UUID.randomUUID()))));
    run(() -> statements.get(0).answer().fail(ClosedConnectionException.INSTANCE));
    assertThat(((ScanOutcome.Failed) await(failed).get(0)).cause()).isSameAs(ClosedConnectionException.INSTANCE);

    ScanCoalescer lookupFails = coalescer(500, 1, 100, 10_000, Duration.ofMillis(1),
        request -> Future.failedFuture(ClosedConnectionException.INSTANCE), 0);
    statements.clear();
    Future<List<ScanOutcome>> stillFailed = on(() -> lookupFails.record(List.of(scan("C", UUID.randomUUID()))));
    run(() -> statements.get(0).answer().fail(ClosedConnectionException.INSTANCE));
    assertThat(await(stillFailed).get(0)).isInstanceOf(ScanOutcome.Failed.class);
  }

  @Test
  void aScanWithoutAnIdIsNeverLookedUp() throws Exception {
    List<UUID> lookedUp = new CopyOnWriteArrayList<>();
    ScanCoalescer coalescer = coalescer(500, 1, 100, 10_000, Duration.ofMillis(1), request -> {
      lookedUp.add(request.id());
      return Future.succeededFuture(null);
    }, 0);
    Future<List<ScanOutcome>> outcome = on(() -> coalescer.record(List.of(scan("A"))));
    run(() -> statements.get(0).answer().fail(ClosedConnectionException.INSTANCE));
    assertThat(await(outcome).get(0)).isInstanceOf(ScanOutcome.Failed.class);
    assertThat(lookedUp).isEmpty();
  }

  @Test
  void aScanAloneLeavesAtOnceAndScansArrivingMeanwhileLeaveTogetherInOrder() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 100, 10_000, Duration.ofMillis(10));
    Future<List<ScanOutcome>> first = on(() -> coalescer.record(List.of(scan("A"))));
    assertThat(statements).hasSize(1);
    List<Future<List<ScanOutcome>>> waiting = new ArrayList<>();
    for (String code : List.of("B", "C", "D")) {
      waiting.add(on(() -> coalescer.record(List.of(scan(code)))));
    }
    assertThat(statements).as("nothing more goes out while the only slot is taken").hasSize(1);

    run(() -> statements.get(0).recordAll());
    assertThat(codes(first)).containsExactly("A");
    assertThat(statements).hasSize(2);
    assertThat(statements.get(1).scans()).extracting(ScanRequest::barcode).containsExactly("B", "C", "D");

    run(() -> statements.get(1).recordAll());
    assertThat(codes(waiting.get(0))).containsExactly("B");
    assertThat(codes(waiting.get(1))).containsExactly("C");
    assertThat(codes(waiting.get(2))).containsExactly("D");
  }

  @Test
  void aStatementCarriesAtMostMaxBatchScans() throws Exception {
    ScanCoalescer coalescer = coalescer(2, 1, 100, 10_000, Duration.ofMillis(10));
    on(() -> coalescer.record(List.of(scan("A"))));
    on(() -> coalescer.record(List.of(scan("B"), scan("C"), scan("D"))));
    run(() -> statements.get(0).recordAll());
    assertThat(statements.get(1).scans()).extracting(ScanRequest::barcode).containsExactly("B", "C");
    run(() -> statements.get(1).recordAll());
    assertThat(statements.get(2).scans()).extracting(ScanRequest::barcode).containsExactly("D");
  }

  @Test
  void aFullWaitQueueRefusesAtOnceWithATypedRefusal() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 1, 10_000, Duration.ofMillis(10));
    on(() -> coalescer.record(List.of(scan("A"))));
    on(() -> coalescer.record(List.of(scan("B"), scan("C"))));  // one waiting request (a batch)
    Future<List<ScanOutcome>> refused = on(() -> coalescer.record(List.of(scan("D"))));

    assertThat(refused.isComplete()).isTrue();
    assertThat(refusal(refused.result().get(0))).isEqualTo(QueueRefusal.Reason.QUEUE_FULL);
    assertThat(statements).as("a refused scan reaches no statement").hasSize(1);
    assertThat(DatabaseFailures.toServiceFailure(((ScanOutcome.Failed) refused.result().get(0)).cause()).status())
        .isEqualTo(503);
  }

  @Test
  void aScanThatWaitsLongerThanTheConnectionTimeoutIsRefused() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 100, 100, Duration.ofMillis(10));
    on(() -> coalescer.record(List.of(scan("A"))));                 // holds the slot, never answered
    Future<List<ScanOutcome>> waiting = on(() -> coalescer.record(List.of(scan("B"))));
    List<ScanOutcome> outcomes = await(waiting);
    assertThat(refusal(outcomes.get(0))).isEqualTo(QueueRefusal.Reason.WAITED_TOO_LONG);
    assertThat(statements).hasSize(1);
  }

  /**
   * A retried scan is queued again behind slots that are all taken: the expiry sweep must run for
   * it too (it had stopped when the queue emptied), and its wait counts from its return.
   */
  @Test
  void aRetriedScanBehindFullInFlightSlotsStillExpires() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 100, 100, Duration.ofMillis(1_500));
    UUID id = UUID.randomUUID();
    Future<List<ScanOutcome>> retried = on(() -> coalescer.record(List.of(scan("A", id))));
    on(() -> coalescer.record(List.of(scan("B"))));
    run(() -> statements.get(0).answer().fail(ClosedConnectionException.INSTANCE));  // A: retry later; B goes out
    assertThat(statements).hasSize(2);
    // B's statement never answers: when A comes back, the only slot is taken.
    List<ScanOutcome> outcomes = await(retried);
    assertThat(refusal(outcomes.get(0))).isEqualTo(QueueRefusal.Reason.WAITED_TOO_LONG);
    assertThat(statements).as("A never got a second statement").hasSize(2);
  }

  @Test
  void anIdempotentScanIsRetriedAfterAConnectionLossAndReportedAsNewWhenItsFirstAttemptHadCommitted() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 100, 10_000, Duration.ofMillis(20));
    UUID id = UUID.randomUUID();
    ScanRequest scan = scan("A", id);
    Future<List<ScanOutcome>> outcome = on(() -> coalescer.record(List.of(scan)));
    run(() -> statements.get(0).answer().fail(ClosedConnectionException.INSTANCE));
    awaitTrue(() -> statements.size() == 2);
    run(() -> statements.get(1).answer().complete(List.of(new ScanOutcome.Replayed(stored(scan)))));
    assertThat(await(outcome).get(0)).as("the lost reply's commit is this request's")
        .isInstanceOf(ScanOutcome.Recorded.class);
  }

  @Test
  void aScanWithoutAnIdIsNotRetriedItMayHaveCommitted() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 100, 10_000, Duration.ofMillis(1));
    Future<List<ScanOutcome>> outcome = on(() -> coalescer.record(List.of(scan("A"))));
    run(() -> statements.get(0).answer().fail(ClosedConnectionException.INSTANCE));
    ScanOutcome only = await(outcome).get(0);
    assertThat(only).isInstanceOf(ScanOutcome.Failed.class);
    assertThat(((ScanOutcome.Failed) only).cause()).isSameAs(ClosedConnectionException.INSTANCE);
    Thread.sleep(50);
    assertThat(statements).hasSize(1);
  }

  @Test
  void aBatchWhoseStatementFailsOnOneScansValueIsWrittenScanByScanSoOnlyThatOneFails() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 100, 10_000, Duration.ofMillis(1));
    on(() -> coalescer.record(List.of(scan("A"))));
    Future<List<ScanOutcome>> batch = on(() -> coalescer.record(List.of(scan("B"), scan("BAD"), scan("C"))));
    run(() -> statements.get(0).recordAll());
    PgException badValue = new PgException("invalid input", "ERROR", "22P02", null);
    run(() -> statements.get(1).answer().fail(badValue));
    assertThat(statements).hasSize(5);
    run(() -> {
      for (Statement alone : statements.subList(2, 5)) {
        if (alone.scans().get(0).barcode().equals("BAD")) {
          alone.answer().fail(badValue);
        } else {
          alone.recordAll();
        }
      }
    });
    List<ScanOutcome> outcomes = await(batch);
    assertThat(outcomes.get(0)).isInstanceOf(ScanOutcome.Recorded.class);
    assertThat(outcomes.get(1)).isInstanceOf(ScanOutcome.Failed.class);
    assertThat(outcomes.get(2)).isInstanceOf(ScanOutcome.Recorded.class);
  }

  @Test
  void itIsIdleOnlyOnceEveryAcceptedScanHasItsOutcome() throws Exception {
    ScanCoalescer coalescer = coalescer(500, 1, 100, 10_000, Duration.ofMillis(1));
    assertThat(on(coalescer::whenIdle).isComplete()).isTrue();
    on(() -> coalescer.record(List.of(scan("A"))));
    on(() -> coalescer.record(List.of(scan("B"))));
    Future<Void> idle = on(coalescer::whenIdle);
    assertThat(on(coalescer::busy)).isEqualTo(2);
    run(() -> statements.get(0).recordAll());
    assertThat(idle.isComplete()).isFalse();
    run(() -> statements.get(1).recordAll());
    await(idle);
    assertThat(on(coalescer::busy)).isZero();
  }

  // ---- helpers ----

  private static ScanRequest scan(String barcode) {
    return scan(barcode, null);
  }

  private static ScanRequest scan(String barcode, UUID id) {
    return new ScanRequest(id, UUID.randomUUID(), null, "code", barcode, null, null, null, null, null, null, null, null, CALLER);
  }

  private static JsonObject stored(ScanRequest scan) {
    return new JsonObject().put("barcode", scan.barcode());
  }

  private static QueueRefusal.Reason refusal(ScanOutcome outcome) {
    assertThat(outcome).isInstanceOf(ScanOutcome.Failed.class);
    Throwable cause = ((ScanOutcome.Failed) outcome).cause();
    assertThat(cause).isInstanceOf(QueueRefusal.class);
    assertThat(DatabaseFailures.kind(cause)).isEqualTo(DatabaseFailures.Kind.POOL_EXHAUSTED);
    return ((QueueRefusal) cause).reason();
  }

  private static List<String> codes(Future<List<ScanOutcome>> outcomes) throws Exception {
    return await(outcomes).stream()
        .map(outcome -> ((ScanOutcome.Recorded) outcome).scan().getString("barcode")).toList();
  }

  /** Runs on the coalescer's event loop, as the data verticle does, and returns the result. */
  private <T> T on(Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.runOnContext(nothing -> {
      try {
        result.complete(work.get());
      } catch (Throwable e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(5, TimeUnit.SECONDS);
  }

  private void run(Runnable work) throws Exception {
    on(() -> {
      work.run();
      return null;
    });
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static void awaitTrue(Supplier<Boolean> condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5_000;
    while (!condition.get() && System.currentTimeMillis() < deadline) {
      Thread.sleep(5);
    }
    assertThat(condition.get()).isTrue();
  }
}
