package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.PairingCodes;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.Duration;
import java.util.UUID;

/**
 * Guest pairings: opened by an editor for one barcode column, claimed by a phone with the
 * code, revoked by an editor. The code's secret is stored only as its SHA-256.
 */
final class PairingStore {

  private static final String COLUMNS = """
      p.id, p.table_id, p.column_id, c.name AS column_name, p.label, p.created_by, p.created_at, p.expires_at,
      p.revoked_at, p.claims, p.failed_claims, p.last_claimed_at""";

  /**
   * Resolves table, column and the caller's role, and opens the pairing only for an owner or
   * editor on a barcode column, in one statement. A selector already taken inserts nothing
   * (the caller draws a new code).
   */
  static final String INSERT_PAIRING = """
      WITH target AS (
        SELECT t.id AS table_id, t.workspace_id, access.role AS caller_role,
               c.id AS column_id, c.name AS column_name, c.column_type
        FROM (SELECT 1) AS one
        LEFT JOIN data_tables t ON t.id = $1
        LEFT JOIN table_columns c ON c.table_id = t.id AND (c.id = $3::uuid OR ($3::uuid IS NULL AND c.name = $4))
        CROSS JOIN LATERAL matic_access($1, $2, NULL) AS access
      ), created AS (
        INSERT INTO pairings (workspace_id, table_id, column_id, selector, secret_hash, label, created_by, expires_at)
        SELECT workspace_id, table_id, column_id, $5, $6, $7, $2, now() + make_interval(secs => $8)
        FROM target
        WHERE caller_role = ANY (matic_roles('edit')) AND column_type = 'barcode'
        ON CONFLICT (selector) DO NOTHING
        RETURNING id, label, created_by, created_at, expires_at
      )
      SELECT target.caller_role, target.column_id AS resolved_column_id, target.column_name, target.column_type,
             created.*
      FROM target LEFT JOIN created ON true
      """;

  static final String SELECT_PAIRINGS = "SELECT " + COLUMNS + """
       FROM pairings p JOIN table_columns c ON c.id = p.column_id
      WHERE p.table_id = $1
      ORDER BY p.created_at DESC, p.id
      LIMIT $2
      """;

  static final String REVOKE_PAIRING = """
      WITH revoked AS (
        UPDATE pairings SET revoked_at = coalesce(revoked_at, now())
        WHERE id = $1 AND table_id = $2
        RETURNING *
      )
      SELECT\s""" + COLUMNS.replace("p.", "r.") + """
       FROM revoked r JOIN table_columns c ON c.id = r.column_id
      """;

  /** What a claim needs to decide, found by the code's selector. */
  static final String SELECT_FOR_CLAIM = """
      SELECT p.id, p.table_id, p.column_id, p.secret_hash, p.expires_at, p.revoked_at, p.failed_claims,
             p.expires_at > now() AS live, t.name AS table_name, c.name AS column_name
      FROM pairings p
      JOIN data_tables t ON t.id = p.table_id
      JOIN table_columns c ON c.id = p.column_id
      WHERE p.selector = $1
      """;

  static final String COUNT_FAILED_CLAIM = "UPDATE pairings SET failed_claims = failed_claims + 1 WHERE id = $1";

  /**
   * A successful claim, counted, and the claiming device ($3, labelled $4) recorded on the
   * pairing's table; only while the pairing is still live and not locked, and never for a device
   * revoked on that table.
   */
  static final String COUNT_CLAIM = """
      WITH revoked_device AS (
        SELECT EXISTS (SELECT 1 FROM pairings p JOIN devices d ON d.table_id = p.table_id
                       WHERE p.id = $1 AND d.device_id = $3 AND d.revoked_at IS NOT NULL) AS yes
      ), counted AS (
        UPDATE pairings SET claims = claims + 1, last_claimed_at = now()
        WHERE id = $1 AND revoked_at IS NULL AND expires_at > now() AND failed_claims < $2
          AND NOT (SELECT yes FROM revoked_device)
        RETURNING id, table_id
      ), device AS (
        INSERT INTO devices AS d (table_id, device_id, pairing_id, label)
        SELECT table_id, $3, id, $4 FROM counted
        ON CONFLICT (table_id, device_id) DO UPDATE
          SET pairing_id = EXCLUDED.pairing_id, label = coalesce(EXCLUDED.label, d.label), last_seen_at = now()
      )
      SELECT (SELECT yes FROM revoked_device) AS device_revoked, (SELECT count(*) FROM counted) AS counted
      """;

  /** What became of a claim whose code was right. */
  enum ClaimCount { COUNTED, ENDED, DEVICE_REVOKED }

  private final SqlClient client;

