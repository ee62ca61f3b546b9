package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.Lifecycle;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.WebhooksConfig;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.data.Database;
import com.maticsapp.scan.data.OutboxStore;
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
 * <p>Stopping: no new claims; the attempts on the wire finish (each within its deadline) and
 * their outcomes are recorded, up to the drain deadline. What is still claimed then is due
 * again once its lease runs out, for this instance after a restart or for another one.
 */
public final class WebhookDispatcher extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);
  /** Completions are written at least this often while any wait, or once this many wait. */
  private static final long COMPLETE_EVERY_MILLIS = 20;
  private static final int COMPLETE_BATCH = 200;
  /** A scan recorded here wakes an idle dispatcher this soon (a few scans share one claim). */
  private static final long WAKE_AFTER_MILLIS = 5;
  private static final long FORGET_EVERY_MILLIS = 10 * 60_000;
  private static final int FORGET_BATCH = 5_000;

  private final AppConfig app;
  private final WebhooksConfig config;

  private SqlClient client;
  private OutboxStore outbox;
  private WebhookSender sender;
  private MessageConsumer<Object> wakeUps;

  private final Map<UUID, Integer> inFlightByEndpoint = new HashMap<>();
  private int inFlight;
  private boolean claiming;
  private long pollTimer = -1;
  /** When the scheduled poll runs (System.currentTimeMillis()). */
  private long pollAt;
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
    // Scans recorded on this instance are published after commit: their deliveries are due now.
    wakeUps = vertx.eventBus().localConsumer(Addresses.SCANS_RECORDED, message -> wakeSoon());
    forgetTimer = vertx.setPeriodic(1_000, FORGET_EVERY_MILLIS, id -> forget());
    schedulePoll(0);
    log.info("webhook dispatcher started: at most {} requests on the wire ({} per endpoint), {} ms per attempt, "
            + "lease {} ms, retries for {} h", config.maxInFlight(), config.maxInFlightPerEndpoint(),
        config.attemptTimeout().toMillis(), config.lease().toMillis(), config.retryFor().toHours());
    return wakeUps.completion();
  }

  // ---- claim ----

  /** Brings the next poll forward, never back: a steady stream of scans must not keep postponing it. */
  private void wakeSoon() {
    if (!claiming && pollTimer >= 0 && pollAt > System.currentTimeMillis() + WAKE_AFTER_MILLIS) {
      schedulePoll(WAKE_AFTER_MILLIS);
    }
  }

  private void schedulePoll(long delay) {
    if (stopping) {
      return;
    }
    if (pollTimer >= 0) {
      vertx.cancelTimer(pollTimer);
    }
    long after = Math.max(1, delay);
    pollAt = System.currentTimeMillis() + after;
    pollTimer = vertx.setTimer(after, id -> poll());
  }

  private void poll() {
    pollTimer = -1;
    if (stopping || claiming) {
      return;
    }
    int room = Math.min(config.claimBatch(), config.maxInFlight() - inFlight);
    if (room <= 0) {
      return; // a finished attempt polls again
    }
    claiming = true;
    outbox.claim(room, config.maxInFlightPerEndpoint(), config.lease().toMillis(), Map.copyOf(inFlightByEndpoint))
        .onComplete(claimed -> {
          claiming = false;
          if (claimed.failed()) {
            checkDrained();
            log.warn("webhook claim failed, trying again in {} ms: {}", config.pollInterval().toMillis(),
                claimed.cause().toString());
            schedulePoll(config.pollInterval().toMillis());
            return;
          }
          claimed.result().forEach(this::deliver);
          // A full claim means more may be due: look again at once.
          schedulePoll(claimed.result().size() == room ? 0 : config.pollInterval().toMillis());
          checkDrained();
        });
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
          if (!stopping && pollTimer < 0 && !claiming) {
            schedulePoll(0);
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
        .eventually(sender::close)
        .eventually(client::close);
  }

  private void checkDrained() {
    if (drained != null && inFlight == 0 && !claiming && !completing && completions.isEmpty()) {
      drained.tryComplete();
    }
  }
}
