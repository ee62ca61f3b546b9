package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A table's columns and their settings (scan rules included). */
final class ColumnStore {

  /** Every column of the table; no row means no such table, one row with a null id a table without columns. */
  static final String SELECT_COLUMNS = """
      SELECT c.id, c.name, c.label, c.column_type, c.position, c.settings
      FROM data_tables t
      LEFT JOIN table_columns c ON c.table_id = t.id
      WHERE t.id = $1
      ORDER BY c.position
      """;

  /** One column as the API shows it. */
  record Column(UUID id, String name, String label, String type, int position, JsonObject settings) {
    JsonObject toJson() {
      return new JsonObject().put("id", id.toString()).put("name", name).put("label", label)
          .put("column_type", type).put("position", position).put("settings", settings);
    }
  }

  private final SqlClient client;

  ColumnStore(SqlClient client) {
    this.client = client;
  }

  Future<List<Column>> columns(UUID tableId) {
    return client.preparedQuery(SELECT_COLUMNS).execute(Tuple.of(tableId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("table " + tableId + " does not exist");
      }
      List<Column> columns = new ArrayList<>();
      rows.forEach(row -> {
        if (row.getUUID("id") != null) {
          columns.add(column(row));
        }
      });
      return columns;
    });
  }

  private static Column column(Row row) {
    return new Column(row.getUUID("id"), row.getString("name"), row.getString("label"), row.getString("column_type"),
        row.getInteger("position"), (JsonObject) row.getValue("settings"));
  }
}
