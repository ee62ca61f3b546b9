package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.CreateTable;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ScanRules;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Renaming a table, adding and removing columns (editors and owners); each answers with the table. */
final class TableEditOperations {

  private final TableEditStore store;
  private final TableStore tables;
  private final AccessStore access;

  TableEditOperations(TableEditStore store, TableStore tables, AccessStore access) {
    this.store = store;
    this.tables = tables;
    this.access = access;
  }

  /** {@code {table_id, name}} → the table. */
  Future<JsonObject> update(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    String name = fields.string("name", true, 200);
    for (String key : body.fieldNames()) {
      if (!List.of("table_id", "name").contains(key)) {
        fields.error(key, "cannot be changed here (only name)");
      }
    }
    fields.throwIfInvalid();
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> Future.succeededFuture())
        .compose(allowed -> store.rename(tableId, name.strip()))
        .compose(renamed -> tables.getTable(tableId));
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
    }).compose(added -> tables.getTable(tableId));
  }

  /** {@code {table_id, column_id}} → the table without it; its cells leave every row. */
  Future<JsonObject> removeColumn(Caller caller, JsonObject body) {
    UUID tableId = Fields.requiredUuid(body, "table_id");
    UUID columnId = Fields.requiredUuid(body, "column_id");
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> Future.succeededFuture())
        .compose(allowed -> store.removeColumn(tableId, columnId))
        .compose(removed -> tables.getTable(tableId));
  }
}
