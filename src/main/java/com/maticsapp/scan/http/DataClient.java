package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.BusCodecs;
import com.maticsapp.scan.contract.Reply;
import com.maticsapp.scan.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.Map;

/**
 * The HTTP side of the event bus: sends a request to a data or health address with the
 * route's deadline and answers the client with the reply or the mapped failure.
 *
 * <p>Every request is local only. When the event bus is clustered, the public addresses
 * ({@code scans.*}, {@code health.status}) have consumers on every member, and a plain request
 * would be round-robined to any of them: an HTTP request would then wait on another instance's
 * pool and health would describe another instance. Each instance answers its own clients.
 */
final class DataClient {

  private final Vertx vertx;
  private final Responses responses;
  private final Map<String, DeliveryOptions> deliveryByAddress;
  private final DeliveryOptions delivery;

  DataClient(Vertx vertx, Responses responses, AppConfig.HttpConfig http) {
    this.vertx = vertx;
    this.responses = responses;
    this.delivery = deadline(http.requestTimeout());
    this.deliveryByAddress = Map.of(
        Addresses.SCANS_LOOKUP, deadline(http.deadlines().lookup()),
        Addresses.SCANS_RECORD, deadline(http.deadlines().scan()),
        Addresses.SCANS_RECORD_BATCH, deadline(http.deadlines().batch()),
        Addresses.ROWS_BULK_CREATE, deadline(http.deadlines().bulk()));
  }

  /**
   * Requests go by reference (the document was parsed for this request and is not touched
   * again) and ask for typed replies, which arrive by reference too ({@link BusCodecs}).
   */
  private static DeliveryOptions deadline(Duration duration) {
    return new DeliveryOptions().setSendTimeout(duration.toMillis()).setLocalOnly(true)
        .setCodecName(BusCodecs.JSON_BY_REFERENCE);
  }

  /**
   * Asks {@code address} with that route's deadline (past it the answer is a 504), on behalf of
   * the request's caller: the credential the request proved itself with travels in the
   * {@link Addresses#AUTHORIZATION} header and is checked again by the data verticle. The reply
   * is the record the operation returns ({@link Reply}), or its JSON document.
   */
  <T> Future<T> ask(RoutingContext ctx, String address, JsonObject body, Class<T> replyType) {
    return ask(ctx, address, body, replyType, new DeliveryOptions(deliveryByAddress.getOrDefault(address, delivery)));
  }

  /** {@link #request} with a deadline of its own (an import that is waited for). */
  Future<JsonObject> request(RoutingContext ctx, String address, JsonObject body, Duration deadline) {
    return ask(ctx, address, body, JsonObject.class, deadline(deadline));
  }

  private <T> Future<T> ask(RoutingContext ctx, String address, JsonObject body, Class<T> replyType, DeliveryOptions options) {
    options.addHeader(Addresses.REPLY, Addresses.REPLY_RECORD);
    String credential = ctx.get(Authentication.CREDENTIAL);
    if (credential != null) {
      options.addHeader(Addresses.AUTHORIZATION, credential);
    }
    return vertx.eventBus().request(address, body, options).map(reply -> replyType.cast(
        replyType == JsonObject.class && reply.body() instanceof Reply typed ? typed.toJson() : reply.body()));
  }

  /**
   * Asks an internal address that takes no credential ({@link Addresses#SCANS_STATUS_FEED}), for
   * work the HTTP side does on its own account rather than for one request.
   */
  Future<JsonObject> internal(String address, JsonObject body) {
    return vertx.eventBus().<Object>request(address, body, new DeliveryOptions(delivery))
        .map(reply -> reply.body() instanceof Reply typed ? typed.toJson() : (JsonObject) reply.body());
  }

  /** {@link #ask} for a reply read as its JSON document. */
  Future<JsonObject> request(RoutingContext ctx, String address, JsonObject body) {
    return ask(ctx, address, body, JsonObject.class);
  }

  /** Forwards and answers with {@code status} and the reply as the body. */
  void forward(RoutingContext ctx, String address, JsonObject body, int status) {
    request(ctx, address, body).onComplete(outcome -> {
      if (outcome.succeeded()) {
        responses.json(ctx, status, outcome.result());
      } else {
        responses.failure(ctx, outcome.cause());
      }
    });
  }
}
