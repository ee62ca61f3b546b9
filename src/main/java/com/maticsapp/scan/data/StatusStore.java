package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * The door's numbers for one barcode column, read from the counters the scan and undo
 * statements keep (scan_counters, V12_1): at most 16 shard rows are summed, so the read costs
 * the same on a table of ten rows or of millions.
 */
final class StatusStore {

  /** The numbers of the columns {@code tc} ranges over; the statements below say which. */
  private static final String NUMBERS = """
      SELECT tc.id AS column_id, tc.column_type, coalesce(tc.settings ->> 'mode', 'count') AS mode,
             coalesce(sum(c.rows_in_scope), 0)::bigint AS rows_in_scope,
             coalesce(sum(c.rows_accepted), 0)::bigint AS rows_accepted,
             coalesce(sum(c.inside), 0)::bigint AS inside,
             coalesce(sum(c.accepted), 0)::bigint AS accepted,
             coalesce(sum(c.undone), 0)::bigint AS undone,
             coalesce(sum(c.conflicts), 0)::bigint AS conflicts,
             max(c.last_scan_at) AS last_scan_at,
             (SELECT coalesce(jsonb_object_agg(x.k, x.n), '{}')
              FROM (SELECT e.k, sum(e.v::bigint) AS n
                    FROM scan_counters c2 CROSS JOIN LATERAL jsonb_each_text(c2.refused) AS e(k, v)
                    WHERE c2.column_id = tc.id GROUP BY e.k) x) AS refused,
             (SELECT jsonb_agg(jsonb_build_object('minute', matic_json_time(to_timestamp(g.m * 60)), 'accepted', coalesce(y.n, 0))
                               ORDER BY g.m)
              FROM generate_series(matic_epoch_minute(now()) - 59, matic_epoch_minute(now())) AS g(m)
              LEFT JOIN (SELECT u.m, sum(u.n) AS n
                         FROM scan_counters c3 CROSS JOIN LATERAL unnest(c3.minute_slots, c3.minute_accepted) AS u(m, n)
                         WHERE c3.column_id = tc.id GROUP BY u.m) y ON y.m = g.m) AS per_minute
      FROM table_columns tc
      LEFT JOIN scan_counters c ON c.column_id = tc.id
      """;

  /** One column, whatever its type (the caller is told when it is not a barcode column). */
  static final String COLUMN_STATUS = NUMBERS + """
      WHERE tc.table_id = $1 AND tc.id = $2
      GROUP BY tc.id, tc.column_type, tc.settings
      """;

  /**
   * The live stream's numbers ({@code Addresses.SCANS_STATUS_FEED}): the table's barcode
   * columns, all of them or those in $2, in column order.
   */
  static final String TABLE_STATUS = NUMBERS + """
      WHERE tc.table_id = $1 AND tc.column_type = 'barcode' AND ($2::uuid[] IS NULL OR tc.id = ANY ($2::uuid[]))
      GROUP BY tc.id, tc.column_type, tc.settings, tc.position
      ORDER BY tc.position, tc.id
      """;

  private final SqlClient client;

  StatusStore(SqlClient client) {
    this.client = client;
  }

  Future<JsonObject> status(UUID tableId, UUID columnId) {
    return client.preparedQuery(COLUMN_STATUS).execute(Tuple.of(tableId, columnId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.noSuchColumn(tableId, columnId, null);
      }
      Row row = rows.iterator().next();
      if (!"barcode".equals(row.getString("column_type"))) {
        throw ServiceFailure.invalid("column_id", "is not a barcode column");
      }
      return toJson(tableId, row);
    });
  }

  /** The numbers of the table's barcode columns ({@code columnIds} null: all of them); none for a table that is gone. */
  Future<JsonArray> statuses(UUID tableId, UUID[] columnIds) {
    Tuple params = Tuple.tuple().addUUID(tableId).addArrayOfUUID(columnIds);
    return client.preparedQuery(TABLE_STATUS).execute(params).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(row -> out.add(toJson(tableId, row)));
      return out;
    });
  }

  private static JsonObject toJson(UUID tableId, Row row) {
    JsonObject refused = (JsonObject) row.getValue("refused");
    long refusedTotal = refused.stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum();
    return new JsonObject()
        .put("table_id", tableId.toString())
        .put("column_id", SqlValues.uuid(row, "column_id"))
        .put("mode", row.getString("mode"))
        .put("rows_in_scope", row.getLong("rows_in_scope"))
        .put("rows_accepted", row.getLong("rows_accepted"))
        .put("inside", row.getLong("inside"))
        .put("accepted", row.getLong("accepted"))
        .put("refused", refusedTotal)
        .put("refused_by_reason", refused)
        .put("undone", row.getLong("undone"))
        .put("conflicts", row.getLong("conflicts"))
        .put("last_scan_at", SqlValues.time(row, "last_scan_at"))
        .put("accepted_per_minute", (JsonArray) row.getValue("per_minute"));
  }
}
