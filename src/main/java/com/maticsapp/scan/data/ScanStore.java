package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ScanOutcome;
import com.maticsapp.scan.contract.ScanRequest;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Recording scans: lookup, history insert and counter bumps for any number of scans in ONE
 * statement, so a scan costs one pipelined round trip and is atomic on its own.
 */
final class ScanStore {

  /**
   * One statement for a whole batch (a single scan is a batch of one). The request arrives as
   * parallel arrays; per item it resolves table and column, normalises the barcode with the
   * column's rule, probes barcode_values, inserts the history row with ON CONFLICT (id) DO
   * NOTHING (the client's id is the idempotency key), and bumps scan_count/last_scanned_at of
   * the matched rows only for history rows this statement really inserted. The last SELECT
   * reports, per item, what was found and the stored scan: the new one, or for a replay the
   * one recorded earlier.
   */
  static final String RECORD_SCANS = """
      WITH req AS (
        SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[],
                             $12::text[], $13::uuid[])
          AS r(ord, id, table_id, column_id, column_name, barcode, scanned_at, source, device_id, metadata, member_id, pairing_id)
      ),
      resolved AS (
        SELECT req.ord, coalesce(req.id, gen_random_uuid()) AS scan_id,
               req.table_id, req.barcode, req.scanned_at, req.source, req.device_id, req.metadata,
               req.member_id, req.pairing_id, coalesce(req.member_id, 'guest:' || req.pairing_id) AS created_by,
               access.role AS caller_role,
               t.workspace_id, c.id AS column_id, c.name AS column_name, c.column_type,
               CASE WHEN c.column_type = 'barcode'
                    THEN matic_normalize_barcode(coalesce(c.settings ->> 'normalization', 'exact'), req.barcode) END AS normalized
        FROM req
        LEFT JOIN data_tables t ON t.id = req.table_id
        LEFT JOIN table_columns c ON c.table_id = t.id
                                 AND (c.id = req.column_id OR (req.column_id IS NULL AND c.name = req.column_name))
        CROSS JOIN LATERAL matic_access(req.table_id, req.member_id, req.pairing_id) AS access
      ),
      -- Only scanners and up, or a live guest on its own column, may record (Permission.SCAN).
      target AS (
        SELECT resolved.*,
               coalesce(caller_role IN ('owner', 'editor', 'scanner') OR caller_role = 'guest:' || column_id, false) AS allowed
        FROM resolved
      ),
      matches AS (
        SELECT t.ord, m.row_ids, m.rows,
               row_number() OVER (PARTITION BY t.scan_id ORDER BY t.ord) AS nth
        FROM target t
        CROSS JOIN LATERAL (
          SELECT coalesce(array_agg(r.id ORDER BY r.position, r.id), '{}') AS row_ids,
                 coalesce(jsonb_agg(jsonb_build_object('id', r.id, 'data', r.data) ORDER BY r.position, r.id), '[]') AS rows
          FROM (SELECT r.id, r.position, r.data
                FROM barcode_values b JOIN table_rows r ON r.id = b.row_id
                WHERE b.column_id = t.column_id AND b.normalized = t.normalized AND NOT r.is_archived
                ORDER BY r.position, r.id
                LIMIT $11) r
        ) m
        WHERE t.normalized IS NOT NULL AND t.allowed
      ),
      inserted AS (
        INSERT INTO scan_history (id, workspace_id, table_id, column_id, column_name, barcode, normalized_barcode, status,
                                  matched_row_ids, matched_rows, source, device_id, metadata, scanned_at, created_by, pairing_id)
        SELECT t.scan_id, t.workspace_id, t.table_id, t.column_id, t.column_name, t.barcode, t.normalized,
               CASE WHEN cardinality(m.row_ids) > 0 THEN 'success' ELSE 'failure' END,
               m.row_ids, m.rows, t.source, t.device_id, coalesce(t.metadata::jsonb, '{}'), coalesce(t.scanned_at, now()),
               t.created_by, t.pairing_id
        FROM target t JOIN matches m ON m.ord = t.ord
        ORDER BY t.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING *
      ),
      counted AS (
        UPDATE table_rows r
        SET scan_count = r.scan_count + n.scans,
            last_scanned_at = greatest(r.last_scanned_at, n.last_scanned_at)
        FROM (SELECT u.row_id, count(*) AS scans, max(i.scanned_at) AS last_scanned_at
              FROM inserted i CROSS JOIN LATERAL unnest(i.matched_row_ids) AS u(row_id)
              GROUP BY u.row_id) n
        WHERE r.id = n.row_id
      )
      SELECT t.ord, t.caller_role, t.column_id AS resolved_column_id, t.workspace_id IS NOT NULL AS table_found, t.column_id IS NOT NULL AS column_found,
             t.column_type, t.normalized IS NOT NULL AS barcode_valid,
             coalesce(s.fresh AND m.nth = 1, false) AS created, s.*
      FROM target t
      LEFT JOIN matches m ON m.ord = t.ord
      LEFT JOIN LATERAL (
        SELECT true AS fresh, i.* FROM inserted i WHERE i.id = t.scan_id
        UNION ALL
        SELECT false, e.* FROM scan_history e WHERE e.id = t.scan_id
      ) s ON true
      ORDER BY t.ord
      """;

