package com.maticsapp.scan.contract;

import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The settings of a column, scan rules included, checked against the table's columns when
 * they are set (docs/scan-rules.md is the format). The rules themselves are applied by the
 * scan statement in the database (ScanStore.RECORD_SCANS), which reads them from the stored
 * settings; this class only decides what may be stored.
 */
public final class ScanRules {

  public static final Set<String> MODES = Set.of("count", "once", "entry_exit");
  public static final Set<String> OPERATORS = Set.of("equals", "in", "not_empty", "is_true", "is_false");
  /** Where an on_accept action takes its value from, when it is not a constant. */
  public static final Set<String> SOURCES = Set.of("scanned_at", "scanner", "device", "input");
  /** Every key a barcode column's settings may hold. */
  public static final Set<String> BARCODE_KEYS =
      Set.of("normalization", "mode", "valid_from", "valid_until", "accept_if", "display_columns", "on_accept");
  /** The scan-rule keys, refused on any column but a barcode column. */
  public static final Set<String> RULE_KEYS =
      Set.of("mode", "valid_from", "valid_until", "accept_if", "display_columns", "on_accept");

  public static final int MAX_CONDITIONS = 20;
  public static final int MAX_ACTIONS = 20;
  public static final int MAX_DISPLAY_COLUMNS = 50;
  public static final int MAX_IN_VALUES = 100;
  public static final Pattern INPUT_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private ScanRules() {}

  /**
   * Checks one column's settings (its type {@code type}) against the table's columns
   * ({@code columnTypes}, name → type, this column included); errors go under {@code path}
   * (e.g. "settings" or "columns[2].settings"). Returns the settings to store: a copy, with
   * the barcode normalisation filled in.
   */
  public static JsonObject check(String type, JsonObject settings, Map<String, String> columnTypes, String path,
                                 List<FieldError> errors) {
    JsonObject stored = settings == null ? new JsonObject() : settings.copy();
    if (!"barcode".equals(type)) {
      for (String key : stored.fieldNames()) {
        if (RULE_KEYS.contains(key)) {
          errors.add(new FieldError(path + "." + key, "applies to barcode columns only"));
        }
      }
      return stored;
    }
    for (String key : stored.fieldNames()) {
      if (!BARCODE_KEYS.contains(key)) {
        errors.add(new FieldError(path + "." + key, "is not a setting of a barcode column (one of "
            + String.join(", ", BARCODE_KEYS.stream().sorted().toList()) + ")"));
      }
    }
    Object normalization = stored.getValue("normalization", "exact");
    if (!CreateTable.NORMALIZATIONS.contains(normalization)) {
      errors.add(new FieldError(path + ".normalization", "must be exact or gtin"));
    }
    stored.put("normalization", normalization);
    Object mode = stored.getValue("mode");
    if (mode != null && !MODES.contains(mode)) {
      errors.add(new FieldError(path + ".mode", "must be one of count, entry_exit, once"));
    }
    OffsetDateTime from = time(stored, "valid_from", path, errors);
    OffsetDateTime until = time(stored, "valid_until", path, errors);
    if (from != null && until != null && !until.isAfter(from)) {
      errors.add(new FieldError(path + ".valid_until", "must be after valid_from"));
    }
    conditions(stored.getValue("accept_if"), columnTypes, path + ".accept_if", errors);
    displayColumns(stored.getValue("display_columns"), columnTypes, path + ".display_columns", errors);
    actions(stored.getValue("on_accept"), columnTypes, path + ".on_accept", errors);
    return stored;
  }

  private static OffsetDateTime time(JsonObject settings, String key, String path, List<FieldError> errors) {
    Object value = settings.getValue(key);
    if (value == null) {
      return null;
    }
    try {
      if (value instanceof String text) {
        return OffsetDateTime.parse(text);
      }
    } catch (DateTimeParseException e) {
      // reported below
    }
    errors.add(new FieldError(path + "." + key, "must be an ISO-8601 timestamp with an offset, e.g. 2026-12-02T18:00:00Z"));
    return null;
  }

