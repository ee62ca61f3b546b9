package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.LookupRequest;
import com.maticsapp.scan.contract.LookupResult;
import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Barcode lookups: an index probe on barcode_values, one statement per lookup or per batch of
 * lookups ({@link LookupCoalescer}), nothing loaded in bulk.
 */
final class LookupStore implements LookupCoalescer.Reader {

  /**
   * What both statements read of a resolved {@code target}: the table, column, normalised value
   * and the caller's role, and the rows the value matches as the caller may see them, at most
   * {@code $LIMIT} (the statement's parameter holding maxMatchedRows).
   */
  private static final String TARGET_ROWS = """
      target.table_id, target.column_id, target.column_type, target.normalized, target.caller_role,
             r.id AS row_id,
             -- A guest sees the column's display cells of a row only (matic_display, V12_2).
             CASE WHEN target.caller_role LIKE 'guest:%' THEN matic_display(target.settings, r.data) ELSE r.data END AS data
      FROM target
      LEFT JOIN LATERAL (
        SELECT r.id, r.data, r.position
        FROM barcode_values b
        JOIN table_rows r ON r.id = b.row_id
        WHERE b.column_id = target.column_id AND b.normalized = target.normalized AND NOT r.is_archived
          -- Members, or a live guest on its own column (Permission.LOOKUP): others read no row.
          AND (target.caller_role = ANY (matic_roles('lookup')) OR target.caller_role = 'guest:' || target.column_id)
        ORDER BY r.position, r.id
        LIMIT $LIMIT
      ) r ON true
      """;

  private static String targetRows(String limitParameter) {
    return TARGET_ROWS.replace("$LIMIT", limitParameter);
  }

  /**
   * Resolves table and column, normalises the value with the column's rule and probes the
   * (column_id, normalized) primary key of barcode_values. Always returns at least one row,
   * so a miss still says whether the table and column exist.
   */
  static final String LOOKUP = """
      WITH target AS (
        SELECT t.id AS table_id, c.id AS column_id, c.column_type, c.settings, access.role AS caller_role,
               CASE WHEN c.column_type = 'barcode'
                    THEN matic_normalize_barcode(coalesce(c.settings ->> 'normalization', 'exact'), $4) END AS normalized
        FROM (SELECT 1) AS one
        LEFT JOIN data_tables t ON t.id = $1
        LEFT JOIN table_columns c ON c.table_id = t.id
                                 AND (c.id = $2::uuid OR ($2::uuid IS NULL AND c.name = $3))
        CROSS JOIN LATERAL matic_access($1, $6, $7, $8) AS access
      )
      SELECT\s""" + targetRows("$5") + """
      ORDER BY r.position, r.id
      """;

  /**
   * {@link #LOOKUP} for several lookups at once (those that queued while others were on the
   * wire, {@link LookupCoalescer}): one row per request ({@code ord}) and matched row, each
   * request resolved, access-checked and normalised on its own, exactly as alone. $1..$8 are
   * the requests' fields as arrays, $9 the rows per request.
   */
  static final String LOOKUP_ALL = """
      WITH req AS (
        SELECT * FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[])
          AS q(ord, table_id, column_id, column_name, barcode, member_id, pairing_id, device_id)
      ), target AS (
        SELECT req.ord, t.id AS table_id, c.id AS column_id, c.column_type, c.settings, access.role AS caller_role,
               CASE WHEN c.column_type = 'barcode'
                    THEN matic_normalize_barcode(coalesce(c.settings ->> 'normalization', 'exact'), req.barcode) END AS normalized
        FROM req
        LEFT JOIN data_tables t ON t.id = req.table_id
        LEFT JOIN table_columns c ON c.table_id = t.id
                                 AND (c.id = req.column_id OR (req.column_id IS NULL AND c.name = req.column_name))
        CROSS JOIN LATERAL matic_access(req.table_id, req.member_id, req.pairing_id, req.device_id) AS access
      )
      SELECT target.ord,\s""" + targetRows("$9") + """
      ORDER BY target.ord, r.position, r.id
      """;

  private final SqlClient client;
  private final int maxMatchedRows;

  LookupStore(SqlClient client, int maxMatchedRows) {
    this.client = client;
    this.maxMatchedRows = maxMatchedRows;
  }

  /** The rows the barcode matches, if the caller may look it up. */
  @Override
  public Future<LookupResult> lookup(LookupRequest request, Caller caller) {
    Tuple params = Tuple.of(request.tableId(), request.columnId(), request.columnName(), request.barcode(), maxMatchedRows)
        .addString(caller.memberId()).addUUID(caller.pairingId()).addString(caller.deviceId());
    return client.preparedQuery(LOOKUP).execute(params).map(rows -> result(request, rows));
  }

  /** Several lookups by one statement: per request, its result or its own failure (a 404, a 403...). */
  @Override
  public Future<List<Object>> lookupAll(List<LookupRequest> requests, List<Caller> callers) {
    int n = requests.size();
    Integer[] ords = new Integer[n];
    UUID[] tables = new UUID[n];
    UUID[] columns = new UUID[n];
    String[] columnNames = new String[n];
    String[] barcodes = new String[n];
    String[] members = new String[n];
    UUID[] pairings = new UUID[n];
    String[] devices = new String[n];
    for (int i = 0; i < n; i++) {
      LookupRequest request = requests.get(i);
      Caller caller = callers.get(i);
      ords[i] = i;
      tables[i] = request.tableId();
      columns[i] = request.columnId();
      columnNames[i] = request.columnName();
      barcodes[i] = request.barcode();
      members[i] = caller.memberId();
      pairings[i] = caller.pairingId();
      devices[i] = caller.deviceId();
    }
    Tuple params = Tuple.tuple().addArrayOfInteger(ords).addArrayOfUUID(tables).addArrayOfUUID(columns)
        .addArrayOfString(columnNames).addArrayOfString(barcodes).addArrayOfString(members).addArrayOfUUID(pairings)
        .addArrayOfString(devices).addInteger(maxMatchedRows);
    return client.preparedQuery(LOOKUP_ALL).execute(params).map(rows -> {
      List<List<Row>> byRequest = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byRequest.add(new ArrayList<>(1));
      }
      rows.forEach(row -> byRequest.get(row.getInteger("ord")).add(row));
      List<Object> outcomes = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        try {
          outcomes.add(result(requests.get(i), byRequest.get(i)));
        } catch (RuntimeException refused) {
          outcomes.add(refused);
        }
      }
      return outcomes;
    });
  }

  private static LookupResult result(LookupRequest request, Iterable<Row> rows) {
    Row first = rows.iterator().next();
    Permission.LOOKUP.require(first.getString("caller_role"), first.getUUID("column_id"),
        "table " + request.tableId() + " does not exist");
    ServiceFailure failure = TargetChecks.check(request.tableId(), request.columnId(), request.columnName(),
        first.getUUID("table_id") != null, first.getUUID("column_id") != null,
        first.getString("column_type"), first.getString("normalized") != null);
    if (failure != null) {
      throw failure;
    }
    JsonArray matches = new JsonArray();
    for (Row row : rows) {
      if (row.getUUID("row_id") != null) {
        matches.add(new JsonObject().put("id", SqlValues.uuid(row, "row_id")).put("data", row.getValue("data")));
      }
    }
    return new LookupResult(matches, first.getString("normalized"), SqlValues.uuid(first, "column_id"));
  }
}
