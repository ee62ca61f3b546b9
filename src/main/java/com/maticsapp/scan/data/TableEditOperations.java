package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.config.TransferConfig;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.CreateTable;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ScanRules;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Editing a table (editors and owners): renaming and archiving it, adding, changing and removing
 * columns. Each change is one statement ({@link TableEditStore}) and, once made, is published on
 * {@link Addresses#TABLES_CHANGED} so the table's live streams tell their clients.
 */
final class TableEditOperations {

  /** The keys a column change may hold; the first two say which column. */
  private static final List<String> COLUMN_CHANGE_KEYS =
      List.of("table_id", "column_id", "name", "label", "position", "column_type", "settings", "dry_run");

  private final Vertx vertx;
  private final TableEditStore store;
  private final TableStore tables;
  private final ColumnStore columns;
  private final AccessStore access;
  private final TransferConfig transfer;

  TableEditOperations(Vertx vertx, TableEditStore store, TableStore tables, ColumnStore columns, AccessStore access,
                      TransferConfig transfer) {
    this.vertx = vertx;
    this.store = store;
    this.tables = tables;
    this.columns = columns;
    this.access = access;
    this.transfer = transfer;
  }

  /** {@code {table_id, name?, archived?}} → the table. */
  Future<JsonObject> update(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    String name = fields.string("name", false, 200);
    Boolean archived = fields.bool("archived");
    for (String key : body.fieldNames()) {
      if (!List.of("table_id", "name", "archived").contains(key)) {
        fields.error(key, "cannot be changed here (only name and archived)");
      }
    }
    if (name == null && archived == null && fields.errors().isEmpty()) {
      fields.error("name", "nothing to change: give name or archived");
    }
    fields.throwIfInvalid();
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> Future.succeededFuture())
        .compose(allowed -> store.update(tableId, name == null ? null : name.strip(), archived))
        .compose(updated -> tables.getTable(tableId))
        .map(table -> published(table, "table"));
  }

  /** {@code {table_id, name, label?, column_type, settings?, position?}} → the table. */
  Future<JsonObject> addColumn(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    Long position = fields.integer("position", 0, CreateTable.MAX_COLUMNS);
    JsonObject definition = body.copy();
    definition.remove("table_id");
    definition.remove("position");
    CreateTable.Column column = CreateTable.parseColumn(Fields.of(definition, "", fields.errors()));
    fields.throwIfInvalid();
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> tables.columnTypes(tableId)).compose(types -> {
      if (types.size() >= CreateTable.MAX_COLUMNS) {
        throw ServiceFailure.invalid("name", "the table already has " + CreateTable.MAX_COLUMNS + " columns");
      }
      Map<String, String> withNew = new HashMap<>(types);
      withNew.put(column.name(), column.columnType());
      List<FieldError> errors = new ArrayList<>();
      JsonObject settings = ScanRules.check(column.columnType(), column.settings(), withNew, "settings", errors);
      if (!errors.isEmpty()) {
        throw ServiceFailure.invalid(errors);
      }
      return store.addColumn(tableId, column, settings, position == null ? null : position.intValue());
    }).compose(added -> tables.getTable(tableId)).map(table -> published(table, "columns"));
  }

  /** {@code {table_id, column_id}} → the table without it; its cells leave every row. */
  Future<JsonObject> removeColumn(Caller caller, JsonObject body) {
    UUID tableId = Fields.requiredUuid(body, "table_id");
    UUID columnId = Fields.requiredUuid(body, "column_id");
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> Future.succeededFuture())
        .compose(allowed -> store.removeColumn(tableId, columnId))
        .compose(removed -> tables.getTable(tableId))
        .map(table -> published(table, "columns"));
  }

  /**
   * {@code {table_id, column_id, name?, label?, position?, column_type?, settings?, dry_run?}} →
   * the column as it is now (or, for a dry run, would be) with {@code change}: what was or
   * would be converted, and the cells that do not convert. {@code settings} is a JSON merge at
   * the top level (a key set to null goes back to its default). The new column is checked as
   * a whole ({@link ScanRules}), and so is every other column's settings against the renamed
   * or retyped column, since scan rules name columns. Refused with 422 on {@code column_type}
   * when a cell does not convert, with nothing changed; 409 when the column changed since it
   * was read. History is never rewritten: earlier scans keep their decision and column name.
   */
  Future<JsonObject> changeColumn(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", true);
    JsonObject settingsChange = fields.object("settings", false, CreateTable.SETTINGS_BOUNDS);
    String name = fields.string("name", false, 100);
    if (name != null && !name.equals(name.strip())) {
      fields.error("name", "must not start or end with white space");
    }
    String label = fields.string("label", false, 200);
    String type = fields.string("column_type", false, 20);
    if (type != null && !CreateTable.COLUMN_TYPES.contains(type)) {
      fields.error("column_type", "must be one of " + String.join(", ", CreateTable.COLUMN_TYPES.stream().sorted().toList()));
    }
    Long position = fields.integer("position", 0, CreateTable.MAX_COLUMNS - 1);
    boolean dryRun = Boolean.TRUE.equals(fields.bool("dry_run"));
    for (String key : body.fieldNames()) {
      if (!COLUMN_CHANGE_KEYS.contains(key)) {
        fields.error(key, "cannot be changed (one of " + String.join(", ", COLUMN_CHANGE_KEYS.subList(2, COLUMN_CHANGE_KEYS.size())) + ")");
      }
    }
    if (settingsChange == null && name == null && label == null && type == null && position == null && fields.errors().isEmpty()) {
      fields.error("settings", "nothing to change: give name, label, position, column_type or settings");
    }
    fields.throwIfInvalid();
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> columns.columns(tableId)).compose(all -> {
      ColumnStore.Column before = all.stream().filter(c -> c.id().equals(columnId)).findFirst()
          .orElseThrow(() -> ServiceFailure.noSuchColumn(tableId, columnId, null));
      ColumnStore.Column after = changed(before, all, name, label, type, position, settingsChange);
      return store.changeColumn(tableId, before, after, dryRun, transfer.importMaxErrors()).map(change -> {
        if (!change.found()) {
          throw ServiceFailure.conflict("column " + columnId + " was changed at the same time; read it and retry");
        }
        if (!dryRun && !change.applied()) {
          throw ServiceFailure.invalid("column_type", change.notConverted() + " cells do not convert to " + after.type()
              + " (rows " + rowIds(change.notConvertedCells()) + "); correct them, or ask with dry_run for the whole list");
        }
        JsonObject answer = after.toJson().put("change", change.toJson(dryRun));
        if (!dryRun) {
          publish(tableId, "columns");
        }
        return answer;
      });
    });
  }

  /** The column after the change, checked; fails with 422 (or 409 for a name in use). */
  private static ColumnStore.Column changed(ColumnStore.Column before, List<ColumnStore.Column> all, String name,
                                            String label, String type, Long position, JsonObject settingsChange) {
    String newName = name == null ? before.name() : name;
    String newType = type == null ? before.type() : type;
    if (!newName.equals(before.name()) && all.stream().anyMatch(c -> c.name().equals(newName))) {
      throw ServiceFailure.conflict("the table already has a column named '" + newName + "'");
    }
    JsonObject merged = before.settings().copy();
    if (!"barcode".equals(newType)) {
      merged.remove("normalization"); // a barcode column's own setting; it goes with the type
    }
    if (settingsChange != null) {
      settingsChange.forEach(entry -> {
        if (entry.getValue() == null) {
          merged.remove(entry.getKey());
        } else {
          merged.put(entry.getKey(), entry.getValue());
        }
      });
    }
    Map<String, String> types = new HashMap<>();
    all.stream().filter(c -> !c.id().equals(before.id())).forEach(c -> types.put(c.name(), c.type()));
    types.put(newName, newType);
    List<FieldError> errors = new ArrayList<>();
    JsonObject settings = ScanRules.check(newType, merged, types, "settings", errors);
    String changedField = name != null && !newName.equals(before.name()) ? "name" : "column_type";
    for (ColumnStore.Column other : all) {
      if (other.id().equals(before.id())) {
        continue;
      }
      List<FieldError> theirs = new ArrayList<>();
      ScanRules.check(other.type(), other.settings(), types, "settings", theirs);
      theirs.forEach(error -> errors.add(new FieldError(changedField, "the scan rules of column '" + other.name()
          + "' would no longer hold (" + error.field() + ": " + error.message() + "); change them first")));
    }
    if (!errors.isEmpty()) {
      throw ServiceFailure.invalid(errors);
    }
    int newPosition = position == null ? before.position() : (int) Math.min(position, all.size() - 1);
    return new ColumnStore.Column(before.id(), newName, label == null ? before.label() : label, newType, newPosition, settings);
  }

  private static String rowIds(JsonArray cells) {
    List<String> ids = new ArrayList<>();
    cells.stream().limit(5).forEach(cell -> ids.add(((JsonObject) cell).getString("row_id")));
    return String.join(", ", ids) + (cells.size() > 5 ? ", …" : "");
  }

  /** The table as answered, after its change was published. */
  private JsonObject published(JsonObject table, String change) {
    publish(table.getString("id"), change);
    return table;
  }

  /** {@link Addresses#TABLES_CHANGED}: the live streams of the table tell their clients to read it again. */
  private void publish(Object tableId, String change) {
    vertx.eventBus().publish(Addresses.TABLES_CHANGED, new JsonObject().put("table_id", tableId.toString()).put("change", change));
  }
}
