package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.CreateTable;
import com.maticsapp.scan.contract.CreateWorkspace;
import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** Workspaces, data tables and their columns. */
final class TableStore {

  /** The workspace and its creator's owner membership, together. */
  static final String INSERT_WORKSPACE = """
      WITH created AS (
        INSERT INTO workspaces (name, slug, created_by) VALUES ($1, $2, $3)
        RETURNING id, name, slug, created_at, created_by
      ), owner AS (
        INSERT INTO workspace_members (workspace_id, user_id, role, added_by)
        SELECT id, $3, 'owner', $3 FROM created
      )
      SELECT created.*, 'owner' AS role FROM created
      """;

  /** The workspaces the caller is a member of, with their role in each. */
  static final String SELECT_MY_WORKSPACES = """
      SELECT w.id, w.name, w.slug, w.created_at, w.created_by, m.role
      FROM workspace_members m
      JOIN workspaces w ON w.id = m.workspace_id
      WHERE m.user_id = $1
      ORDER BY w.created_at, w.id
      LIMIT $2
      """;

  /**
   * The table and all its columns in one statement, so a table never exists half-made; only
   * written when the caller ($7) is an owner or editor of the workspace, whose role is reported
   * either way.
   */
  static final String INSERT_TABLE = """
      WITH access AS (
        SELECT (SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $7) AS caller_role
      ), new_table AS (
        INSERT INTO data_tables (workspace_id, name, created_by)
        SELECT $1, $2, $7 FROM access WHERE caller_role = ANY (matic_roles('edit'))
        RETURNING id, workspace_id, name, created_at, updated_at, created_by
      ), new_columns AS (
        INSERT INTO table_columns (table_id, name, label, column_type, position, settings)
        SELECT new_table.id, c.name, c.label, c.column_type, c.ord - 1, c.settings::jsonb
        FROM new_table,
             unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS c(name, label, column_type, settings, ord)
        RETURNING id, name, label, column_type, position, settings
      )
      SELECT access.caller_role, t.id, t.workspace_id, t.name, t.created_at, t.updated_at, t.created_by,
             NULL::timestamptz AS archived_at, c.id AS column_id, c.name AS column_name, c.label, c.column_type, c.position, c.settings
      FROM access
      LEFT JOIN new_table t ON true
      LEFT JOIN new_columns c ON t.id IS NOT NULL
      ORDER BY c.position
      """;

  static final String SELECT_TABLE = """
      SELECT t.id, t.workspace_id, t.name, t.created_at, t.updated_at, t.created_by, t.archived_at,
             c.id AS column_id, c.name AS column_name, c.label, c.column_type, c.position, c.settings
      FROM data_tables t
      LEFT JOIN table_columns c ON c.table_id = t.id
      WHERE t.id = $1
      ORDER BY c.position
      """;

  /**
   * One page of a workspace's tables, oldest first, each with a summary of its columns and its
   * live-row count (kept by trigger, V11_1 migration). $2/$3: the last table of the previous
   * page (null for the first); $4: the page size plus one, to know whether another page follows;
   * $5: archived tables only (true) or live tables only (false).
   */
  static final String SELECT_WORKSPACE_TABLES = """
      SELECT t.id, t.workspace_id, t.name, t.created_at, t.updated_at, t.created_by, t.row_count, t.archived_at,
             coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id, 'name', c.name, 'label', c.label,
                                                           'column_type', c.column_type) ORDER BY c.position)
                       FROM table_columns c WHERE c.table_id = t.id), '[]') AS columns
      FROM data_tables t
      WHERE t.workspace_id = $1
        AND ($2::timestamptz IS NULL OR (t.created_at, t.id) > ($2, $3))
        AND (t.archived_at IS NOT NULL) = $5
      ORDER BY t.created_at, t.id
      LIMIT $4
      """;

  /** Column name → type, for checking row cells; no row means no such table. */
  static final String SELECT_COLUMN_TYPES = """
      SELECT c.name, c.column_type
      FROM data_tables t
      LEFT JOIN table_columns c ON c.table_id = t.id
      WHERE t.id = $1
      """;

  private final SqlClient client;

  TableStore(SqlClient client) {
    this.client = client;
  }

  Future<JsonObject> createWorkspace(CreateWorkspace request, Caller caller) {
    return client.preparedQuery(INSERT_WORKSPACE).execute(Tuple.of(request.name(), request.slug(), caller.actor()))
        .recover(failure -> Future.failedFuture(isSqlState(failure, "23505")
            ? ServiceFailure.conflict("a workspace with slug '" + request.slug() + "' already exists")
            : failure))
        .map(rows -> workspaceJson(rows.iterator().next()));
  }

  /** {@code {workspaces: [...]}}: the caller's workspaces, oldest first. */
  Future<JsonObject> myWorkspaces(Caller caller, int limit) {
    return client.preparedQuery(SELECT_MY_WORKSPACES).execute(Tuple.of(caller.memberId(), limit)).map(rows -> {
      JsonArray workspaces = new JsonArray();
      rows.forEach(row -> workspaces.add(workspaceJson(row)));
      return new JsonObject().put("workspaces", workspaces);
    });
  }