  PairingStore(SqlClient client) {
    this.client = client;
  }

  /** {@code {pairing, code}} or null when the selector was taken (draw another code). */
  Future<JsonObject> open(Caller caller, UUID tableId, UUID columnId, String columnName, String label,
                          Duration ttl, PairingCodes.Code code) {
    Tuple params = Tuple.of(tableId, caller.memberId(), columnId, columnName)
        .addString(code.selector())
        .addBuffer(Buffer.buffer(code.secretHash()))
        .addString(label)
        .addLong(ttl.toSeconds());
    return client.preparedQuery(INSERT_PAIRING).execute(params).map(rows -> {
      Row row = rows.iterator().next();
      Permission.EDIT.require(row.getString("caller_role"), null, "table " + tableId + " does not exist");
      if (row.getUUID("resolved_column_id") == null) {
        throw ServiceFailure.noSuchColumn(tableId, columnId, columnName);
      }
      if (!"barcode".equals(row.getString("column_type"))) {
        throw ServiceFailure.invalid(columnId != null ? "column_id" : "column_name",
            "is a " + row.getString("column_type") + " column, not a barcode column");
      }
      if (row.getUUID("id") == null) {
        return null;
      }
      return new JsonObject()
          .put("id", SqlValues.uuid(row, "id"))
          .put("table_id", tableId.toString())
          .put("column_id", SqlValues.uuid(row, "resolved_column_id"))
          .put("column_name", row.getString("column_name"))
          .put("label", row.getString("label"))
          .put("created_by", row.getString("created_by"))
          .put("created_at", SqlValues.time(row, "created_at"))
          .put("expires_at", SqlValues.time(row, "expires_at"));
    });
  }

  Future<JsonObject> list(UUID tableId, int limit, int maxFailedClaims) {
    return client.preparedQuery(SELECT_PAIRINGS).execute(Tuple.of(tableId, limit)).map(rows -> {
      JsonArray pairings = new JsonArray();
      rows.forEach(row -> pairings.add(toJson(row, maxFailedClaims)));
      return new JsonObject().put("pairings", pairings);
    });
  }

  Future<JsonObject> revoke(UUID tableId, UUID pairingId, int maxFailedClaims) {
    return client.preparedQuery(REVOKE_PAIRING).execute(Tuple.of(pairingId, tableId)).map(rows -> {
      if (rows.size() == 0) {
        throw ServiceFailure.notFound("pairing " + pairingId + " does not exist on table " + tableId);
      }
      return toJson(rows.iterator().next(), maxFailedClaims);
    });
  }

  /** The pairing a selector names, or null. */
  Future<Row> forClaim(String selector) {
    return client.preparedQuery(SELECT_FOR_CLAIM).execute(Tuple.of(selector))
        .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
  }

  Future<Void> countFailedClaim(UUID pairingId) {
    return client.preparedQuery(COUNT_FAILED_CLAIM).execute(Tuple.of(pairingId)).mapEmpty();
  }

  /** Counts the claim on {@code deviceId} if the pairing is still live at that moment and the device not revoked. */
  Future<ClaimCount> countClaim(UUID pairingId, int maxFailedClaims, String deviceId, String deviceLabel) {
    return client.preparedQuery(COUNT_CLAIM).execute(Tuple.of(pairingId, maxFailedClaims, deviceId, deviceLabel)).map(rows -> {
      Row row = rows.iterator().next();
      if (row.getBoolean("device_revoked")) {
        return ClaimCount.DEVICE_REVOKED;
      }
      return row.getLong("counted") == 1 ? ClaimCount.COUNTED : ClaimCount.ENDED;
    });
  }

  private static JsonObject toJson(Row row, int maxFailedClaims) {
    String status;
    if (row.getValue("revoked_at") != null) {
      status = "revoked";
    } else if (row.getOffsetDateTime("expires_at").toInstant().isBefore(java.time.Instant.now())) {
      status = "expired";
    } else if (row.getInteger("failed_claims") >= maxFailedClaims) {
      status = "locked";
    } else {
      status = "active";
    }
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("table_id", SqlValues.uuid(row, "table_id"))
        .put("column_id", SqlValues.uuid(row, "column_id"))
        .put("column_name", row.getString("column_name"))
        .put("label", row.getString("label"))
        .put("status", status)
        .put("created_by", row.getString("created_by"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("expires_at", SqlValues.time(row, "expires_at"))
        .put("revoked_at", SqlValues.time(row, "revoked_at"))
        .put("claims", row.getInteger("claims"))
        .put("failed_claims", row.getInteger("failed_claims"))
        .put("last_claimed_at", SqlValues.time(row, "last_claimed_at"));
  }
}
