package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.SyncCursor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * The phones and desks that scan into a table or sync its columns (the V13_1 migration keeps
 * their counters): listed and revoked by editors.
 */
final class DeviceStore {

  private static final String COLUMNS = """
      d.table_id, d.device_id, d.pairing_id, d.user_id, d.label, d.app_version, d.first_seen_at, d.last_seen_at,
      d.last_sync_at, d.last_sync_column, d.last_sync_snapshot::text AS last_sync_snapshot, d.scans_uploaded,
      d.conflicts_caused, d.revoked_at, d.revoked_by""";

  static final String SELECT_DEVICES = "SELECT " + COLUMNS + """
       FROM devices d
      WHERE d.table_id = $1
      ORDER BY d.last_seen_at DESC, d.device_id
      LIMIT $2
      """;

  /**
   * Revokes a device, for an owner or editor of the table ($3 the caller), in one statement; the
   * caller's role is reported either way. A device already revoked keeps its first revocation.
   */
  static final String REVOKE_DEVICE = """
      WITH access AS (
        SELECT role AS caller_role FROM matic_access($1, $3, NULL)
      ), revoked AS (
        UPDATE devices d
        SET revoked_at = coalesce(d.revoked_at, now()), revoked_by = coalesce(d.revoked_by, $3)
        FROM access
        WHERE d.table_id = $1 AND d.device_id = $2 AND access.caller_role = ANY (matic_roles('edit'))
        RETURNING\s""" + COLUMNS + """

      )
      SELECT access.caller_role, revoked.* FROM access LEFT JOIN revoked ON true
      """;

  private final SqlClient client;

  DeviceStore(SqlClient client) {
    this.client = client;
  }

  Future<JsonObject> list(UUID tableId, int limit) {
    return client.preparedQuery(SELECT_DEVICES).execute(Tuple.of(tableId, limit)).map(rows -> {
      JsonArray devices = new JsonArray();
      rows.forEach(row -> devices.add(toJson(row)));
      return new JsonObject().put("devices", devices);
    });
  }

  Future<JsonObject> revoke(Caller caller, UUID tableId, String deviceId) {
    return client.preparedQuery(REVOKE_DEVICE).execute(Tuple.of(tableId, deviceId, caller.memberId())).map(rows -> {
      Row row = rows.iterator().next();
      Permission.EDIT.require(row.getString("caller_role"), null, "table " + tableId + " does not exist");
      if (row.getString("device_id") == null) {
        throw ServiceFailure.notFound("device '" + deviceId + "' has not been seen on table " + tableId);
      }
      return toJson(row);
    });
  }

  private static JsonObject toJson(Row row) {
    UUID syncColumn = row.getUUID("last_sync_column");
    String syncSnapshot = row.getString("last_sync_snapshot");
    return new JsonObject()
        .put("device_id", row.getString("device_id"))
        .put("table_id", SqlValues.uuid(row, "table_id"))
        .put("kind", row.getUUID("pairing_id") != null ? "guest" : "user")
        .put("pairing_id", SqlValues.uuid(row, "pairing_id"))
        .put("user_id", row.getString("user_id"))
        .put("label", row.getString("label"))
        .put("app_version", row.getString("app_version"))
        .put("status", row.getValue("revoked_at") == null ? "active" : "revoked")
        .put("first_seen_at", SqlValues.time(row, "first_seen_at"))
        .put("last_seen_at", SqlValues.time(row, "last_seen_at"))
        .put("last_sync_at", SqlValues.time(row, "last_sync_at"))
        .put("last_sync_cursor", syncColumn == null || syncSnapshot == null ? null : SyncCursor.of(syncColumn, syncSnapshot).encode())
        .put("scans_uploaded", row.getLong("scans_uploaded"))
        .put("conflicts_caused", row.getLong("conflicts_caused"))
        .put("revoked_at", SqlValues.time(row, "revoked_at"))
        .put("revoked_by", row.getString("revoked_by"));
  }
}
