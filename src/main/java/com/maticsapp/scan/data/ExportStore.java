package com.maticsapp.scan.data;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Keyset pages for exports. Each page is one statement walking scan_history_by_table forward
 * from the last (scanned_at, id) sent, so an export of any length holds nothing open between
 * pages and reads each entry once. (Rows are exported through the rows listing, which pages
 * the same way over table_rows_page.)
 */
final class ExportStore {

  /** $2/$3: the time range (either may be null), $4/$5: the cursor (null for the first page). */
  static final String SCANS_PAGE = """
      SELECT * FROM scan_history
      WHERE table_id = $1
        AND ($2::timestamptz IS NULL OR scanned_at >= $2)
        AND ($3::timestamptz IS NULL OR scanned_at < $3)
        AND ($4::timestamptz IS NULL OR (scanned_at, id) > ($4, $5))
      ORDER BY scanned_at, id
      LIMIT $6
      """;

  private final SqlClient client;

  ExportStore(SqlClient client) {
    this.client = client;
  }

  /** {@code {scans, next_cursor}}, oldest first. */
  Future<JsonObject> scansPage(UUID tableId, OffsetDateTime from, OffsetDateTime to, Cursor after, int limit) {
    OffsetDateTime afterTime = after == null ? null : OffsetDateTime.parse(after.key());
    Tuple params = Tuple.of(tableId, from, to, afterTime, after == null ? null : after.id(), limit + 1);
    return client.preparedQuery(SCANS_PAGE).execute(params).map(rows -> SqlValues.page(rows, limit, "scans", ScanStore::toJson,
        row -> SqlValues.time(row, "scanned_at")));
  }
}
