package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.Lifecycle;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.WebhooksConfig;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.data.Database;
import com.maticsapp.scan.data.OutboxStore;
import com.maticsapp.scan.data.OutboxStore.Claim;
import com.maticsapp.scan.data.OutboxStore.Claimed;
import com.maticsapp.scan.data.OutboxStore.Completion;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.SqlClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delivers the webhook outbox: one job, in a loop. Claim due deliveries (one statement,
 * {@link OutboxStore#claim}), send each ({@link WebhookSender}), record how the attempts went in
 * batches (one statement per batch, {@link OutboxStore#complete}), and now and then forget what
 * is past the retention.
 *
 * <p>It shares the data verticles' pool (by name) and has at most one claim and one completion
 * statement on the wire at a time, plus a rare retention sweep: the scans' statements always
 * find the pipeline nearly as they would without webhooks. Requests on the wire are bounded in
 * all ({@code webhooks.maxInFlight}) and per endpoint ({@code webhooks.maxInFlightPerEndpoint}),
 * and each attempt has its own deadline, so a slow endpoint holds only its own slots.
 *
 * <p>When it claims: a moment after this instance committed something that may have written
 * events ({@code Addresses.WEBHOOKS_OUTBOX_WRITTEN}), when a retry or a lease it knows of falls
 * due, when a freed slot has work waiting, and every {@code webhooks.pollInterval} for what
 * other instances wrote. All of that only while an enabled endpoint exists, which every claim
 * tells it: without one, a single cheap check every {@code webhooks.idleCheckInterval} is all
 * it sends, and the pool's connection may close for idleness (a pooler gets its slot back),
 * until an endpoint is created or enabled ({@code Addresses.WEBHOOKS_ENDPOINTS_CHANGED}).
 *
 * <p>Stopping: no new claims; the attempts on the wire finish (each within its deadline) and
 * their outcomes are recorded, up to the drain deadline. What is still claimed then is due
 * again once its lease runs out, for this instance after a restart or for another one.
 */
public final class WebhookDispatcher extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
  /** Completions are written at least this often while any wait, or once this many wait. */
  private static final long COMPLETE_EVERY_MILLIS = 20;
  private static final int COMPLETE_BATCH = 200;
  /** A commit here that wrote events wakes the dispatcher this soon (a few commits share one claim). */
  private static final long WAKE_AFTER_MILLIS = 5;
  private static final long FORGET_EVERY_MILLIS = 10 * 60_000;
  private static final int FORGET_BATCH = 5_000;

  private final AppConfig app;
  private final WebhooksConfig config;

  private SqlClient client;
  private OutboxStore outbox;
  private WebhookSender sender;
  private MessageConsumer<Object> wakeUps;
  private MessageConsumer<Object> endpointChanges;

  private final Map<UUID, Integer> inFlightByEndpoint = new HashMap<>();
  private int inFlight;
  private boolean claiming;
  /** What the last claim said: some enabled endpoint exists (assumed until the first claim answers). */
  private boolean endpoints = true;
  private long pollTimer = -1;
  /** When the scheduled poll runs (System.currentTimeMillis()). */
  private long pollAt;
  /**
   * The last look left due deliveries behind for want of slots (in all, or for an endpoint):
   * a finished attempt then claims again instead of waiting for the poll interval.
   */
  private boolean backlog;
  /** The earliest poll asked for while a claim was on the wire (Long.MAX_VALUE: none). */
  private long pollAgainAt = Long.MAX_VALUE;
  private long forgetTimer = -1;
  private final List<Completion> completions = new ArrayList<>();
  private boolean completing;
  private long completeTimer = -1;
  private boolean stopping;
  private Promise<Void> drained;

  public WebhookDispatcher(AppConfig app) {
    this.app = app;
    this.config = app.webhooks();
  }

  @Override
  public Future<?> start() {
    client = Database.client(vertx, app.database(), true);
    outbox = new OutboxStore(client);
    sender = new WebhookSender(vertx, config);
    // Commits on this instance that may have written events: their deliveries are due now.
    wakeUps = vertx.eventBus().localConsumer(Addresses.WEBHOOKS_OUTBOX_WRITTEN, message -> eventsWritten());
    // Endpoints created, enabled or given redeliveries, here or on another member of a cluster.
    endpointChanges = vertx.eventBus().consumer(Addresses.WEBHOOKS_ENDPOINTS_CHANGED, message -> endpointsChanged());
    forgetTimer = vertx.setPeriodic(FORGET_EVERY_MILLIS / 10, FORGET_EVERY_MILLIS, id -> forget());
    pollWithin(0); // the first claim also says whether there is anything to do at all
    log.info("webhook dispatcher started: at most {} requests on the wire ({} per endpoint), {} ms per attempt, "
            + "lease {} ms, retries for {} h", config.maxInFlight(), config.maxInFlightPerEndpoint(),
        config.attemptTimeout().toMillis(), config.lease().toMillis(), config.retryFor().toHours());
    return Future.all(wakeUps.completion(), endpointChanges.completion());
  }

  // ---- claim ----

  /**
   * While no enabled endpoint exists, this instance's statements wrote nothing to the outbox:
   * the hint is dropped, and the idle check stays the only statement (endpointsChanged ends
   * the idleness). Otherwise the next claim comes within a few milliseconds, so a few commits
   * share one claim, and a steady stream of them never keeps postponing it.
   */
  private void eventsWritten() {
    if (endpoints) {
      pollWithin(WAKE_AFTER_MILLIS);
    }
  }

  private void endpointsChanged() {
    endpoints = true;
    pollWithin(WAKE_AFTER_MILLIS);
  }

  /**
   * Polls within {@code delay} ms: brings a scheduled poll forward, never back. A hint that
   * arrives while a claim is on the wire may concern a commit that claim's snapshot missed, so
   * it is kept for when the claim has answered.
   */
  private void pollWithin(long delay) {
    if (stopping) {
      return;
    }
    long at = System.currentTimeMillis() + Math.max(1, delay);
    if (claiming) {
      pollAgainAt = Math.min(pollAgainAt, at);
      return;
    }
    if (pollTimer >= 0) {
      if (pollAt <= at) {
        return;
      }
      vertx.cancelTimer(pollTimer);
    }
    pollAt = at;
    pollTimer = vertx.setTimer(Math.max(1, at - System.currentTimeMillis()), id -> poll());
  }

  private void poll() {
    pollTimer = -1;
    if (stopping || claiming) {
      return;
    }
    int room = Math.min(config.claimBatch(), config.maxInFlight() - inFlight);
    if (room <= 0) {
      backlog = true; // a finished attempt polls again
      return;
    }
    claiming = true;
    pollAgainAt = Long.MAX_VALUE;
    outbox.claim(room, config.maxInFlightPerEndpoint(), config.lease().toMillis(), Map.copyOf(inFlightByEndpoint))
        .onComplete(claimed -> {
          claiming = false;
          long hinted = pollAgainAt;
          if (claimed.failed()) {
            checkDrained();
            long retry = endpoints ? config.pollInterval().toMillis() : config.idleCheckInterval().toMillis();
            log.warn("webhook claim failed, trying again in {} ms: {}", retry, claimed.cause().toString());
            pollWithin(retry);
            return;
          }
          Claim claim = claimed.result();
          if (endpoints != claim.endpoints()) {
            log.info(claim.endpoints() ? "webhook dispatcher: enabled endpoints exist, delivering"
                : "webhook dispatcher: no enabled endpoint, checking every {} ms", config.idleCheckInterval().toMillis());
          }
          endpoints = claim.endpoints();
          backlog = claim.dueInMillis() != null && claim.dueInMillis() <= 0;
          claim.claimed().forEach(this::deliver);
          pollWithin(nextPollIn(claim, room));
          if (hinted != Long.MAX_VALUE) {
            pollWithin(hinted - System.currentTimeMillis());
          }
          checkDrained();
        });
  }

  /**
   * When to claim next, hints aside: at once after a full claim (more may be due); when the
   * earliest delivery left pending falls due (a retry, or a lease running out) if that is
   * sooner than the poll interval; at the poll interval otherwise, for deliveries nobody told
   * this instance about. Without any enabled endpoint, only the idle check.
   */
  private long nextPollIn(Claim claim, int room) {
    if (claim.claimed().size() == room) {
      return 0;
    }
    if (!claim.endpoints()) {
      return config.idleCheckInterval().toMillis();
    }
    long interval = config.pollInterval().toMillis();
    Long due = claim.dueInMillis();
    // Due already but not claimed: its endpoint's slots are taken (a finished attempt polls
    // again) or another instance holds it right now; either way not worth spinning for.
    return due == null || due <= 0 ? interval : Math.min(due, interval);
  }

  // ---- deliver ----

  private void deliver(Claimed delivery) {
    inFlight++;
    inFlightByEndpoint.merge(delivery.endpointId(), 1, Integer::sum);
    sender.send(delivery)
        .recover(unexpected -> {
          log.error("webhook delivery {} failed unexpectedly", delivery.webhookId(), unexpected);
          return Future.succeededFuture(new WebhookSender.Attempt(null, 0, null, "internal error: " + unexpected));
        })
        .onSuccess(attempt -> {
          inFlight--;
          inFlightByEndpoint.computeIfPresent(delivery.endpointId(), (id, n) -> n == 1 ? null : n - 1);
          completions.add(completion(delivery, attempt));
          scheduleCompletion();
          if (backlog) {
            pollWithin(WAKE_AFTER_MILLIS); // the slot it frees has work waiting; a few freed slots share one claim
          }
        });
  }

  /** What an attempt means for its delivery: delivered, gone (410), another try, or given up. */
  private Completion completion(Claimed delivery, WebhookSender.Attempt attempt) {
    String outcome;
    OffsetDateTime next = null;
    if (attempt.succeeded()) {
      outcome = "delivered";
    } else if (attempt.status() != null && attempt.status() == 410) {
      outcome = "gone";
    } else {
      next = OffsetDateTime.now(ZoneOffset.UTC).plusNanos(backoffMillis(delivery.attempt()) * 1_000_000L);
      outcome = next.isAfter(delivery.retryFrom().plus(config.retryFor())) ? "failed" : "retry";
    }
    String error = attempt.error();
    if (error == null && !attempt.succeeded()) {
      error = "HTTP " + attempt.status();
    }
    return new Completion(delivery.id(), delivery.claim(), outcome, attempt.status(), attempt.latencyMs(),
        attempt.response(), error, "retry".equals(outcome) ? next : null);
  }

  /**
   * Full jitter over an exponential ceiling: retry n waits between half and all of
   * min(maxBackoff, initialBackoff * 2^(n-1)), so endpoints that failed together do not all come
   * back at the same moment.
   */
  long backoffMillis(int attempt) {
    long initial = config.initialBackoff().toMillis();
    long ceiling = config.maxBackoff().toMillis();
    int doublings = Math.min(Math.max(attempt - 1, 0), 40);
    long exponential = initial > ceiling >> doublings ? ceiling : Math.min(ceiling, initial << doublings);
    return exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
  }

  // ---- complete ----

  private void scheduleCompletion() {
    if (completing) {
      return; // the statement on the wire picks these up when it is done
    }
    if (completions.size() >= COMPLETE_BATCH || stopping) {
      if (completeTimer >= 0) {
        vertx.cancelTimer(completeTimer);
        completeTimer = -1;
      }
      complete();
    } else if (completeTimer < 0) {
      completeTimer = vertx.setTimer(COMPLETE_EVERY_MILLIS, id -> {
        completeTimer = -1;
        complete();
      });
    }
  }

  private void complete() {
    if (completing || completions.isEmpty()) {
      checkDrained();
      return;
    }
    List<Completion> batch = new ArrayList<>(completions);
    completions.clear();
    completing = true;
    outbox.complete(batch, config.disableAfter().toMillis()).onComplete(done -> {
      completing = false;
      if (done.succeeded()) {
        done.result().disabled().forEach(reason -> log.warn("webhook endpoint disabled: {}", reason));
        // Retries are claimed when they fall due, not at the next poll after it.
        batch.stream().map(Completion::nextAttemptAt).filter(java.util.Objects::nonNull).min(OffsetDateTime::compareTo)
            .ifPresent(next -> pollWithin(java.time.Duration.between(OffsetDateTime.now(ZoneOffset.UTC), next).toMillis()));
      } else {
        // The claims stay; their deliveries are due again when the lease runs out (at least once).
        log.warn("recording {} webhook attempts failed; they will be retried after their lease: {}", batch.size(),
            done.cause().toString());
      }
      if (!completions.isEmpty()) {
        scheduleCompletion();
      } else {
        checkDrained();
      }
    });
  }

  // ---- retention ----

  private void forget() {
    if (stopping) {
      return;
    }
    outbox.forget(config.retention().toMillis(), FORGET_BATCH).onComplete(done -> {
      if (done.succeeded() && done.result() > 0) {
        log.info("webhook log: forgot {} deliveries older than {} h", done.result(), config.retention().toHours());
      } else if (done.failed()) {
        log.warn("webhook log retention sweep failed: {}", done.cause().toString());
      }
    });
  }

  // ---- stop ----

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(forgetTimer);
    if (pollTimer >= 0) {
      vertx.cancelTimer(pollTimer);
    }
    drained = Promise.promise();
    long deadline = Math.max(Lifecycle.drainDeadline(vertx, app.http().drainTimeout()),
        System.currentTimeMillis() + Lifecycle.DATA_DRAIN_FLOOR.toMillis());
    if (inFlight > 0 || claiming) {
      log.info("webhook dispatcher stopping: waiting for {} attempts on the wire", inFlight);
    }
    scheduleCompletion();
    checkDrained();
    long timer = vertx.setTimer(Math.max(1, deadline - System.currentTimeMillis()), id -> {
      if (drained.tryComplete()) {
        log.warn("webhook dispatcher stopping: {} attempts still on the wire at the deadline; "
            + "they are delivered again after their lease", inFlight);
      }
    });
    return drained.future()
        .onComplete(done -> vertx.cancelTimer(timer))
        .eventually(wakeUps::unregister)
        .eventually(endpointChanges::unregister)
        .eventually(sender::close)
        .eventually(client::close);
  }

  private void checkDrained() {
    if (drained != null && inFlight == 0 && !claiming && !completing && completions.isEmpty()) {
      drained.tryComplete();
    }
  }
}
