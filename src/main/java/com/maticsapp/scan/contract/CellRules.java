package com.maticsapp.scan.contract;

import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.json.JsonObject;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * What a cell of each column type may hold. Unknown keys are refused (a typo in a column
 * name would otherwise create an invisible cell). Null always means an empty cell.
 */
public final class CellRules {

  public static final int CELL_MAX_LENGTH = 10_000;

  private CellRules() {}

  /** Checks {@code data} against the table's columns (name → type); errors go under {@code path}. */
  public static void check(JsonObject data, Map<String, String> columnTypes, String path, List<FieldError> errors) {
    for (Map.Entry<String, Object> cell : data) {
      String field = path + "." + cell.getKey();
      String type = columnTypes.get(cell.getKey());
      if (type == null) {
        errors.add(new FieldError(field, "is not a column of this table"));
        continue;
      }
      String problem = problem(type, cell.getValue());
      if (problem != null) {
        errors.add(new FieldError(field, problem));
      }
    }
  }

  /** What is wrong with {@code value} in a column of {@code type}; null when it fits. */
  public static String problem(String type, Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String text) {
      // Characters (code points), as the scan statement's matic_cell_fits and the phones count them.
      if (text.length() > CELL_MAX_LENGTH && text.codePointCount(0, text.length()) > CELL_MAX_LENGTH) {
        return "must be at most " + CELL_MAX_LENGTH + " characters";
      }
      String problem = JsonValues.textProblem(text);
      if (problem != null) {
        return problem;
      }
    }
    if ((value instanceof Double number && !Double.isFinite(number)) || (value instanceof Float single && !Float.isFinite(single))) {
      return JsonValues.NOT_FINITE;
    }
    return switch (type) {
      case "number" -> value instanceof Number ? null : "must be a number";
      case "boolean" -> value instanceof Boolean ? null : "must be true or false";
      case "text", "barcode" -> value instanceof String || value instanceof Number ? null : "must be a string";
      case "select" -> value instanceof String ? null : "must be a string";
      case "email" -> value instanceof String text && text.matches("[^@\\s]+@[^@\\s]+") ? null : "must be an email address";
      case "url" -> value instanceof String text && text.matches("(?i)https?://\\S+") ? null : "must be an http(s) URL";
      case "date" -> value instanceof String text && isDate(text) ? null : "must be an ISO-8601 date or timestamp";
      default -> "has an unknown column type";
    };
  }

  private static boolean isDate(String text) {
    try {
      LocalDate.parse(text);
      return true;
    } catch (DateTimeParseException notADate) {
      try {
        OffsetDateTime.parse(text);
        return true;
      } catch (DateTimeParseException notATimestamp) {
        return false;
      }
    }
  }
}
