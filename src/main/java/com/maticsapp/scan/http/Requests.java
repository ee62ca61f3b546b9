package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.JsonValues;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** Reading what the client sent: JSON bodies, path ids and query parameters. */
final class Requests {

  private Requests() {}

  /**
   * The body as a JSON object, parsed strictly ({@link JsonBody}): 415 for a content type that
   * is not JSON; 400 for a body that is empty, not UTF-8, not JSON, not an object, nested
   * deeper than {@code maxDepth} or with a repeated key; 422 naming each field whose text or
   * number cannot be stored.
   */
  static JsonObject body(RoutingContext ctx, int maxDepth) {
    JsonBody.Parsed parsed = parse(ctx, maxDepth);
    if (!parsed.problems().isEmpty()) {
      throw ServiceFailure.invalid(parsed.problems());
    }
    return parsed.json();
  }

  /**
   * The same for a body whose {@code itemsKey} array holds items that are answered one by one
   * (a scan batch): a value problem inside an item is left to that item's own validation, so
   * it fails only that item; one anywhere else still fails the request.
   */
  static JsonObject body(RoutingContext ctx, int maxDepth, String itemsKey) {
    JsonBody.Parsed parsed = parse(ctx, maxDepth);
    String items = itemsKey + "[";
    List<FieldError> outside = parsed.problems().stream().filter(problem -> !problem.field().startsWith(items)).toList();
    if (!outside.isEmpty()) {
      throw ServiceFailure.invalid(outside);
    }
    return parsed.json();
  }

  private static JsonBody.Parsed parse(RoutingContext ctx, int maxDepth) {
    String contentType = ctx.request().getHeader("Content-Type");
    if (contentType != null && !contentType.toLowerCase(Locale.ROOT).contains("json")) {
      throw new ServiceFailure(415, "Unsupported media type", "send the body as application/json", List.of());
    }
    Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      throw ServiceFailure.badRequest("the request body must be a JSON object");
    }
    return JsonBody.parse(buffer, maxDepth);
  }

  /** A path parameter that must be a UUID; anything else cannot name a record: 404. */
  static UUID pathId(RoutingContext ctx, String name) {
    UUID id = Fields.parseUuid(ctx.pathParam(name));
    if (id == null) {
      throw ServiceFailure.notFound(name + " '" + JsonValues.printable(ctx.pathParam(name)) + "' is not a UUID");
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
