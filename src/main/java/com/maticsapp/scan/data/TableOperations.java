package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.CellRules;
import com.maticsapp.scan.contract.CreateTable;
import com.maticsapp.scan.contract.CreateWorkspace;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.JsonValues;
import com.maticsapp.scan.contract.RowChange;
import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import com.maticsapp.scan.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The workspace, table and row operations the data verticle serves, each on behalf of a
 * {@link Caller}: it reads the request, checks the caller's role ({@link Permission}), checks
 * cells against the table's columns where it writes them, and calls the stores. Reads are
 * retried on transient failures; writes without an idempotency key are not.
 */
final class TableOperations {

  private final TableStore tables;
  private final RowStore rows;
  private final AccessStore access;
  private final Retries retries;
  private final AppConfig.LimitsConfig limits;

  TableOperations(TableStore tables, RowStore rows, AccessStore access, Retries retries, AppConfig.LimitsConfig limits) {
    this.tables = tables;
    this.rows = rows;
    this.access = access;
    this.retries = retries;
    this.limits = limits;
  }

  /** Any user may create a workspace; they become its owner. */
  Future<JsonObject> createWorkspace(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    return tables.createWorkspace(CreateWorkspace.parse(body), caller);
  }

  Future<JsonObject> listWorkspaces(Caller caller, JsonObject body) {
    Permission.READ.requireCallerKind(caller);
    return retries.idempotent(() -> tables.myWorkspaces(caller, limits.pageMaxRows()));
  }

  /** Any member of the workspace may list its tables. */
  Future<JsonObject> listTables(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID workspaceId = fields.uuid("workspace_id", true);
    Long limit = fields.integer("limit", 1, limits.pageMaxRows());
    String after = fields.string("after", false, 200);
    Boolean archived = fields.bool("archived");
    fields.throwIfInvalid();
    int pageSize = limit == null ? 100 : limit.intValue();
    return retries.idempotent(() -> access.whenAllowedInWorkspace(caller, workspaceId, Permission.READ,
        () -> tables.workspaceTables(workspaceId, pageSize, after, Boolean.TRUE.equals(archived))));
  }

  Future<JsonObject> createTable(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    return tables.createTable(CreateTable.parse(body), caller);
  }

  Future<JsonObject> getTable(Caller caller, JsonObject body) {
    UUID tableId = Fields.requiredUuid(body, "table_id");
    return retries.idempotent(() -> guardedRead(caller, tableId, () -> tables.getTable(tableId)));
  }

  Future<JsonObject> getRow(Caller caller, JsonObject body) {
    UUID tableId = Fields.requiredUuid(body, "table_id");
    UUID rowId = Fields.requiredUuid(body, "row_id");
    return retries.idempotent(() -> guardedRead(caller, tableId, () -> rows.get(tableId, rowId)));
  }

  Future<JsonObject> createRow(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    JsonObject data = fields.object("data", true, JsonValues.Bounds.rowData(limits));
    fields.throwIfInvalid();
    return checkedWrite(caller, tableId, types -> {
      checkCells(data, types);
      return rows.insert(tableId, data, caller.actor(), types);
    });
  }

  Future<JsonObject> createRows(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    JsonArray items = fields.array("rows", true, limits.bulkMaxRows());
    if (items != null && items.isEmpty()) {
      fields.error("rows", "must not be empty");
    }
    fields.throwIfInvalid();
    JsonValues.Bounds bounds = JsonValues.Bounds.rowData(limits);
    return checkedWrite(caller, tableId, types -> {
      List<FieldError> errors = new ArrayList<>();
      List<JsonObject> data = new ArrayList<>(items.size());
      for (int i = 0; i < items.size() && errors.size() < 50; i++) {
        String path = "rows[" + i + "]";
        if (!(items.getValue(i) instanceof JsonObject item) || !(item.getValue("data") instanceof JsonObject cells)) {
          errors.add(new FieldError(path + ".data", "must be a JSON object"));
          continue;
        }
        FieldError problem = JsonValues.problem(cells, path + ".data", bounds);
        if (problem != null) {
          errors.add(problem);
          continue;
        }
        CellRules.check(cells, types, path + ".data", errors);
        data.add(cells);
      }
      if (!errors.isEmpty()) {
        throw ServiceFailure.invalid(errors);
      }
      return rows.insertAll(tableId, data, caller.actor(), types);
    });
  }

  Future<JsonObject> listRows(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    Long limit = fields.integer("limit", 1, limits.pageMaxRows());
    String after = fields.string("after", false, 200);
    Boolean includeArchived = fields.bool("include_archived");
    fields.throwIfInvalid();
    return retries.idempotent(() -> guardedRead(caller, tableId,
        () -> rows.page(tableId, Boolean.TRUE.equals(includeArchived), limit == null ? 100 : limit.intValue(), after)));
  }

  Future<JsonObject> updateRow(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID rowId = fields.uuid("row_id", true);
    fields.throwIfInvalid();
    RowChange change = RowChange.parse(body, limits);
    return checkedWrite(caller, tableId, types -> {
      if (change.data() != null) {
        checkCells(change.data(), types);
      }
      return rows.update(tableId, rowId, change, types);
    });
  }

  /** A read of one table's data, handed out only to a caller who may read the table. */
  Future<JsonObject> guardedRead(Caller caller, UUID tableId, Supplier<Future<JsonObject>> read) {
    return access.whenAllowed(caller, tableId, Permission.READ, read);
  }

  /**
   * The table's column types, once the caller is known to be an owner or editor of its
   * workspace; the write that follows waits for it.
   */
  private Future<Map<String, String>> editableColumns(Caller caller, UUID tableId) {
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> tables.columnTypes(tableId));
  }


  /**
   * A write whose cells are checked against the table's column types: read, checked, written.
   * When the columns changed in between (a column's type or name, see {@link RowStore#CURRENT_TYPES}),
   * the write wrote nothing; it is checked against the new columns and sent once more, and a
   * second change in that moment is a 409.
   */
  private Future<JsonObject> checkedWrite(Caller caller, UUID tableId,
                                          Function<Map<String, String>, Future<JsonObject>> write) {
    return editableColumns(caller, tableId).compose(write)
        .recover(failure -> failure instanceof RowStore.ColumnsChanged
            ? editableColumns(caller, tableId).compose(write)
            : Future.failedFuture(failure))
        .recover(failure -> Future.failedFuture(failure instanceof RowStore.ColumnsChanged
            ? ServiceFailure.conflict("the table's columns changed while the row was being written; check its cells and send it again")
            : failure));
  }

  /** A 422 listing every cell of {@code data} that does not fit the table's columns. */
  private static void checkCells(JsonObject data, Map<String, String> columnTypes) {
    List<FieldError> errors = new ArrayList<>();
    CellRules.check(data, columnTypes, "data", errors);
    if (!errors.isEmpty()) {
      throw ServiceFailure.invalid(errors);
    }
  }
}
