package com.maticsapp.scan.contract;

import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import com.maticsapp.scan.config.AppConfig.LimitsConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * What a JSON value must be to reach PostgreSQL unchanged, and how big a free-form object
 * (a scan's metadata, a row's data, a column's settings) may be.
 *
 * <p>Text must hold no NUL (PostgreSQL refuses U+0000 in text and jsonb) and no unpaired
 * surrogate (it has no UTF-8 form: the client would silently send '?' instead). Numbers must
 * be finite (a double out of range would be stored as the string "Infinity").
 */
public final class JsonValues {

  public static final String NOT_FINITE = "must be a finite number";
  private static final int PRINTABLE_MAX = 100;

  private JsonValues() {}

  /** Bounds of a free-form object: encoded size in UTF-8 bytes, nesting (the object is level 1), keys at all levels. */
  public record Bounds(int maxBytes, int maxDepth, int maxKeys) {

    /** A row's {@code data}: its cells are flat, so only the size and the general nesting bound apply. */
    public static Bounds rowData(LimitsConfig limits) {
      return new Bounds(limits.rowDataMaxBytes(), limits.jsonMaxDepth(), Integer.MAX_VALUE);
    }

    /** A scan's {@code metadata}. */
    public static Bounds metadata(LimitsConfig limits) {
      return new Bounds(limits.metadataMaxBytes(), limits.metadataMaxDepth(), limits.metadataMaxKeys());
    }
  }

  /** Null when {@code text} can be stored as it is; otherwise what is wrong with it. */
  public static String textProblem(String text) {
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (c > 0 && c < Character.MIN_SURROGATE) {
        continue;
      }
      if (c == 0) {
        return "must not contain NUL (U+0000) characters";
      }
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "must not contain unpaired surrogates (invalid Unicode)";
      }
    }
    return null;
  }

  /**
   * The first problem of {@code value} at {@code path} ("" for a whole request), or null: text
   * that cannot be stored in a key or a string, a number that is not finite, nesting deeper
   * than {@code maxDepth} (the object itself is level 1), or more than {@code maxKeys} keys
   * counted at every level. The walk stops at the depth bound, so any input is safe to check.
   */
  public static FieldError shapeProblem(JsonObject value, String path, int maxDepth, int maxKeys) {
    return new Walk(maxDepth, maxKeys).check(value, path, 1);
  }

  /** {@link #shapeProblem} within {@code bounds}, then the encoded size against {@code bounds.maxBytes}. */
  public static FieldError problem(JsonObject value, String path, Bounds bounds) {
    FieldError problem = shapeProblem(value, path, bounds.maxDepth(), bounds.maxKeys());
    if (problem == null && value.toBuffer().length() > bounds.maxBytes()) {
      problem = new FieldError(path, "must encode to at most " + bounds.maxBytes() + " bytes of JSON");
    }
    return problem;
  }

  /** A key as it may be shown in a field path: control characters escaped, long keys cut. */
  public static String printable(String key) {
    StringBuilder out = null;
    int n = Math.min(key.length(), PRINTABLE_MAX);
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
        if (out == null) {
          out = new StringBuilder(key.length() + 8).append(key, 0, i);
        }
        out.append(String.format("\\u%04x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    String shown = out == null ? key.substring(0, n) : out.toString();
    return key.length() > PRINTABLE_MAX ? shown + "…" : shown;
  }

  /** One walk over a value; counts keys across all levels. Paths are spelled out only for a problem. */
  private static final class Walk {
    private final int maxDepth;
    private final int maxKeys;
    private int keys;

    Walk(int maxDepth, int maxKeys) {
      this.maxDepth = maxDepth;
      this.maxKeys = maxKeys;
    }

    FieldError check(Object value, String path, int depth) {
      if (value instanceof JsonObject object) {
        if (depth > maxDepth) {
          return new FieldError(path, "nests deeper than " + maxDepth + " levels");
        }
        for (Map.Entry<String, Object> entry : object) {
          if (++keys > maxKeys) {
            return new FieldError(path, "must have at most " + maxKeys + " keys (counted at every level)");
          }
          String keyProblem = textProblem(entry.getKey());
          if (keyProblem != null) {
            return new FieldError(at(path, entry.getKey(), -1), "key " + keyProblem);
          }
          FieldError problem = member(entry.getValue(), path, entry.getKey(), -1, depth);
          if (problem != null) {
            return problem;
          }
        }
      } else if (value instanceof JsonArray array) {
        if (depth > maxDepth) {
          return new FieldError(path, "nests deeper than " + maxDepth + " levels");
        }
        for (int i = 0; i < array.size(); i++) {
          FieldError problem = member(array.getValue(i), path, null, i, depth);
          if (problem != null) {
            return problem;
          }
        }
      }
      return null;
    }

    /** A member {@code key} (or element {@code index}) of a container at {@code path}. */
    private FieldError member(Object value, String path, String key, int index, int depth) {
      if (value instanceof JsonObject || value instanceof JsonArray) {
        return check(value, at(path, key, index), depth + 1);
      }
      if (value instanceof String text) {
        String problem = textProblem(text);
        return problem == null ? null : new FieldError(at(path, key, index), problem);
      }
      if ((value instanceof Double number && !Double.isFinite(number)) || (value instanceof Float single && !Float.isFinite(single))) {
        return new FieldError(at(path, key, index), NOT_FINITE);
      }
      return null;
    }

    private static String at(String path, String key, int index) {
      if (key == null) {
        return path + "[" + index + "]";
      }
      return path.isEmpty() ? printable(key) : path + "." + printable(key);
    }
  }
}
