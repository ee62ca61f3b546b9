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

/**
 * Changing a column's settings, scan rules included (PATCH /api/tables/{table_id}/columns/{column_id},
 * {@code data.columns.update}). Editors only. The change is a JSON merge at the top level of
 * the settings (a key set to null goes back to its default); the merged settings are checked
 * as a whole against the table's columns ({@link ScanRules}) and written only if nothing
 * changed them meanwhile. History is never rewritten: earlier scans keep the decision they got.
 */
final class ColumnOperations {

  private final ColumnStore columns;
  private final AccessStore access;

  ColumnOperations(ColumnStore columns, AccessStore access) {
    this.columns = columns;
    this.access = access;
  }

  /** {@code {table_id, column_id, settings}} → the column. */
  Future<JsonObject> updateColumn(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", true);
    JsonObject change = fields.object("settings", true, CreateTable.SETTINGS_BOUNDS);
    for (String key : body.fieldNames()) {
      if (!List.of("table_id", "column_id", "settings").contains(key)) {
        fields.error(key, "cannot be changed here (only settings)");
      }
    }
    fields.throwIfInvalid();
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> columns.columns(tableId)).compose(all -> {
      ColumnStore.Column column = all.stream().filter(c -> c.id().equals(columnId)).findFirst()
          .orElseThrow(() -> ServiceFailure.notFound("table " + tableId + " has no column " + columnId));
      JsonObject merged = column.settings().copy();
      change.forEach(entry -> {
        if (entry.getValue() == null) {
          merged.remove(entry.getKey());
        } else {
          merged.put(entry.getKey(), entry.getValue());
        }
      });
      Map<String, String> types = new HashMap<>();
      all.forEach(c -> types.put(c.name(), c.type()));
      List<FieldError> errors = new ArrayList<>();
      JsonObject settings = ScanRules.check(column.type(), merged, types, "settings", errors);
      if (!errors.isEmpty()) {
        throw ServiceFailure.invalid(errors);
      }
      return columns.updateSettings(tableId, column, settings).map(ColumnStore.Column::toJson);
    });
  }
}
