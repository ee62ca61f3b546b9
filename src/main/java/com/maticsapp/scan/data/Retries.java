package com.maticsapp.scan.data;

import com.maticsapp.scan.config.AppConfig.RetryConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Retrying idempotent database work after a transient failure (connection lost, server
 * shutting down or restarting, too many connections, pooler refusing clients): full-jitter
 * exponential backoff, a bounded number of attempts, and a time budget so the caller's
 * deadline is never overrun. Anything else — a bad request, a timeout, an exhausted pool —
 * is returned at once: retrying it would only add load.
 */
final class Retries {

  private final Vertx vertx;
  private final RetryConfig policy;

  Retries(Vertx vertx, RetryConfig policy) {
    this.vertx = vertx;
    this.policy = policy;
  }

  static boolean isTransient(Throwable failure) {
    return DatabaseFailures.kind(failure) == DatabaseFailures.Kind.UNAVAILABLE;
  }

  /**
   * The delay before retry number {@code retry} (1-based) of work first attempted at
   * {@code startedAtMillis}, or -1 when no retry is allowed any more.
   */
  long delayBeforeRetry(int retry, long startedAtMillis) {
    if (retry > policy.maxRetries()) {
      return -1;
    }
    long ceiling = Math.min(policy.maxBackoff().toMillis(), policy.initialBackoff().toMillis() << Math.min(retry - 1, 20));
    long delay = 1 + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling));
    long deadline = startedAtMillis + policy.budget().toMillis();
    return System.currentTimeMillis() + delay < deadline ? delay : -1;
  }

  /** Runs {@code work}, retrying it on transient failures within the policy. */
  <T> Future<T> idempotent(Supplier<Future<T>> work) {
    Promise<T> result = Promise.promise();
    attempt(work, 1, System.currentTimeMillis(), result);
    return result.future();
  }

  private <T> void attempt(Supplier<Future<T>> work, int attempt, long startedAt, Promise<T> result) {
    work.get().onComplete(outcome -> {
      if (outcome.succeeded()) {
        result.complete(outcome.result());
        return;
      }
      long delay = isTransient(outcome.cause()) ? delayBeforeRetry(attempt, startedAt) : -1;
      if (delay < 0) {
        result.fail(outcome.cause());
      } else {
        vertx.setTimer(delay, id -> attempt(work, attempt + 1, startedAt, result));
      }
    });
  }
}
