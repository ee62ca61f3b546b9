package com.maticsapp.scan.data;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * Tells whoever waits ({@link Dispatcher.Drainable#whenIdle}, on shutdown) when a queue's work
 * has run out. Used on its owner's event loop only.
 */
final class IdleSignal {

  private Promise<Void> idle;

  /** Completes at once when {@code busy} is 0, else once {@link #check} sees 0. */
  Future<Void> whenIdle(int busy) {
    if (busy == 0) {
      return Future.succeededFuture();
    }
    if (idle == null) {
      idle = Promise.promise();
    }
    return idle.future();
  }

  /** Call whenever work ends: completes the wait once nothing is left. */
  void check(int busy) {
    if (idle != null && busy == 0) {
      Promise<Void> done = idle;
      idle = null;
      done.complete();
    }
  }
}