  static final String SCANS_BY_ID = """
      SELECT * FROM scan_history WHERE id = ANY($1::uuid[])
      """;

  private final SqlClient client;
  private final int maxMatchedRows;

  ScanStore(SqlClient client, int maxMatchedRows) {
    this.client = client;
    this.maxMatchedRows = maxMatchedRows;
  }

  /**
   * Records the scans and returns the outcome of each, in order: {@link ScanOutcome.Recorded},
   * {@link ScanOutcome.Replayed} or {@link ScanOutcome.Refused} (never {@link ScanOutcome.Failed}:
   * a database failure fails the whole future).
   */
  Future<List<ScanOutcome>> record(List<ScanRequest> scans) {
    int n = scans.size();
    Integer[] ord = new Integer[n];
    UUID[] ids = new UUID[n];
    UUID[] tables = new UUID[n];
    UUID[] columns = new UUID[n];
    String[] columnNames = new String[n];
    String[] barcodes = new String[n];
    OffsetDateTime[] scannedAt = new OffsetDateTime[n];
    String[] sources = new String[n];
    String[] devices = new String[n];
    String[] metadata = new String[n];
    String[] members = new String[n];
    UUID[] pairings = new UUID[n];
    for (int i = 0; i < n; i++) {
      ScanRequest scan = scans.get(i);
      ord[i] = i;
      ids[i] = scan.id();
      tables[i] = scan.tableId();
      columns[i] = scan.columnId();
      columnNames[i] = scan.columnName();
      barcodes[i] = scan.barcode();
      scannedAt[i] = scan.scannedAt();
      sources[i] = scan.source();
      devices[i] = scan.deviceId();
      metadata[i] = scan.metadata() == null ? null : scan.metadata().encode();
      members[i] = scan.caller().memberId();
      pairings[i] = scan.caller().pairingId();
    }
    Tuple params = Tuple.tuple()
        .addArrayOfInteger(ord)
        .addArrayOfUUID(ids)
        .addArrayOfUUID(tables)
        .addArrayOfUUID(columns)
        .addArrayOfString(columnNames)
        .addArrayOfString(barcodes)
        .addArrayOfOffsetDateTime(scannedAt)
        .addArrayOfString(sources)
        .addArrayOfString(devices)
        .addArrayOfString(metadata)
        .addInteger(maxMatchedRows)
        .addArrayOfString(members)
        .addArrayOfUUID(pairings);
    return client.preparedQuery(RECORD_SCANS).execute(params)
        .compose(rows -> outcomes(scans, rows));
  }

