package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.CellRules;
import com.maticsapp.scan.contract.ImportRequest;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * From a file's header and text cells to a row's {@code data}: which header is which column,
 * and each cell converted to its column's type. The converted cells are then held to
 * {@link CellRules}, the JSON API's own rules, so a file can put into a table exactly what the
 * API could and nothing else.
 *
 * <ul>
 *   <li>Headers match a column by explicit mapping, else by name or label, ignoring case, white
 *       space, {@code _} and {@code -} ("First name" finds {@code first_name}).</li>
 *   <li>Numbers in the file's convention: {@code 1234.5}, {@code 1,234.5}, or with a decimal comma
 *       {@code 1.234,5} / {@code 1 234,5}.</li>
 *   <li>Dates: ISO ({@code 2026-04-03}, with a time and offset), {@code 3.4.2026},
 *       {@code 03/04/2026} (day first unless {@code date_order=mdy}), {@code 2026/04/03}; a date
 *       with a time and no offset is read as UTC; XLSX serial numbers.</li>
 *   <li>Booleans: true/false, yes/no, y/n, 1/0 (any case).</li>
 *   <li>An empty cell is an empty cell (no key in {@code data}). A text cell that the export
 *       protected against formula injection (a leading {@code '} before {@code = + - @}, tab or
 *       CR) has that one {@code '} removed again, so an export imports back to what it was.</li>
 * </ul>
 */
final class ImportCells {

  /** A column of the target table. {@code normalization} is set for barcode columns only. */
  record Column(UUID id, String name, String label, String type, String normalization) {}

  /**
   * The headers the export adds besides the table's own columns; recognised and skipped, as
   * are its {@code scan_state:<column>:accepted|inside} columns.
   */
  static final Set<String> EXPORT_HEADERS = Set.of("row_id", "scan_count", "last_scanned_at", "archived");

  private static final Pattern PROTECTED_FORMULA = Pattern.compile("^'+[=+\\-@\t\r].*", Pattern.DOTALL);
  private static final DateTimeFormatter LOCAL_DATE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd[ ]['T']HH:mm[:ss][.SSS]");
  private static final LocalDate EXCEL_EPOCH = LocalDate.of(1899, 12, 30);

  private final Column[] byHeader;
  private final Column key;
  private final Map<String, String> columnTypes;
  private final boolean decimalComma;
  private final boolean dayFirst;
  private final boolean serialDates;
  private final JsonObject mappingReport;

  private ImportCells(Column[] byHeader, Column key, Map<String, String> columnTypes, boolean decimalComma,
                      boolean dayFirst, boolean serialDates, JsonObject mappingReport) {
    this.byHeader = byHeader;
    this.key = key;
    this.columnTypes = columnTypes;
    this.decimalComma = decimalComma;
    this.dayFirst = dayFirst;
    this.serialDates = serialDates;
    this.mappingReport = mappingReport;
  }

  /**
   * Matches the header to the columns. Problems that make the whole file unusable (a mapping
   * to no column, two headers for one column, an unknown header when refused, no header for
   * the upsert key) are added to {@code errors}, each on line 1.
   */
  static ImportCells forHeader(List<String> header, List<Column> columns, ImportRequest request, boolean serialDates,
                               char delimiter, List<JsonObject> errors) {
    Map<String, Column> byName = new HashMap<>();
    Map<String, Column> byLoose = new HashMap<>();
    for (Column column : columns) {
      byName.put(column.name(), column);
    }
    for (Column column : columns) {
      byLoose.putIfAbsent(loose(column.label()), column);
    }
    for (Column column : columns) {
      byLoose.put(loose(column.name()), column); // a name wins over another column's label
    }
    Column[] byHeader = new Column[header.size()];
    JsonArray mapped = new JsonArray();
    JsonArray unknown = new JsonArray();
    JsonArray skipped = new JsonArray();
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < header.size(); i++) {
      String title = stripBom(header.get(i)).strip();
      Column column;
      String explicit = request.mapping().get(title);
      if (explicit != null) {
        column = byName.get(explicit);
        if (column == null) {
          errors.add(error(1, title, "is mapped to '" + explicit + "', which is not a column of this table"));
          continue;
        }
      } else {
        column = byName.containsKey(title) ? byName.get(title) : byLoose.get(loose(title));
      }
      if (column == null) {
        if (title.isEmpty() || EXPORT_HEADERS.contains(title.toLowerCase(Locale.ROOT)) || title.startsWith("scan_state:")) {
          skipped.add(title);
        } else if (request.refuseUnknown()) {
          errors.add(error(1, title, "matches no column of this table (unknown_headers=refuse)"));
        } else {
          unknown.add(title);
        }
        continue;
      }
      String earlier = seen.put(column.name(), title);
      if (earlier != null) {
        errors.add(error(1, title, "is the column '" + column.name() + "' again (already header '" + earlier + "')"));
        continue;
      }
      byHeader[i] = column;
      mapped.add(new JsonObject().put("header", title).put("column", column.name()));
    }
    Column key = null;
    if (request.upsert()) {
      key = byName.get(request.key());
      if (key == null) {
        errors.add(error(1, request.key(), "the key '" + request.key() + "' is not a column of this table"));
      } else if (!seen.containsKey(key.name())) {
        errors.add(error(1, request.key(), "the file has no header for the key column '" + key.name() + "'"));
      }
    }
    Map<String, String> types = new HashMap<>();
    columns.forEach(column -> types.put(column.name(), column.type()));
    boolean decimalComma = request.decimalComma() != null ? request.decimalComma() : delimiter == ';';
    JsonObject report = new JsonObject().put("mapped", mapped).put("unknown", unknown).put("skipped", skipped);
    return new ImportCells(byHeader, key, types, decimalComma, request.dayFirst(), serialDates, report);
  }

  /** The upsert's key column; null for an append. */
  Column key() {
    return key;
  }

  /** Which header went to which column, and which were unknown or skipped. */
  JsonObject mappingReport() {
    return mappingReport;
  }

  /** The parsed row, or null when a cell is bad (each bad cell is added to {@code errors}). */
  Parsed convert(SheetReader.SourceRow row, List<JsonObject> errors, int maxErrors, long[] errorCount) {
    JsonObject data = new JsonObject();
    boolean bad = false;
    List<String> cells = row.cells();
    for (int i = 0; i < cells.size() && i < byHeader.length; i++) {
      Column column = byHeader[i];
      if (column == null) {
        continue;
      }
      String text = cells.get(i);
      Object value;
      String problem = null;
      try {
        value = text == null || text.isEmpty() ? null : convert(column, text);
      } catch (IllegalArgumentException e) {
        value = null;
        problem = e.getMessage();
      }
      if (problem == null && value != null) {
        List<FieldError> ruled = new ArrayList<>(1);
        CellRules.check(new JsonObject().put(column.name(), value), columnTypes, "", ruled);
        problem = ruled.isEmpty() ? null : ruled.get(0).message();
      }
      if (problem != null) {
        bad = true;
        errorCount[0]++;
        if (errors.size() < maxErrors) {
          errors.add(error(row.line(), column.name(), problem));
        }
        continue;
      }
      data.put(column.name(), value);
    }
    String keyValue = null;
    if (key != null) {
      Object cell = data.getValue(key.name());
      keyValue = cell == null ? null : cell.toString();
      if (keyValue == null && !bad) {
        bad = true;
        errorCount[0]++;
        if (errors.size() < maxErrors) {
          errors.add(error(row.line(), key.name(), "is empty: an upsert needs the key in every row"));
        }
      }
    }
    return bad ? null : new Parsed(row.line(), keyValue, data);
  }

  /** A converted row: its line, its upsert key (as text), its cells (empty ones as JSON null). */
  record Parsed(long line, String key, JsonObject data) {}

  private Object convert(Column column, String text) {
    return switch (column.type()) {
      case "number" -> number(text.strip());
      case "boolean" -> bool(text.strip());
      case "date" -> date(text.strip());
      case "email", "url" -> text.strip();
      default -> unprotect(text);
    };
  }

  private static final Pattern GROUPED_POINT = Pattern.compile("[+-]?\\d{1,3}(,\\d{3})+(\\.\\d+)?");
  private static final Pattern GROUPED_COMMA = Pattern.compile("[+-]?\\d{1,3}(\\.\\d{3})+(,\\d+)?");
  private static final Pattern PLAIN_NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

  /**
   * A number in the file's convention. Grouping separators are accepted only where they group
   * thousands, so {@code 1.5} in a decimal-comma file is refused rather than read as 15.
   */
  private BigDecimal number(String text) {
    String plain = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "");
    if (decimalComma) {
      plain = GROUPED_COMMA.matcher(plain).matches() ? plain.replace(".", "") : plain;
      plain = plain.contains(".") ? "!" : plain.replace(',', '.');
    } else {
      plain = GROUPED_POINT.matcher(plain).matches() ? plain.replace(",", "") : plain;
    }
    if (!PLAIN_NUMBER.matcher(plain).matches()) {
      throw new IllegalArgumentException("is not a number"
          + (decimalComma ? " with a decimal comma (1.234,5; see decimal=)" : " with a decimal point (1,234.5; see decimal=)"));
    }
    return new BigDecimal(plain);
  }

  private static Boolean bool(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "y", "1", "wahr", "ja", "oui", "x" -> Boolean.TRUE;
      case "false", "no", "n", "0", "falsch", "nein", "non" -> Boolean.FALSE;
      default -> throw new IllegalArgumentException("is not a boolean (true/false, yes/no, 1/0)");
    };
  }

  private String date(String text) {
    try {
      return LocalDate.parse(text).toString();
    } catch (DateTimeParseException notIsoDate) {
      // try the others
    }
    try {
      return OffsetDateTime.parse(text).toString();
    } catch (DateTimeParseException notIsoTimestamp) {
      // try the others
    }
    try {
      return LocalDateTime.parse(text, LOCAL_DATE_TIME).atOffset(ZoneOffset.UTC).toString();
    } catch (DateTimeParseException notLocal) {
      // try the others
    }
    if (serialDates && text.matches("\\d{1,6}(\\.\\d+)?")) {
      BigDecimal serial = new BigDecimal(text);
      LocalDate day = EXCEL_EPOCH.plusDays(serial.longValue());
      BigDecimal fraction = serial.subtract(new BigDecimal(serial.longValue()));
      if (fraction.signum() == 0) {
        return day.toString();
      }
      long seconds = fraction.multiply(BigDecimal.valueOf(86_400)).setScale(0, java.math.RoundingMode.HALF_UP).longValue();
      return day.atStartOfDay().plusSeconds(seconds).atOffset(ZoneOffset.UTC).toString();
    }
    String[] parts = text.split("[./-]");
    if (parts.length == 3 && text.matches("\\d{1,4}[./-]\\d{1,2}[./-]\\d{1,4}")) {
      try {
        int a = Integer.parseInt(parts[0]);
        int b = Integer.parseInt(parts[1]);
        int c = Integer.parseInt(parts[2]);
        if (parts[0].length() == 4) {
          return LocalDate.of(a, b, c).toString();
        }
        int year = parts[2].length() == 2 ? 2000 + c : c;
        boolean dayFirstHere = text.contains(".") || dayFirst;
        return (dayFirstHere ? LocalDate.of(year, b, a) : LocalDate.of(year, a, b)).toString();
      } catch (java.time.DateTimeException | NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException("is not a date (2026-04-03, 3.4.2026, "
        + (dayFirst ? "03/04/2026 day first" : "04/03/2026 month first") + ")");
  }

  /** Undoes the export's formula protection: one leading {@code '} before a formula character. */
  static String unprotect(String text) {
    return PROTECTED_FORMULA.matcher(text).matches() ? text.substring(1) : text;
  }

  private static String loose(String title) {
    return title.toLowerCase(Locale.ROOT).replaceAll("[\\s_\\-]+", "");
  }

  private static String stripBom(String title) {
    return title.startsWith("\ufeff") ? title.substring(1) : title;
  }

  /** A bad cell in the report: line, column, and why; never the cell's value (a
   * report is kept, and must not keep a copy of personal data). */
  static JsonObject error(long line, String column, String message) {
    return new JsonObject().put("line", line).put("column", column).put("message", message);
  }
}
