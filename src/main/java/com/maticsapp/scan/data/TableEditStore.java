package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.CreateTable;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Editing a table after it was created (renaming and archiving it, adding, changing and
 * removing columns), each change one statement, so none can be left half done. The barcode index follows by the V1 triggers inside the same statement (a removed
 * column's index entries go with it by foreign key; rows that lose a cell are re-indexed).
 */
final class TableEditStore {

  /** A new name ($2, null: kept) and archived or not ($3, null: kept; archiving twice keeps the first time). */
  static final String UPDATE_TABLE = """
      UPDATE data_tables
      SET name = coalesce($2, name),
          archived_at = CASE WHEN $3::boolean IS NULL THEN archived_at WHEN $3 THEN coalesce(archived_at, now()) END,
          updated_at = now()
      WHERE id = $1
      RETURNING id
      """;

  /** matic_change_column's refusal while an import of the table is active (a 409). */
  static final String IMPORT_RUNNING = "MS409";

  /**
   * Every change to one column in ONE statement, matic_change_column (V20_2), which locks the
   * column before it reads the rows, so it converts every row written before it and none is
   * written with the old column after it (RowStore's writes check the columns they were checked
   * against). Changes: its name ($6), label ($7), type ($8),
   * settings ($9) and place among the columns ($10, null: kept). It applies only while the
   * column is as it was read ($3 settings, $4 name, $5 type) and, unless it is a dry run ($11),
   * only when every cell converts to the new type (matic_convert_cell, V19_1); otherwise it
   * writes nothing and says which cells would not (the first $12, by row position). Cells
   * move to the new name and take their converted value in the same statement; the barcode
   * index follows by the V1 triggers (row and column re-index) before the statement ends, so no
   * reader ever sees a renamed column with an index of the old name, or half the cells converted.
   * Barcode cells the new normalisation cannot read are reported (unindexed): they stay, as
   * a row written with them would, and no lookup finds them.
   */
  static final String CHANGE_COLUMN =
      "SELECT * FROM matic_change_column($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

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

  /** What {@link #CHANGE_COLUMN} did or, for a dry run, would do. */
  record ColumnChange(boolean found, boolean applied, long cells, long converted, long rowsChanged, long notConverted,
                      JsonArray notConvertedCells, long unindexed, JsonArray unindexedCells) {
    JsonObject toJson(boolean dryRun) {
      return new JsonObject().put("dry_run", dryRun).put("applied", applied).put("cells", cells)
          .put("converted", converted).put("rows_changed", rowsChanged)
          .put("not_converted", notConverted).put("not_converted_cells", notConvertedCells)
          .put("unindexed", unindexed).put("unindexed_cells", unindexedCells);
    }
  }

  Future<Void> update(UUID tableId, String name, Boolean archived) {
    return client.preparedQuery(UPDATE_TABLE).execute(Tuple.of(tableId, name, archived)).map(rows -> {
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

  /** One column's change (see {@link #CHANGE_COLUMN}); {@code before} is the column as it was read. */
  Future<ColumnChange> changeColumn(UUID tableId, ColumnStore.Column before, ColumnStore.Column after, boolean dryRun,
                                    int maxListed) {
    Tuple params = Tuple.of(tableId, before.id(), before.settings(), before.name(), before.type(), after.name())
        .addString(after.label()).addString(after.type()).addValue(after.settings())
        .addValue(after.position() == before.position() ? null : after.position())
        .addBoolean(dryRun).addInteger(maxListed);
    return client.preparedQuery(CHANGE_COLUMN).execute(params)
        .recover(failure -> Future.failedFuture(
            TableStore.isSqlState(failure, "23505") ? ServiceFailure.conflict("the table already has a column named '" + after.name() + "'")
                : TableStore.isSqlState(failure, IMPORT_RUNNING) ? ServiceFailure.conflict(((PgException) failure).getErrorMessage())
                : failure))
        .map(rows -> {
          Row row = rows.iterator().next();
          return new ColumnChange(row.getLong("found") > 0, row.getBoolean("applied"), row.getLong("cells"),
              row.getLong("converted"), row.getLong("rows_changed"), row.getLong("not_converted"),
              (JsonArray) row.getValue("not_converted_cells"), row.getLong("unindexed"),
              (JsonArray) row.getValue("unindexed_cells"));
        });
  }

  Future<Void> removeColumn(UUID tableId, UUID columnId) {
    return client.preparedQuery(REMOVE_COLUMN).execute(Tuple.of(tableId, columnId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.noSuchColumn(tableId, columnId, null);
      }
      return null;
    });
  }
}
