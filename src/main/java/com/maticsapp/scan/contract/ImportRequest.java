package com.maticsapp.scan.contract;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * How to read an uploaded file into a table: {@code POST /api/tables/{table_id}/import}'s
 * query parameters, carried to the data verticle as a JSON object (see {@link #fromQuery}) and
 * stored with the job.
 *
 * @param format         {@code csv} or {@code xlsx}; from the Content-Type when not given
 * @param mode           {@code append} or {@code upsert}
 * @param key            the column an upsert matches rows by (typically the barcode column)
 * @param archiveMissing upsert only: archive the table's live rows whose key the file does not have
 * @param dryRun         validate and count, write nothing to the table
 * @param delimiter      the CSV field separator; null: detected from the header line
 * @param encoding       the CSV character set; null: detected (BOM, then UTF-8, else Windows-1252)
 * @param decimalComma   numbers are written {@code 1.234,5}; null: when the delimiter is {@code ;}
 * @param dayFirst       {@code 03/04/2026} is the 3rd of April ({@code date_order=dmy}, the default) or March 4th ({@code mdy})
 * @param refuseUnknown  a header that matches no column fails the import instead of being ignored
 * @param skipBadRows    rows with a bad cell are left out and reported instead of failing the import
 * @param mapping        explicit header → column name pairs, before matching by name or label
 * @param sheet          XLSX only: the sheet to read (default the first)
 */
public record ImportRequest(
    UUID tableId,
    String format,
    String mode,
    String key,
    boolean archiveMissing,
    boolean dryRun,
    Character delimiter,
    Charset encoding,
    Boolean decimalComma,
    boolean dayFirst,
    boolean refuseUnknown,
    boolean skipBadRows,
    Map<String, String> mapping,
    String sheet) {

  public static final String CSV = "csv";
  public static final String XLSX = "xlsx";
  public static final String APPEND = "append";
  public static final String UPSERT = "upsert";
  public static final String XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

  /** The query parameters an import understands, each with the JSON type it is carried as. */
  private static final Set<String> BOOLEAN_PARAMS = Set.of("archive_missing", "dry_run");
  private static final Set<String> STRING_PARAMS =
      Set.of("format", "mode", "key", "delimiter", "encoding", "decimal", "date_order", "unknown_headers", "on_error", "sheet", "mapping");
  private static final Map<String, Charset> ENCODINGS = Map.of(
      "utf-8", StandardCharsets.UTF_8,
      "utf-16", StandardCharsets.UTF_16,
      "utf-16le", StandardCharsets.UTF_16LE,
      "utf-16be", StandardCharsets.UTF_16BE,
      "windows-1252", Charset.forName("windows-1252"),
      "iso-8859-1", StandardCharsets.ISO_8859_1);

  public boolean upsert() {
    return UPSERT.equals(mode);
  }

  /**
   * The HTTP query parameters (and the body's Content-Type) as the JSON object the data
   * verticle parses; a parameter it does not know, or a malformed boolean or mapping, is a 422.
   */
  public static JsonObject fromQuery(UUID tableId, Map<String, String> query, String contentType) {
    JsonObject json = new JsonObject().put("table_id", tableId.toString());
    Fields fields = Fields.of(json);
    query.forEach((name, value) -> {
      if (BOOLEAN_PARAMS.contains(name)) {
        if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value)) {
          json.put(name, Boolean.parseBoolean(value.toLowerCase(Locale.ROOT)));
        } else {
          fields.error(name, "must be true or false");
        }
      } else if ("mapping".equals(name)) {
        try {
          json.put(name, new JsonObject(value));
        } catch (DecodeException | ClassCastException e) {
          fields.error(name, "must be a JSON object of header → column name, e.g. {\"E-mail\":\"email\"}");
        }
      } else if (STRING_PARAMS.contains(name)) {
        json.put(name, value);
      } else if (!"wait".equals(name)) {
        fields.error(name, "is not a parameter of an import");
      }
    });
    if (!json.containsKey("format") && contentType != null) {
      String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      if (media.equals(XLSX_MEDIA_TYPE)) {
        json.put("format", XLSX);
      } else if (media.equals("text/csv") || media.equals("text/plain") || media.equals("application/csv")) {
        json.put("format", CSV);
      }
    }
    fields.throwIfInvalid();
    return json;
  }

  /** The data side's reading of the request; every problem at once, as a 422. */
  public static ImportRequest parse(JsonObject json) {
    Fields fields = Fields.of(json);
    UUID tableId = fields.uuid("table_id", true);
    String format = oneOf(fields, "format", CSV, CSV, XLSX);
    String mode = oneOf(fields, "mode", APPEND, APPEND, UPSERT);
    String key = fields.string("key", false, 100);
    Boolean archive = fields.bool("archive_missing");
    Boolean dryRun = fields.bool("dry_run");
    if (UPSERT.equals(mode) && key == null) {
      fields.error("key", "is required for mode=upsert: the column rows are matched by");
    }
    if (!UPSERT.equals(mode) && (key != null || Boolean.TRUE.equals(archive))) {
      fields.error(key != null ? "key" : "archive_missing", "applies to mode=upsert only");
    }
    Character delimiter = null;
    String separator = fields.string("delimiter", false, 5);
    if (separator != null) {
      switch (separator) {
        case ",", ";", "|" -> delimiter = separator.charAt(0);
        case "\t", "tab", "\\t" -> delimiter = '\t';
        default -> fields.error("delimiter", "must be one of , ; | or tab");
      }
    }
    Charset encoding = null;
    String encodingName = fields.string("encoding", false, 20);
    if (encodingName != null) {
      encoding = ENCODINGS.get(encodingName.toLowerCase(Locale.ROOT));
      if (encoding == null) {
        fields.error("encoding", "must be one of " + String.join(", ", ENCODINGS.keySet().stream().sorted().toList()));
      }
    }
    String decimal = oneOf(fields, "decimal", null, ".", ",");
    String dateOrder = oneOf(fields, "date_order", "dmy", "dmy", "mdy");
    String unknown = oneOf(fields, "unknown_headers", "ignore", "ignore", "refuse");
    String onError = oneOf(fields, "on_error", "abort", "abort", "skip");
    String sheet = fields.string("sheet", false, 100);
    Map<String, String> mapping = new LinkedHashMap<>();
    Object mappingJson = json.getValue("mapping");
    if (mappingJson instanceof JsonObject pairs) {
      pairs.forEach(pair -> {
        if (pair.getValue() instanceof String column && !column.isBlank() && pair.getKey().length() <= 200) {
          mapping.put(pair.getKey(), column);
        } else {
          fields.error("mapping." + pair.getKey(), "must be the name of a column");
        }
      });
    } else if (mappingJson != null) {
      fields.error("mapping", "must be a JSON object of header → column name");
    }
    fields.throwIfInvalid();
    return new ImportRequest(tableId, format, mode, key, Boolean.TRUE.equals(archive), Boolean.TRUE.equals(dryRun),
        delimiter, encoding, decimal == null ? null : ",".equals(decimal), "dmy".equals(dateOrder),
        "refuse".equals(unknown), "skip".equals(onError), Map.copyOf(mapping), sheet);
  }

  /** The options as stored with the job and shown in its report. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("format", format)
        .put("mode", mode)
        .put("key", key)
        .put("archive_missing", archiveMissing)
        .put("dry_run", dryRun)
        .put("delimiter", delimiter == null ? null : delimiter.toString())
        .put("encoding", encoding == null ? null : encoding.name())
        .put("decimal", decimalComma == null ? null : decimalComma ? "," : ".")
        .put("date_order", dayFirst ? "dmy" : "mdy")
        .put("unknown_headers", refuseUnknown ? "refuse" : "ignore")
        .put("on_error", skipBadRows ? "skip" : "abort")
        .put("sheet", sheet);
    JsonObject pairs = new JsonObject();
    mapping.forEach(pairs::put);
    return json.put("mapping", pairs);
  }

  private static String oneOf(Fields fields, String key, String fallback, String... allowed) {
    String value = fields.string(key, false, 40);
    if (value == null) {
      return fallback;
    }
    String lower = value.toLowerCase(Locale.ROOT);
    if (!List.of(allowed).contains(lower)) {
      fields.error(key, "must be one of " + String.join(", ", allowed));
      return fallback;
    }
    return lower;
  }
}
