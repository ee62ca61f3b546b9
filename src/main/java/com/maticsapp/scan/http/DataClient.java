package com.maticsapp.scan.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP side of the event bus: sends a request to a data or health address with the
 * route's deadline and answers the client with the reply or the mapped failure.
 */
final class DataClient {

  private final Vertx vertx;
  private final Responses responses;
  private final DeliveryOptions delivery;

  DataClient(Vertx vertx, Responses responses, long deadlineMillis) {
    this.vertx = vertx;
    this.responses = responses;
    this.delivery = new DeliveryOptions().setSendTimeout(deadlineMillis);
  }

  Future<JsonObject> request(String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body, delivery).map(reply -> reply.body());
  }

  /** Forwards and answers with {@code status} and the reply as the body. */
  void forward(RoutingContext ctx, String address, JsonObject body, int status) {
    request(address, body).onComplete(outcome -> {
      if (outcome.succeeded()) {
        responses.json(ctx, status, outcome.result());
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }
}
