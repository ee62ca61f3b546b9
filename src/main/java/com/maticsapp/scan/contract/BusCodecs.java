package com.maticsapp.scan.contract;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The event-bus codecs that let the HTTP and data verticles hand each other requests and
 * replies by reference. Vert.x's own JsonObject codec deep-copies every local message (a
 * receiver may not share a mutable document with its sender); here each document is built for
 * one message and never touched by its sender again, so copying buys nothing.
 *
 * <p>Over the wire (another member of a cluster) every one of them is the JSON document, decoded
 * as a {@link JsonObject}: the public contract in docs/event-bus.md does not change.
 */
public final class BusCodecs {

  /** The codec for a JsonObject sent by reference (see {@link #byReference()}). */
  public static final String JSON_BY_REFERENCE = "matic.json-by-reference";

  /** Every typed reply class; each is delivered as itself to local senders. */
  private static final List<Class<? extends Reply>> REPLIES = List.of(
      LookupResult.class, ScanOutcome.Recorded.class, ScanOutcome.Replayed.class, ScanBatchResult.class);

  private static final String REGISTERED = "matic.bus-codecs";

  private BusCodecs() {}

  /** Delivery of a JsonObject without the copy; the sender must not touch it afterwards. */
  public static DeliveryOptions byReference() {
    return new DeliveryOptions().setCodecName(JSON_BY_REFERENCE);
  }

  /** Registers the codecs on this Vert.x instance once, whichever verticle asks first. */
  public static void register(Vertx vertx) {
    if (vertx.sharedData().getLocalMap(REGISTERED).putIfAbsent("registered", true) != null) {
      return;
    }
    EventBus bus = vertx.eventBus();
    bus.registerCodec(new ByReference<JsonObject>(JSON_BY_REFERENCE) {
      @Override
      JsonObject json(JsonObject body) {
        return body;
      }
    });
    REPLIES.forEach(type -> registerReply(bus, type));
  }

  private static <T extends Reply> void registerReply(EventBus bus, Class<T> type) {
    bus.registerDefaultCodec(type, new ByReference<T>("matic." + type.getName()) {
      @Override
      JsonObject json(T body) {
        return body.toJson();
      }
    });
  }

  /** Local delivery hands the object over as it is; the wire carries its JSON document. */
  private abstract static class ByReference<T> implements MessageCodec<T, Object> {

    private final String name;

    ByReference(String name) {
      this.name = name;
    }

    abstract JsonObject json(T body);

    @Override
    public void encodeToWire(Buffer buffer, T body) {
      Buffer encoded = json(body).toBuffer();
      buffer.appendInt(encoded.length()).appendBuffer(encoded);
    }

    @Override
    public Object decodeFromWire(int pos, Buffer buffer) {
      int length = buffer.getInt(pos);
      return new JsonObject(buffer.slice(pos + 4, pos + 4 + length));
    }

    @Override
    public Object transform(T body) {
      return body;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
