package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.CreateTable;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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

  /**
   * Every change to one column in ONE statement: its name ($6), label ($7), type ($8),
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
  static final String CHANGE_COLUMN = """
      WITH col AS (
        SELECT id, name AS old_name, column_type AS old_type FROM table_columns
        WHERE table_id = $1 AND id = $2 AND settings = $3::jsonb AND name = $4 AND column_type = $5
        FOR UPDATE
      ), cells AS (
        SELECT r.id, r.position, r.data -> col.old_name AS old_value,
               CASE WHEN $8 = col.old_type THEN r.data -> col.old_name
                    ELSE matic_convert_cell($8, r.data -> col.old_name) END AS new_value
        FROM col JOIN table_rows r ON r.table_id = $1 AND r.data ? col.old_name
      ), bad AS (
        SELECT c.id, c.position, c.old_value FROM cells c, col
        WHERE $8 <> col.old_type AND NOT matic_converted_fits($8, c.new_value)
      ), unindexed AS (
        SELECT c.id, c.position, c.old_value FROM cells c
        WHERE $8 = 'barcode' AND jsonb_typeof(c.new_value) IN ('string', 'number')
          AND matic_normalize_barcode(coalesce($9::jsonb ->> 'normalization', 'exact'), c.new_value #>> '{}') IS NULL
          AND NOT EXISTS (SELECT 1 FROM bad WHERE bad.id = c.id)
      ), go AS (
        SELECT NOT $11 AND NOT EXISTS (SELECT 1 FROM bad) AS ok FROM col
      ), moved AS (
        UPDATE table_rows r
        SET data = (r.data - col.old_name) || jsonb_build_object($6::text, c.new_value), updated_at = now()
        FROM cells c, col, go
        WHERE go.ok AND r.id = c.id AND ($6 <> col.old_name OR c.new_value IS DISTINCT FROM c.old_value)
        RETURNING r.id
      ), placed AS (
        SELECT o.id, o.position AS new_position FROM table_columns o WHERE $10::int IS NULL AND o.id = $2
        UNION ALL
        SELECT x.id, (row_number() OVER (ORDER BY x.k) - 1)::int FROM (
          SELECT o.id, (row_number() OVER (ORDER BY o.position, o.id) - 1)::numeric AS k
          FROM table_columns o WHERE $10::int IS NOT NULL AND o.table_id = $1 AND o.id <> $2
          UNION ALL
          SELECT $2, $10::numeric - 0.5 WHERE $10::int IS NOT NULL
        ) x
      ), changed AS (
        UPDATE table_columns c
        SET name = CASE WHEN c.id = $2 THEN $6 ELSE c.name END,
            label = CASE WHEN c.id = $2 THEN $7 ELSE c.label END,
            column_type = CASE WHEN c.id = $2 THEN $8 ELSE c.column_type END,
            settings = CASE WHEN c.id = $2 THEN $9::jsonb ELSE c.settings END,
            position = p.new_position
        FROM placed p, go
        WHERE go.ok AND c.id = p.id AND c.table_id = $1 AND (c.id = $2 OR c.position <> p.new_position)
        RETURNING c.id
      ), touched AS (
        UPDATE data_tables SET updated_at = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM go WHERE ok) RETURNING id
      )
      SELECT (SELECT count(*) FROM col) AS found,
             coalesce((SELECT ok FROM go), false) AS applied,
             (SELECT count(*) FROM cells WHERE jsonb_typeof(old_value) <> 'null') AS cells,
             (SELECT count(*) FROM cells c, col WHERE c.new_value IS DISTINCT FROM c.old_value) AS converted,
             (SELECT count(*) FROM moved) AS rows_changed,
             (SELECT count(*) FROM bad) AS not_converted,
             (SELECT coalesce(jsonb_agg(jsonb_build_object('row_id', b.id, 'value', b.old_value) ORDER BY b.position), '[]')
                FROM (SELECT * FROM bad ORDER BY position LIMIT $12) b) AS not_converted_cells,
             (SELECT count(*) FROM unindexed) AS unindexed,
             (SELECT coalesce(jsonb_agg(jsonb_build_object('row_id', u.id, 'value', u.old_value) ORDER BY u.position), '[]')
                FROM (SELECT * FROM unindexed ORDER BY position LIMIT $12) u) AS unindexed_cells,
             (SELECT count(*) FROM changed) + (SELECT count(*) FROM touched) AS writes
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
        .recover(failure -> Future.failedFuture(TableStore.isSqlState(failure, "23505")
            ? ServiceFailure.conflict("the table already has a column named '" + after.name() + "'")
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
