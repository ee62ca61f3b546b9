package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.CreateTable;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Editing a table after it was created, each change one statement, so none can be left half
 * done. The barcode index follows by the V1 triggers inside the same statement (a removed
 * column's index entries go with it by foreign key; rows that lose a cell are re-indexed).
 */
final class TableEditStore {

  static final String RENAME_TABLE = """
      UPDATE data_tables SET name = $2, updated_at = now() WHERE id = $1 RETURNING id
      """;

  /**
   * A new column, at {@code $6} (the columns from there on move one place right) or last; no
   * row has a cell for it yet.
   */
  static final String ADD_COLUMN = """
      WITH shifted AS (
        UPDATE table_columns SET position = position + 1
        WHERE table_id = $1 AND $6::integer IS NOT NULL AND position >= $6
        RETURNING id
      ), added AS (
        INSERT INTO table_columns (table_id, name, label, column_type, position, settings)
        SELECT $1, $2, $3, $4,
               coalesce($6, (SELECT coalesce(max(position) + 1, 0) FROM table_columns WHERE table_id = $1)), $5::jsonb
        FROM (SELECT count(*) FROM shifted) AS moved
        RETURNING id
      )
      UPDATE data_tables SET updated_at = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM added) RETURNING id
      """;

  /** The column, and its cell in every row of the table. */
  static final String REMOVE_COLUMN = """
      WITH removed AS (
        DELETE FROM table_columns WHERE table_id = $1 AND id = $2 RETURNING name
      ), cells AS (
        UPDATE table_rows SET data = data - (SELECT name FROM removed), updated_at = now()
        WHERE table_id = $1 AND data ? (SELECT name FROM removed)
        RETURNING id
      )
      UPDATE data_tables SET updated_at = now()
      WHERE id = $1 AND EXISTS (SELECT 1 FROM removed) AND (SELECT count(*) FROM cells) >= 0
      RETURNING id
      """;

  private final SqlClient client;

  TableEditStore(SqlClient client) {
    this.client = client;
  }

  Future<Void> rename(UUID tableId, String name) {
    return client.preparedQuery(RENAME_TABLE).execute(Tuple.of(tableId, name)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("table " + tableId + " does not exist");
      }
      return null;
    });
  }

  Future<Void> addColumn(UUID tableId, CreateTable.Column column, JsonObject settings, Integer position) {
    Tuple params = Tuple.of(tableId, column.name(), column.label(), column.columnType(), settings, position);
    return client.preparedQuery(ADD_COLUMN).execute(params)
        .recover(failure -> Future.failedFuture(TableStore.isSqlState(failure, "23505")
            ? ServiceFailure.conflict("the table already has a column named '" + column.name() + "'")
            : failure))
        .map(rows -> null);
  }

  Future<Void> removeColumn(UUID tableId, UUID columnId) {
    return client.preparedQuery(REMOVE_COLUMN).execute(Tuple.of(tableId, columnId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("table " + tableId + " has no column " + columnId);
      }
      return null;
    });
  }
}
