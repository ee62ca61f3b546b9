package com.maticsapp.scan.contract;

import io.vertx.core.json.JsonObject;

/**
 * A typed reply of a data address. A sender in this process that asks for records (the
 * {@link Addresses#REPLY} header, as the HTTP verticle does) receives the record itself, handed
 * over by reference through {@link BusCodecs}; every other sender (event-bus users, other
 * members of a cluster) receives {@link #toJson()}, the JSON document docs/event-bus.md
 * describes.
 */
public interface Reply {

  /** The reply as the public event-bus contract shapes it. */
  JsonObject toJson();
}
