package com.maticsapp.scan.contract;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A failure with an HTTP-like status, raised by a service and carried over the event bus as
 * a {@link ReplyException} whose message is a JSON problem document. The HTTP verticle turns
 * it into {@code application/problem+json}; event-bus consumers read it with
 * {@link #problemOf(ReplyException)}.
 */
public final class ServiceFailure extends RuntimeException {

  /** One invalid input field: {@code field} is a JSON path such as {@code scans[3].barcode}. */
  public record FieldError(String field, String message) {
    public JsonObject toJson() {
      return new JsonObject().put("field", field).put("message", message);
    }
  }

  private final int status;
  private final String title;
  private final List<FieldError> errors;

  public ServiceFailure(int status, String title, String detail, List<FieldError> errors) {
    super(detail, null, false, false);
    this.status = status;
    this.title = title;
    this.errors = List.copyOf(errors);
  }

  public static ServiceFailure badRequest(String detail) {
    return new ServiceFailure(400, "Bad request", detail, List.of());
  }

  public static ServiceFailure notFound(String detail) {
    return new ServiceFailure(404, "Not found", detail, List.of());
  }

  /** The caller's credential is missing, malformed, expired or not ours: answered with WWW-Authenticate. */
  public static ServiceFailure unauthorized(String detail) {
    return new ServiceFailure(401, "Unauthorized", detail, List.of());
  }

  /** The caller is known and may see the thing, but not do this to it. */
  public static ServiceFailure forbidden(String detail) {
    return new ServiceFailure(403, "Forbidden", detail, List.of());
  }

  public static ServiceFailure tooManyRequests(String detail) {
    return new ServiceFailure(429, "Too many requests", detail, List.of());
  }

  /** 404: the table has no such column, named by id or (when no id was given) by name. */
  public static ServiceFailure noSuchColumn(java.util.UUID tableId, java.util.UUID columnId, String columnName) {
    return notFound("table " + tableId + " has no column " + (columnId != null ? columnId : "named '" + columnName + "'"));
  }

  public static ServiceFailure conflict(String detail) {
    return new ServiceFailure(409, "Conflict", detail, List.of());
  }

  public static ServiceFailure invalid(List<FieldError> errors) {
    String detail = errors.size() == 1
        ? errors.get(0).field() + ": " + errors.get(0).message()
        : errors.size() + " fields are invalid";
    return new ServiceFailure(422, "Invalid request", detail, errors);
  }

  public static ServiceFailure invalid(String field, String message) {
    return invalid(List.of(new FieldError(field, message)));
  }

  public static ServiceFailure unavailable(String detail) {
    return new ServiceFailure(503, "Service unavailable", detail, List.of());
  }

  public static ServiceFailure timeout(String detail) {
    return new ServiceFailure(504, "Deadline exceeded", detail, List.of());
  }

  /** The same failure with every field error placed under {@code path} (e.g. "scans[3]"). */
  public ServiceFailure under(String path) {
    if (errors.isEmpty() || errors.stream().allMatch(error -> error.field().startsWith(path))) {
      return this;
    }
    List<FieldError> moved = errors.stream()
        .map(error -> error.field().startsWith(path) ? error : new FieldError(path + "." + error.field(), error.message()))
        .toList();
    return new ServiceFailure(status, title, moved.size() == 1 ? moved.get(0).field() + ": " + moved.get(0).message()
        : getMessage(), moved);
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public List<FieldError> errors() {
    return errors;
  }

  public JsonObject toProblem() {
    JsonObject problem = new JsonObject().put("title", title).put("status", status).put("detail", getMessage());
    if (!errors.isEmpty()) {
      JsonArray list = new JsonArray();
      errors.forEach(error -> list.add(error.toJson()));
      problem.put("errors", list);
    }
    return problem;
  }

  /** Fails an event-bus request with this failure. */
  public void failReply(Message<?> message) {
    message.fail(status, toProblem().encode());
  }

  /** The failure a service sent back over the event bus, as the service raised it. */
  public static ServiceFailure of(ReplyException failure) {
    JsonObject problem = problemOf(failure);
    int status = failure.failureCode() >= 400 && failure.failureCode() <= 599 ? failure.failureCode() : 500;
    List<FieldError> errors = new java.util.ArrayList<>();
    JsonArray list = problem.getJsonArray("errors");
    if (list != null) {
      for (int i = 0; i < list.size(); i++) {
        JsonObject error = list.getJsonObject(i);
        errors.add(new FieldError(error.getString("field"), error.getString("message")));
      }
    }
    return new ServiceFailure(status, problem.getString("title", status >= 500 ? "Internal error" : "Request failed"),
        problem.getString("detail", ""), errors);
  }

  /** The problem document carried by a failed reply (a plain message becomes its detail). */
  public static JsonObject problemOf(ReplyException failure) {
    String message = failure.getMessage();
    if (message != null && message.startsWith("{")) {
      try {
        return new JsonObject(message);
      } catch (RuntimeException notJson) {
        // fall through: a foreign consumer's plain-text failure
      }
    }
    return new JsonObject().put("detail", message == null ? "" : message);
  }
}
