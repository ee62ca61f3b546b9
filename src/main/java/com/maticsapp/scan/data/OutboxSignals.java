package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.Addresses;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * Hints for the webhook dispatcher, sent after an operation committed: the outbox may hold new
 * events ({@link Addresses#WEBHOOKS_OUTBOX_WRITTEN}, this member only) or a workspace's endpoints
 * changed ({@link Addresses#WEBHOOKS_ENDPOINTS_CHANGED}, every member). The statements write the
 * outbox themselves (triggers, {@code matic_webhook_emit}); a hint only lets the dispatcher
 * claim sooner and sleep while there is nothing to deliver, so a lost one costs latency, never
 * an event. Wrapping an address's operation in the data verticle's table says which ones emit.
 */
final class OutboxSignals {

  private final EventBus bus;

  OutboxSignals(EventBus bus) {
    this.bus = bus;
  }

  /** The operation, and once it has succeeded (committed) the hint that events may be waiting. */
  Dispatcher.Operation emitting(Dispatcher.Operation operation) {
    return (caller, body) -> operation.apply(caller, body).onSuccess(done -> eventsWritten());
  }

  /** The operation, and once it has succeeded the news that the request's workspace's endpoints changed. */
  Dispatcher.Operation changingEndpoints(Dispatcher.Operation operation) {
    return (caller, body) -> operation.apply(caller, body).onSuccess(done ->
        bus.publish(Addresses.WEBHOOKS_ENDPOINTS_CHANGED, new JsonObject().put("workspace_id", body.getValue("workspace_id"))));
  }

  /** For work that commits outside a request's reply (an import's last statement). */
  void eventsWritten() {
    bus.publish(Addresses.WEBHOOKS_OUTBOX_WRITTEN, null);
  }
}