  private static void conditions(Object value, Map<String, String> columnTypes, String path, List<FieldError> errors) {
    if (value == null) {
      return;
    }
    if (!(value instanceof JsonArray list) || list.size() > MAX_CONDITIONS) {
      errors.add(new FieldError(path, "must be an array of at most " + MAX_CONDITIONS + " conditions"));
      return;
    }
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject condition)) {
        errors.add(new FieldError(at, "must be an object {column, op, value?, values?}"));
        continue;
      }
      for (String key : condition.fieldNames()) {
        if (!Set.of("column", "op", "value", "values").contains(key)) {
          errors.add(new FieldError(at + "." + key, "is not part of a condition (column, op, value, values)"));
        }
      }
      String columnType = column(condition, columnTypes, at, errors);
      Object op = condition.getValue("op");
      if (!OPERATORS.contains(op)) {
        errors.add(new FieldError(at + ".op", "must be one of equals, in, is_false, is_true, not_empty"));
        continue;
      }
      boolean hasValue = condition.containsKey("value");
      boolean hasValues = condition.containsKey("values");
      switch ((String) op) {
        case "equals" -> {
          if (hasValues) {
            errors.add(new FieldError(at + ".values", "belongs to op in; equals takes value"));
          }
          scalar(condition.getValue("value"), columnType, at + ".value", errors);
        }
        case "in" -> {
          if (hasValue) {
            errors.add(new FieldError(at + ".value", "belongs to op equals; in takes values"));
          }
          if (!(condition.getValue("values") instanceof JsonArray values) || values.isEmpty() || values.size() > MAX_IN_VALUES) {
            errors.add(new FieldError(at + ".values", "must be an array of 1 to " + MAX_IN_VALUES + " values"));
          } else {
            for (int k = 0; k < values.size(); k++) {
              scalar(values.getValue(k), columnType, at + ".values[" + k + "]", errors);
            }
          }
        }
        default -> {
          if (hasValue || hasValues) {
            errors.add(new FieldError(at + (hasValue ? ".value" : ".values"), "is not taken by op " + op));
          }
          if (!"not_empty".equals(op) && columnType != null && !"boolean".equals(columnType)) {
            errors.add(new FieldError(at + ".op", op + " applies to boolean columns only; " + condition.getValue("column")
                + " is a " + columnType + " column"));
          }
        }
      }
    }
  }

  /** A value a condition compares with: not null, and a value the column can hold. */
  private static void scalar(Object value, String columnType, String at, List<FieldError> errors) {
    if (value == null) {
      errors.add(new FieldError(at, "is required and must not be null (use not_empty or is_false for empty cells)"));
      return;
    }
    if (value instanceof JsonObject || value instanceof JsonArray) {
      errors.add(new FieldError(at, "must be a string, number or boolean"));
      return;
    }
    String problem = columnType == null ? null : CellRules.problem(columnType, value);
    if (problem != null) {
      errors.add(new FieldError(at, problem + " (the column is a " + columnType + " column)"));
    }
  }

  private static void displayColumns(Object value, Map<String, String> columnTypes, String path, List<FieldError> errors) {
    if (value == null) {
      return;
    }
    if (!(value instanceof JsonArray list) || list.size() > MAX_DISPLAY_COLUMNS) {
      errors.add(new FieldError(path, "must be an array of at most " + MAX_DISPLAY_COLUMNS + " column names"));
      return;
    }
    Set<Object> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Object name = list.getValue(i);
      String at = path + "[" + i + "]";
      if (!(name instanceof String text) || !columnTypes.containsKey(text)) {
        errors.add(new FieldError(at, "is not a column of this table"));
      } else if (!seen.add(name)) {
        errors.add(new FieldError(at, "is listed twice"));
      }
    }
  }

  private static void actions(Object value, Map<String, String> columnTypes, String path, List<FieldError> errors) {
    if (value == null) {
      return;
    }
    if (!(value instanceof JsonArray list) || list.size() > MAX_ACTIONS) {
      errors.add(new FieldError(path, "must be an array of at most " + MAX_ACTIONS + " actions"));
      return;
    }
    Set<String> targets = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject action)) {
        errors.add(new FieldError(at, "must be an object {column, value} or {column, from, input?}"));
        continue;
      }
      for (String key : action.fieldNames()) {
        if (!Set.of("column", "value", "from", "input").contains(key)) {
          errors.add(new FieldError(at + "." + key, "is not part of an action (column, value, from, input)"));
        }
      }
      String columnType = column(action, columnTypes, at, errors);
      if (columnType != null && !targets.add(action.getString("column"))) {
        errors.add(new FieldError(at + ".column", "is set by an earlier action already"));
      }
      boolean constant = action.containsKey("value");
      Object from = action.getValue("from");
      if (constant == (from != null)) {
        errors.add(new FieldError(at, "needs exactly one of value (a constant) or from (scanned_at, scanner, device, input)"));
        continue;
      }
      if (constant) {
        Object cell = action.getValue("value");
        if (cell instanceof JsonObject || cell instanceof JsonArray) {
          errors.add(new FieldError(at + ".value", "must be a string, number, boolean or null"));
        } else if (columnType != null && CellRules.problem(columnType, cell) != null) {
          errors.add(new FieldError(at + ".value", CellRules.problem(columnType, cell) + " (the column is a " + columnType + " column)"));
        }
        continue;
      }
      if (!SOURCES.contains(from)) {
        errors.add(new FieldError(at + ".from", "must be one of device, input, scanned_at, scanner"));
        continue;
      }
      if (action.containsKey("input") && !"input".equals(from)) {
        errors.add(new FieldError(at + ".input", "is taken by from: input only"));
      }
      if (columnType == null) {
        continue;
      }
      switch ((String) from) {
        case "scanned_at" -> {
          if (!Set.of("date", "text").contains(columnType)) {
            errors.add(new FieldError(at + ".from", "scanned_at goes into a date or text column; "
                + action.getValue("column") + " is a " + columnType + " column"));
          }
        }
        case "scanner", "device" -> {
          if (!"text".equals(columnType)) {
            errors.add(new FieldError(at + ".from", from + " goes into a text column; "
                + action.getValue("column") + " is a " + columnType + " column"));
          }
        }
        default -> {
          Object key = action.getValue("input", action.getValue("column"));
          if (!(key instanceof String text) || !INPUT_KEY.matcher(text).matches()) {
            errors.add(new FieldError(at + ".input", "must be 1 to 64 letters, digits, '_' or '-'"));
          }
          if ("date".equals(columnType)) {
            errors.add(new FieldError(at + ".from", "a date column takes no scan input (use scanned_at)"));
          }
        }
      }
    }
  }

  /** The type of the column a condition or action names; null (and an error) when there is none. */
  private static String column(JsonObject item, Map<String, String> columnTypes, String at, List<FieldError> errors) {
    Object name = item.getValue("column");
    String type = name instanceof String text ? columnTypes.get(text) : null;
    if (type == null) {
      errors.add(new FieldError(at + ".column", name == null ? "is required" : "is not a column of this table"));
    }
    return type;
  }
}
