package com.maticsapp.scan.contract;

import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/** {@code {workspace_id, name, columns: [{name, label?, column_type, settings?}]}}. */
public record CreateTable(UUID workspaceId, String name, List<Column> columns) {

  public static final int MAX_COLUMNS = 200;
  public static final Set<String> COLUMN_TYPES =
      Set.of("text", "number", "date", "boolean", "email", "url", "select", "barcode");
  public static final Set<String> NORMALIZATIONS = Set.of("exact", "gtin");
  /** A column's settings: small and shallow (a normalisation, a list of select options). */
  public static final JsonValues.Bounds SETTINGS_BOUNDS = new JsonValues.Bounds(16_384, 8, 1_000);

  /** A column definition; a barcode column's settings hold its normalisation and scan rules ({@link ScanRules}). */
  public record Column(String name, String label, String columnType, JsonObject settings) {}

  public static CreateTable parse(JsonObject json) {
    Fields fields = Fields.of(json);
    UUID workspaceId = fields.uuid("workspace_id", true);
    String name = fields.string("name", true, 200);
    JsonArray columnsJson = fields.array("columns", true, MAX_COLUMNS);
    List<Column> columns = new ArrayList<>();
    if (columnsJson != null) {
      Set<String> names = new HashSet<>();
      for (int i = 0; i < columnsJson.size(); i++) {
        String path = "columns[" + i + "]";
        if (!(columnsJson.getValue(i) instanceof JsonObject columnJson)) {
          fields.errors().add(new FieldError(path, "must be a JSON object"));
          continue;
        }
        Column column = parseColumn(Fields.of(columnJson, path, fields.errors()));
        if (column != null && !names.add(column.name())) {
          fields.errors().add(new FieldError(path + ".name", "duplicates another column's name"));
        }
        columns.add(column);
      }
      // Scan rules name other columns, so they are checked once every column is known.
      Map<String, String> types = new HashMap<>();
      columns.stream().filter(Objects::nonNull).forEach(column -> types.putIfAbsent(column.name(), column.columnType()));
      for (int i = 0; i < columns.size(); i++) {
        Column column = columns.get(i);
        if (column != null) {
          columns.set(i, new Column(column.name(), column.label(), column.columnType(),
              ScanRules.check(column.columnType(), column.settings(), types, "columns[" + i + "].settings", fields.errors())));
        }
      }
    }
    fields.throwIfInvalid();
    return new CreateTable(workspaceId, name.strip(), columns);
  }

  /** One column definition; errors go to {@code fields}; null when it has any. */
  public static Column parseColumn(Fields fields) {
    int before = fields.errors().size();
    String name = fields.string("name", true, 100);
    if (name != null && !name.equals(name.strip())) {
      fields.error("name", "must not start or end with white space");
    }
    String label = fields.string("label", false, 200);
    String type = fields.string("column_type", true, 20);
    if (type != null && !COLUMN_TYPES.contains(type)) {
      fields.error("column_type", "must be one of " + String.join(", ", COLUMN_TYPES.stream().sorted().toList()));
    }
    JsonObject settings = fields.object("settings", false, SETTINGS_BOUNDS);
    settings = settings == null ? new JsonObject() : settings;
    if (fields.errors().size() > before) {
      return null;
    }
    return new Column(name, label == null ? name : label, type, settings);
  }
}