  private static JsonObject workspaceJson(Row row) {
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("name", row.getString("name"))
        .put("slug", row.getString("slug"))
        .put("role", row.getString("role"))
        .put("created_by", row.getString("created_by"))
        .put("created_at", SqlValues.time(row, "created_at"));
  }

  /** {@code {tables, next_cursor}}: one keyset page of the workspace's tables. */
  Future<JsonObject> workspaceTables(UUID workspaceId, int limit, String after, boolean archived) {
    Cursor cursor = Cursor.decode(after, "after");
    Tuple params = Tuple.of(workspaceId, cursor == null ? null : cursorTime(cursor.key()),
        cursor == null ? null : cursor.id(), limit + 1, archived);
    return client.preparedQuery(SELECT_WORKSPACE_TABLES).execute(params).map(rows -> SqlValues.page(rows, limit, "tables",
        row -> new JsonObject()
            .put("id", SqlValues.uuid(row, "id"))
            .put("workspace_id", SqlValues.uuid(row, "workspace_id"))
            .put("name", row.getString("name"))
            .put("columns", row.getValue("columns"))
            .put("row_count", row.getLong("row_count"))
            .put("archived_at", SqlValues.time(row, "archived_at"))
            .put("created_by", row.getString("created_by"))
            .put("created_at", SqlValues.time(row, "created_at"))
            .put("updated_at", SqlValues.time(row, "updated_at")),
        row -> row.getOffsetDateTime("created_at").toString()));
  }

  private static OffsetDateTime cursorTime(String key) {
    try {
      return OffsetDateTime.parse(key);
    } catch (DateTimeParseException e) {
      throw ServiceFailure.invalid("after", "is not a cursor returned by this API");
    }
  }

  Future<JsonObject> createTable(CreateTable request, Caller caller) {
    int n = request.columns().size();
    String[] names = new String[n];
    String[] labels = new String[n];
    String[] types = new String[n];
    String[] settings = new String[n];
    for (int i = 0; i < n; i++) {
      CreateTable.Column column = request.columns().get(i);
      names[i] = column.name();
      labels[i] = column.label();
      types[i] = column.columnType();
      settings[i] = column.settings().encode();
    }
    Tuple params = Tuple.of(request.workspaceId(), request.name())
        .addArrayOfString(names).addArrayOfString(labels).addArrayOfString(types).addArrayOfString(settings)
        .addString(caller.memberId());
    return client.preparedQuery(INSERT_TABLE).execute(params)
        .recover(failure -> Future.failedFuture(isSqlState(failure, "23503")
            ? ServiceFailure.notFound("workspace " + request.workspaceId() + " does not exist")
            : failure))
        .map(rows -> {
          Permission.EDIT.require(rows.iterator().next().getString("caller_role"), null,
              "workspace " + request.workspaceId() + " does not exist");
          return toJson(rows);
        });
  }

  Future<JsonObject> getTable(UUID tableId) {
    return client.preparedQuery(SELECT_TABLE).execute(Tuple.of(tableId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("table " + tableId + " does not exist");
      }
      return toJson(rows);
    });
  }

  /** The table's column types by name; fails with 404 when the table does not exist. */
  Future<Map<String, String>> columnTypes(UUID tableId) {
    return client.preparedQuery(SELECT_COLUMN_TYPES).execute(Tuple.of(tableId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("table " + tableId + " does not exist");
      }
      Map<String, String> types = new HashMap<>();
      rows.forEach(row -> {
        if (row.getString("name") != null) {
          types.put(row.getString("name"), row.getString("column_type"));
        }
      });
      return types;
    });
  }

  private static JsonObject toJson(RowSet<Row> rows) {
    Row first = rows.iterator().next();
    JsonArray columns = new JsonArray();
    for (Row row : rows) {
      if (row.getUUID("column_id") != null) {
        columns.add(new JsonObject()
            .put("id", SqlValues.uuid(row, "column_id"))
            .put("name", row.getString("column_name"))
            .put("label", row.getString("label"))
            .put("column_type", row.getString("column_type"))
            .put("position", row.getInteger("position"))
            .put("settings", row.getValue("settings")));
      }
    }
    return new JsonObject()
        .put("id", SqlValues.uuid(first, "id"))
        .put("workspace_id", SqlValues.uuid(first, "workspace_id"))
        .put("name", first.getString("name"))
        .put("columns", columns)
        .put("archived_at", SqlValues.time(first, "archived_at"))
        .put("created_by", first.getString("created_by"))
        .put("created_at", SqlValues.time(first, "created_at"))
        .put("updated_at", SqlValues.time(first, "updated_at"));
  }

  static boolean isSqlState(Throwable failure, String state) {
    return failure instanceof PgException pg && state.equals(pg.getSqlState());
  }
}
