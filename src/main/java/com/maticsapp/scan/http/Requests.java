package com.maticsapp.scan.http;

import com.maticsapp.scan.api.Fields;
import com.maticsapp.scan.bus.ServiceFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

/** Reading what the client sent: JSON bodies, path ids and query parameters. */
final class Requests {

  private Requests() {}

  /** The body as a JSON object, or a 400/415 that says what is wrong with it. */
  static JsonObject body(RoutingContext ctx) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType != null && !contentType.toLowerCase().contains("json")) {
      throw new ServiceFailure(415, "Unsupported media type", "send the body as application/json", java.util.List.of());
    }
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw ServiceFailure.badRequest("the request body must be a JSON object");
    }
    if (firstNonBlank(buffer) != '{') {
      throw ServiceFailure.badRequest("the request body must be a JSON object");
    }
    try {
      return new JsonObject(buffer);
    } catch (RuntimeException e) {
      throw ServiceFailure.badRequest("the request body is not valid JSON");
    }
  }

  private static char firstNonBlank(Buffer buffer) {
    for (int i = 0; i < buffer.length(); i++) {
      char c = (char) buffer.getByte(i);
      if (!Character.isWhitespace(c)) {
        return c;
      }
    }
    return 0;
  }

  /** A path parameter that must be a UUID; anything else cannot name a record: 404. */
  static UUID pathId(RoutingContext ctx, String name) {
    UUID id = Fields.parseUuid(ctx.pathParam(name));
    if (id == null) {
      throw ServiceFailure.notFound(name + " '" + ctx.pathParam(name) + "' is not a UUID");
    }
    return id;
  }

  /** A whole-number query parameter within bounds, or null when absent. */
  static Integer intParam(RoutingContext ctx, String name, int min, int max) {
    String value = ctx.queryParams().get(name);
    if (value == null) {
      return null;
    }
    try {
      int parsed = Integer.parseInt(value.trim());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ServiceFailure.invalid(name, "must be a whole number between " + min + " and " + max);
  }

  static Boolean boolParam(RoutingContext ctx, String name) {
    String value = ctx.queryParams().get(name);
    if (value == null) {
      return null;
    }
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(value);
    }
    throw ServiceFailure.invalid(name, "must be true or false");
  }
}
