package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.BusCodecs;
import com.maticsapp.scan.contract.Reply;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How an address of the data verticle's table is served, written once: the credential in the
 * {@link Addresses#AUTHORIZATION} header is checked whoever sent the message, the operation runs
 * for that caller on the request's JSON document (which the operation validates: the data side
 * owns the contract), and the reply goes back typed or as JSON ({@link Addresses#REPLY}). A
 * failure is classified and logged once ({@link FailureObserver}) and sent as the
 * {@link ServiceFailure} it maps to. Every operation in progress is counted, so stopping can
 * wait for them ({@link #quiesce}).
 *
 * <p>Runs on its verticle's event loop only.
 */
final class Dispatcher {

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** One operation on behalf of an authenticated caller: a {@link Reply} record or a JSON document. */
  @FunctionalInterface
  interface Operation {
    Future<?> apply(Caller caller, JsonObject body);
  }

  /** The one kind of request that is its own credential (a pairing claim). */
  @FunctionalInterface
  interface UnauthenticatedOperation {
    Future<?> apply(JsonObject body);
  }

  /** Something else that holds accepted work until it has an outcome (a coalescer). */
  interface Drainable {
    /** Work queued, on the wire or awaiting a retry. */
    int busy();

    /** Completes once {@link #busy()} is 0. */
    Future<Void> whenIdle();
  }

  private final Vertx vertx;
  private final Authenticator authenticator;
  private final FailureObserver failures;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  /** Operations received and not yet answered. */
  private int operations;
  private Promise<Void> operationsDone;

  Dispatcher(Vertx vertx, Authenticator authenticator, FailureObserver failures) {
    this.vertx = vertx;
    this.authenticator = authenticator;
    this.failures = failures;
  }

  /** Serves {@code address} for authenticated callers. */
  void serve(String address, Operation operation) {
    serveMessages(address, message -> authenticator.authenticate(message.headers().get(Addresses.AUTHORIZATION))
        .compose(caller -> failures.inFlight(operation.apply(caller, bodyOf(message)))));
  }

  /** Serves the one address whose request is its own credential. */
  void serveUnauthenticated(String address, UnauthenticatedOperation operation) {
    serveMessages(address, message -> failures.inFlight(operation.apply(bodyOf(message))));
  }

  /**
   * Serves an address whose every outcome is an answer (a health status: DOWN is a reply,
   * not a failure, and no evidence the database is up): no credential, no accounting.
   */
  void answer(String address, Function<JsonObject, Future<JsonObject>> answer) {
    consumers.add(register(address, message ->
        answer.apply(message.body() instanceof JsonObject body ? body : new JsonObject())
            .onComplete(outcome -> message.reply(outcome.succeeded() ? outcome.result()
                : new JsonObject().put("up", false).put("error", String.valueOf(outcome.cause()))))));
  }

  /** Completes once every consumer is registered (cluster-wide ones included). */
  Future<?> registered() {
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  /** Stops taking requests; what was accepted still gets its answer. */
  Future<?> unregister() {
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private static JsonObject bodyOf(Message<?> message) {
    if (!(message.body() instanceof JsonObject body)) {
      throw ServiceFailure.badRequest("the request body must be a JSON object");
    }
    return body;
  }

  private void serveMessages(String address, Function<Message<Object>, Future<?>> operation) {
    consumers.add(register(address, message -> {
      Future<?> result;
      try {
        result = operation.apply(message);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      operations++;
      result.onComplete(outcome -> {
        if (outcome.succeeded()) {
          failures.succeeded();
          reply(message, outcome.result());
        } else {
          failures.observe(address, outcome.cause()).failReply(message);
        }
        if (--operations == 0 && operationsDone != null) {
          operationsDone.tryComplete();
        }
      });
    }));
  }

  /**
   * A sender that asked for records gets the reply object itself, by reference; everyone else
   * its JSON document, through Vert.x's own JsonObject codec.
   */
  private static void reply(Message<Object> message, Object result) {
    boolean records = Addresses.REPLY_RECORD.equals(message.headers().get(Addresses.REPLY));
    if (!records) {
      message.reply(result instanceof Reply typed ? typed.toJson() : result);
    } else if (result instanceof JsonObject) {
      message.reply(result, BusCodecs.byReference());
    } else {
      message.reply(result);
    }
  }

  /**
   * The public addresses ({@code scans.*}) are cluster-wide when the event bus is clustered:
   * any member may answer them. The internal {@code data.*} ones carry this instance's own HTTP
   * and health traffic to its own data verticle, so they are registered on this member only.
   */
  private MessageConsumer<Object> register(String address, Handler<Message<Object>> handler) {
    EventBus bus = vertx.eventBus();
    return Addresses.isInternal(address) ? bus.localConsumer(address, handler) : bus.consumer(address, handler);
  }

  /**
   * Completes when every accepted operation has answered and {@code others} are idle, or at
   * {@code deadline} (epoch millis), whichever comes first.
   */
  Future<Void> quiesce(long deadline, List<Drainable> others) {
    int pending = others.stream().mapToInt(Drainable::busy).sum();
    if (operations == 0 && pending == 0) {
      return Future.succeededFuture();
    }
    log.info("data verticle stopping: waiting for {} operations ({} scans queued, on the wire or awaiting retry), up to {} ms",
        operations, pending, Math.max(0, deadline - System.currentTimeMillis()));
    if (operations > 0) {
      operationsDone = Promise.promise();
    }
    List<Future<Void>> idle = new ArrayList<>();
    idle.add(operationsDone == null ? Future.succeededFuture() : operationsDone.future());
    others.forEach(other -> idle.add(other.whenIdle()));
    Promise<Void> bounded = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, deadline - System.currentTimeMillis()), id -> {
      if (bounded.tryComplete()) {
        log.warn("data verticle stopping: deadline reached with {} operations unanswered ({} scans pending); closing the client",
            operations, others.stream().mapToInt(Drainable::busy).sum());
      }
    });
    Future.all(idle).onComplete(done -> {
      vertx.cancelTimer(timer);
      bounded.tryComplete();
    });
    return bounded.future();
  }
}
