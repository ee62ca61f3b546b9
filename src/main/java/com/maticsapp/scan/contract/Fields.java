package com.maticsapp.scan.contract;

import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Reads typed fields out of a JSON request object and collects every problem with its JSON
 * path, so one response lists all that is wrong instead of the first thing.
 */
public final class Fields {

  private final JsonObject json;
  private final String path;
  private final List<FieldError> errors;

  private Fields(JsonObject json, String path, List<FieldError> errors) {
    this.json = json;
    this.path = path;
    this.errors = errors;
  }

  /** Fields of a request body, or of one element inside it ({@code path} like "scans[2]"). */
  public static Fields of(JsonObject json, String path, List<FieldError> errors) {
    return new Fields(json, path, errors);
  }

  public static Fields of(JsonObject json) {
    return new Fields(json, "", new ArrayList<>());
  }

  public List<FieldError> errors() {
    return errors;
  }

  /** Throws a 422 listing every error collected so far, if there is any. */
  public void throwIfInvalid() {
    if (!errors.isEmpty()) {
      throw ServiceFailure.invalid(errors);
    }
  }

  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public void error(String key, String message) {
    errors.add(new FieldError(pathOf(key), message));
  }

  public boolean has(String key) {
    return json.getValue(key) != null;
  }

  public UUID uuid(String key, boolean required) {
    Object value = json.getValue(key);
    if (value == null) {
      if (required) {
        error(key, "is required");
      }
      return null;
    }
    UUID parsed = value instanceof String text ? parseUuid(text) : null;
    if (parsed == null) {
      error(key, "must be a UUID");
    }
    return parsed;
  }

  /**
   * The canonical 8-4-4-4-12 hex form only (UUID.fromString alone accepts "1-2-3-4-5").
   * Checked by hand: this runs several times per request, and a regex here showed up in
   * profiles.
   */
  /** The UUID under {@code key} of {@code json}, or the 422 that says it is missing or malformed. */
  public static UUID requiredUuid(JsonObject json, String key) {
    Fields fields = of(json);
    UUID value = fields.uuid(key, true);
    fields.throwIfInvalid();
    return value;
  }

  public static UUID parseUuid(String text) {
    if (text == null || text.length() != 36) {
      return null;
    }
    for (int i = 0; i < 36; i++) {
      char c = text.charAt(i);
      boolean ok = (i == 8 || i == 13 || i == 18 || i == 23)
          ? c == '-'
          : (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!ok) {
        return null;
      }
    }
    return UUID.fromString(text);
  }

  public String string(String key, boolean required, int maxLength) {
    Object value = json.getValue(key);
    if (value == null) {
      if (required) {
        error(key, "is required");
      }
      return null;
    }
    if (!(value instanceof String text)) {
      error(key, "must be a string");
      return null;
    }
    if (required && text.isBlank()) {
      error(key, "must not be blank");
      return null;
    }
    if (text.length() > maxLength) {
      error(key, "must be at most " + maxLength + " characters");
      return null;
    }
    String problem = JsonValues.textProblem(text);
    if (problem != null) {
      error(key, problem);
      return null;
    }
    return text;
  }

  public Boolean bool(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Boolean flag)) {
      error(key, "must be true or false");
      return null;
    }
    return flag;
  }

  /**
   * A whole number within {@code [min, max]}, compared exactly: a JSON integer arrives as an
   * Integer, Long or BigInteger and a number with a fraction or an exponent as a Double, and
   * none of them is ever squeezed through a double first (2^62 + 1 and 2^62 are the same
   * double, so a bound compared as doubles lets one over the maximum through). A Double
   * counts when it is whole and its exact value is within bounds ({@code 1e3} is 1000).
   */
  public Long integer(String key, long min, long max) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    Long exact = exactLong(value, min, max);
    if (exact == null) {
      error(key, "must be a whole number between " + min + " and " + max);
    }
    return exact;
  }

  /** {@code value} as a long when it is a whole number within {@code [min, max]}, else null. */
  public static Long exactLong(Object value, long min, long max) {
    long whole;
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      whole = ((Number) value).longValue();
    } else if (value instanceof BigInteger big) {
      if (big.bitLength() > 63) {
        return null;
      }
      whole = big.longValue();
    } else if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
      BigDecimal decimal;
      if (value instanceof BigDecimal given) {
        decimal = given;
      } else {
        double number = ((Number) value).doubleValue();
        if (!Double.isFinite(number)) {
          return null;
        }
        decimal = new BigDecimal(number);
      }
      try {
        whole = decimal.longValueExact();
      } catch (ArithmeticException notWholeOrTooBig) {
        return null;
      }
    } else {
      return null;
    }
    return whole >= min && whole <= max ? whole : null;
  }

  public OffsetDateTime timestamp(String key) {
    Object value = json.getValue(key);
    if (value == null) {
      return null;
    }
    if (value instanceof String text) {
      try {
        return OffsetDateTime.parse(text);
      } catch (DateTimeParseException e) {
        // reported below
      }
    }
    error(key, "must be an ISO-8601 timestamp with an offset, e.g. 2026-11-27T14:03:00Z");
    return null;
  }

  /** A JSON object within {@code bounds}, checked all the way down (see {@link JsonValues#problem}). */
  public JsonObject object(String key, boolean required, JsonValues.Bounds bounds) {
    Object value = json.getValue(key);
    if (value == null) {
      if (required) {
        error(key, "is required");
      }
      return null;
    }
    if (!(value instanceof JsonObject object)) {
      error(key, "must be a JSON object");
      return null;
    }
    FieldError problem = JsonValues.problem(object, pathOf(key), bounds);
    if (problem != null) {
      errors.add(problem);
      return null;
    }
    return object;
  }

  public JsonArray array(String key, boolean required, int maxItems) {
    Object value = json.getValue(key);
    if (value == null) {
      if (required) {
        error(key, "is required");
      }
      return null;
    }
    if (!(value instanceof JsonArray array)) {
      error(key, "must be an array");
      return null;
    }
    if (array.size() > maxItems) {
      error(key, "must have at most " + maxItems + " items");
      return null;
    }
    return array;
  }
}