  private Future<List<ScanOutcome>> outcomes(List<ScanRequest> scans, RowSet<Row> rows) {
    List<ScanOutcome> results = new ArrayList<>(scans.size());
    List<UUID> unsettled = new ArrayList<>();
    for (Row row : rows) {
      ScanRequest request = scans.get(row.getInteger("ord"));
      ScanOutcome outcome = outcome(request, row);
      if (outcome == null) {
        // The same id is being inserted by a concurrent request that had not committed when
        // this statement took its snapshot: read the winner's record once it is visible.
        unsettled.add(request.id());
      }
      results.add(outcome);
    }
    if (unsettled.isEmpty()) {
      return Future.succeededFuture(results);
    }
    return client.preparedQuery(SCANS_BY_ID).execute(Tuple.tuple().addArrayOfUUID(unsettled.toArray(UUID[]::new)))
        .map(stored -> {
          Map<UUID, JsonObject> byId = new HashMap<>();
          stored.forEach(row -> byId.put(row.getUUID("id"), toJson(row)));
          for (int i = 0; i < results.size(); i++) {
            if (results.get(i) == null) {
              ScanRequest request = scans.get(i);
              JsonObject scan = byId.get(request.id());
              results.set(i, scan == null
                  ? new ScanOutcome.Refused(
                      ServiceFailure.conflict("a concurrent request with the same scan id did not complete; retry"))
                  : replay(request, scan));
            }
          }
          return results;
        });
  }

  /** The item's outcome, or null when the stored scan is not visible yet. */
  private static ScanOutcome outcome(ScanRequest request, Row row) {
    // Access first: a caller without it learns nothing about the table's columns.
    ServiceFailure failure = Permission.SCAN.check(row.getString("caller_role"), row.getUUID("resolved_column_id"),
        "table " + request.tableId() + " does not exist");
    if (failure != null) {
      return new ScanOutcome.Refused(failure);
    }
    failure = TargetChecks.check(request.tableId(), request.columnId(), request.columnName(),
        row.getBoolean("table_found"), row.getBoolean("column_found"),
        row.getString("column_type"), row.getBoolean("barcode_valid"));
    if (failure != null) {
      return new ScanOutcome.Refused(failure);
    }
    if (row.getUUID("id") == null) {
      return null;
    }
    JsonObject scan = toJson(row);
    return row.getBoolean("created") ? new ScanOutcome.Recorded(scan) : replay(request, scan);
  }

  /** A replay must be the same scan: an id reused for another barcode or table is a conflict. */
  private static ScanOutcome replay(ScanRequest request, JsonObject stored) {
    if (!request.tableId().toString().equals(stored.getString("table_id"))
        || !request.barcode().equals(stored.getString("barcode"))) {
      return new ScanOutcome.Refused(
          ServiceFailure.conflict("scan id " + request.id() + " was already used for a different scan"));
    }
    return new ScanOutcome.Replayed(stored);
  }

  static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("workspace_id", SqlValues.uuid(row, "workspace_id"))
        .put("table_id", SqlValues.uuid(row, "table_id"))
        .put("column_id", SqlValues.uuid(row, "column_id"))
        .put("column_name", row.getString("column_name"))
        .put("barcode", row.getString("barcode"))
        .put("normalized_barcode", row.getString("normalized_barcode"))
        .put("status", row.getString("status"))
        .put("matched_row_ids", SqlValues.uuids(row, "matched_row_ids"))
        .put("matched_rows", (JsonArray) row.getValue("matched_rows"))
        .put("source", row.getString("source"))
        .put("device_id", row.getString("device_id"))
        .put("metadata", (JsonObject) row.getValue("metadata"))
        .put("scanned_at", SqlValues.time(row, "scanned_at"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("created_by", row.getString("created_by"))
        .put("pairing_id", SqlValues.uuid(row, "pairing_id"));
  }
}
