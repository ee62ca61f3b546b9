package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The columns of a table made from a file (docs/import-export.md, "A table from a file"): one
 * per header, named after it, typed by what a sample of its cells holds. A type is chosen only
 * when every non-empty sampled cell fits it, in this order: boolean (yes/no, true/false, y/n;
 * not 0/1 alone, which are as likely counts), number, date, email; anything else, or a column
 * with no sampled value, is text. The caller names the barcode column. The import that follows
 * converts cells with the same rules as every import, so a cell past the sample that does not
 * fit its inferred type is reported by line, not guessed.
 */
final class ColumnInference {

  private static final Set<String> BOOLEAN_WORDS = Set.of("true", "false", "yes", "no", "y", "n");
  private static final Set<String> BOOLEAN_DIGITS = Set.of("1", "0");
  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d{1,3}([ ,.']\\d{3})+|\\d+)([.,]\\d+)?");
  private static final Pattern DATE = Pattern.compile(
      "\\d{4}-\\d{2}-\\d{2}([ T]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?|\\d{1,2}[./-]\\d{1,2}[./-]\\d{4}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
  private static final Pattern NOT_NAME = Pattern.compile("[^a-z0-9]+");

  private ColumnInference() {}

  /**
   * The table's columns as {@code POST /api/tables} takes them. {@code barcode} names the
   * barcode column by header (case and spaces ignored); 422 when no header is it.
   */
  static JsonArray columns(List<String> header, List<List<String>> sample, String barcode, String normalization) {
    JsonArray columns = new JsonArray();
    Set<String> names = new HashSet<>();
    String wanted = key(barcode);
    boolean found = false;
    for (int i = 0; i < header.size(); i++) {
      String label = header.get(i) == null ? "" : header.get(i).strip();
      String name = unique(nameOf(label, i), names);
      JsonObject column = new JsonObject().put("name", name).put("label", label.isEmpty() ? name : truncate(label, 200));
      if (!found && (key(label).equals(wanted) || name.equals(wanted))) {
        found = true;
        column.put("column_type", "barcode").put("settings", new JsonObject().put("normalization", normalization));
      } else {
        column.put("column_type", typeOf(sample, i));
      }
      columns.add(column);
    }
    if (!found) {
      throw ServiceFailure.invalid("barcode", "no header of the file is '" + barcode + "'; the headers are " + header);
    }
    return columns;
  }

  /** The type every non-empty sampled cell of column {@code index} fits; text when none or no type fits all. */
  static String typeOf(List<List<String>> sample, int index) {
    List<String> values = new ArrayList<>();
    for (List<String> row : sample) {
      String cell = index < row.size() && row.get(index) != null ? row.get(index).strip() : "";
      if (!cell.isEmpty()) {
        values.add(cell.toLowerCase(Locale.ROOT));
      }
    }
    if (values.isEmpty()) {
      return "text";
    }
    if (values.stream().allMatch(v -> BOOLEAN_WORDS.contains(v) || BOOLEAN_DIGITS.contains(v))
        && values.stream().anyMatch(BOOLEAN_WORDS::contains)) {
      return "boolean";
    }
    if (values.stream().allMatch(v -> NUMBER.matcher(v).matches())) {
      return "number";
    }
    if (values.stream().allMatch(v -> DATE.matcher(v).matches())) {
      return "date";
    }
    if (values.stream().allMatch(v -> EMAIL.matcher(v).matches())) {
      return "email";
    }
    return "text";
  }

  /** A header as a column name: lower case, runs of anything but letters and digits as one '_'. */
  static String nameOf(String header, int index) {
    String name = NOT_NAME.matcher(header.toLowerCase(Locale.ROOT)).replaceAll("_").replaceAll("^_+|_+$", "");
    return truncate(name.isEmpty() ? "column_" + (index + 1) : name, 90);
  }

  private static String unique(String name, Set<String> taken) {
    String candidate = name;
    for (int n = 2; !taken.add(candidate); n++) {
      candidate = name + "_" + n;
    }
    return candidate;
  }

  private static String key(String text) {
    return text == null ? "" : text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max);
  }
}
