package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.LookupRequest;
import com.maticsapp.scan.contract.LookupResult;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The lookup coalescer's own logic, against a reader that answers when the test says so: a
 * lookup alone leaves at once by the single statement; those arriving while the slots are taken
 * leave together, each with its own answer or its own failure; the wait queue's limits; a
 * failed batch fails its lookups only; idleness for shutdown. What the statements find is
 * BarcodeLookupTest's and the HTTP tests'.
 */
class LookupCoalescerTest {

  private static final Caller CALLER = Caller.user("user-1", null, null);

  private Vertx vertx;
  private Context loop;
  private final List<Single> singles = new CopyOnWriteArrayList<>();
  private final List<Batch> batches = new CopyOnWriteArrayList<>();

  private record Single(LookupRequest request, Promise<LookupResult> answer) {
    void found() {
      answer.complete(result(request));
    }
  }

  private record Batch(List<LookupRequest> requests, Promise<List<Object>> answer) {
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

  private LookupCoalescer coalescer(int maxBatch, int maxInFlight, int maxQueued, long maxWaitMillis) {
    return new LookupCoalescer(vertx, new LookupCoalescer.Reader() {
      @Override
      public Future<LookupResult> lookup(LookupRequest request, Caller caller) {
        Promise<LookupResult> answer = Promise.promise();
        singles.add(new Single(request, answer));
        return answer.future();
      }

      @Override
      public Future<List<Object>> lookupAll(List<LookupRequest> requests, List<Caller> callers) {
        Promise<List<Object>> answer = Promise.promise();
        batches.add(new Batch(requests, answer));
        return answer.future();
      }
    }, maxBatch, maxInFlight, maxQueued, maxWaitMillis);
  }

  @Test
  void aLookupAloneLeavesAtOnceAndThoseArrivingMeanwhileLeaveTogetherEachWithItsOwnAnswer() throws Exception {
    LookupCoalescer coalescer = coalescer(64, 1, 100, 10_000);
    Future<LookupResult> first = on(() -> coalescer.lookup(request("A"), CALLER));
    assertThat(singles).hasSize(1);
    List<Future<LookupResult>> waiting = new ArrayList<>();
    for (String code : List.of("B", "C", "D")) {
      waiting.add(on(() -> coalescer.lookup(request(code), CALLER)));
    }
    assertThat(singles).as("nothing more goes out while the only slot is taken").hasSize(1);
    assertThat(batches).isEmpty();

    run(() -> singles.get(0).found());
    assertThat(await(first).normalizedValue()).isEqualTo("a");
    assertThat(batches).as("the three that waited leave in one statement").hasSize(1);
    assertThat(batches.get(0).requests()).extracting(LookupRequest::barcode).containsExactly("B", "C", "D");

    ServiceFailure notFound = ServiceFailure.notFound("table does not exist");
    run(() -> batches.get(0).answer().complete(List.of(result(request("B")), notFound, result(request("D")))));
    assertThat(await(waiting.get(0)).normalizedValue()).isEqualTo("b");
    assertThatThrownBy(() -> await(waiting.get(1))).hasCauseReference(notFound);
    assertThat(await(waiting.get(2)).normalizedValue()).as("a refusal is that lookup's alone").isEqualTo("d");
    assertThat(on(coalescer::busy)).isZero();
  }

  @Test
  void batchesAreBoundedAndAQueuedLookupLeftAloneTakesTheSingleStatement() throws Exception {
    LookupCoalescer coalescer = coalescer(2, 1, 100, 10_000);
    on(() -> coalescer.lookup(request("A"), CALLER));
    List<Future<LookupResult>> waiting = new ArrayList<>();
    for (String code : List.of("B", "C", "D")) {
      waiting.add(on(() -> coalescer.lookup(request(code), CALLER)));
    }
    run(() -> singles.get(0).found());
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).requests()).extracting(LookupRequest::barcode).containsExactly("B", "C");
    run(() -> batches.get(0).answer().complete(List.of(result(request("B")), result(request("C")))));
    assertThat(singles).as("D, alone in the queue, goes by the single-lookup statement").hasSize(2);
    assertThat(singles.get(1).request().barcode()).isEqualTo("D");
    run(() -> singles.get(1).found());
    assertThat(await(waiting.get(2)).normalizedValue()).isEqualTo("d");
  }

  @Test
  void aFailedBatchFailsItsOwnLookupsAndTheNextOnesStillGo() throws Exception {
    LookupCoalescer coalescer = coalescer(64, 1, 100, 10_000);
    on(() -> coalescer.lookup(request("A"), CALLER));
    Future<LookupResult> b = on(() -> coalescer.lookup(request("B"), CALLER));
    Future<LookupResult> c = on(() -> coalescer.lookup(request("C"), CALLER));
    run(() -> singles.get(0).found());
    Future<LookupResult> d = on(() -> coalescer.lookup(request("D"), CALLER));
    run(() -> batches.get(0).answer().fail(ClosedConnectionException.INSTANCE));
    assertThatThrownBy(() -> await(b)).hasCauseReference(ClosedConnectionException.INSTANCE);
    assertThatThrownBy(() -> await(c)).hasCauseReference(ClosedConnectionException.INSTANCE);
    assertThat(singles).as("D waited behind the failed batch and goes next").hasSize(2);
    run(() -> singles.get(1).found());
    assertThat(await(d).normalizedValue()).isEqualTo("d");
  }

  @Test
  void theWaitQueueRefusesWhenFullAndWhenALookupWaitedTooLong() throws Exception {
    LookupCoalescer coalescer = coalescer(64, 1, 2, 100);
    on(() -> coalescer.lookup(request("A"), CALLER));
    Future<LookupResult> b = on(() -> coalescer.lookup(request("B"), CALLER));
    Future<LookupResult> c = on(() -> coalescer.lookup(request("C"), CALLER));
    Future<LookupResult> full = on(() -> coalescer.lookup(request("D"), CALLER));
    assertThatThrownBy(() -> await(full)).cause().isInstanceOfSatisfying(QueueRefusal.class,
        refusal -> assertThat(refusal.reason()).isEqualTo(QueueRefusal.Reason.QUEUE_FULL));

    // A stays on the wire: B and C wait past 100 ms and are refused by the sweep.
    assertThatThrownBy(() -> await(b)).cause().isInstanceOfSatisfying(QueueRefusal.class,
        refusal -> assertThat(refusal.reason()).isEqualTo(QueueRefusal.Reason.WAITED_TOO_LONG));
    assertThatThrownBy(() -> await(c)).cause().isInstanceOf(QueueRefusal.class);
    assertThat(on(coalescer::busy)).as("only A, on the wire").isEqualTo(1);
    Future<Void> idle = on(coalescer::whenIdle);
    assertThat(idle.isComplete()).isFalse();
    run(() -> singles.get(0).found());
    await(idle);
    assertThat(batches).as("nothing was left to send").isEmpty();
  }

  private static LookupRequest request(String barcode) {
    return new LookupRequest(UUID.randomUUID(), null, "code", barcode);
  }

  private static LookupResult result(LookupRequest request) {
    return new LookupResult(new JsonArray(), request.barcode().toLowerCase(), UUID.randomUUID().toString());
  }

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

  private static <T> T await(Future<T> future) throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
    return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}
