package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.util.UUID;

/**
 * What a door needs beyond recording scans: undoing an accepted one ({@link Addresses#SCANS_UNDO})
 * and its numbers ({@link Addresses#SCANS_STATUS}). An undo that happened is published on
 * {@link Addresses#SCANS_UNDONE} after its statement committed.
 */
final class DoorOperations {

  private final EventBus bus;
  private final UndoStore undos;
  private final StatusStore status;
  private final AccessStore access;
  private final Retries retries;

  DoorOperations(EventBus bus, UndoStore undos, StatusStore status, AccessStore access, Retries retries) {
    this.bus = bus;
    this.undos = undos;
    this.status = status;
    this.access = access;
    this.retries = retries;
  }

  /** {@code {scan_id, reason?}} → the scan record with its {@code undo}; the same answer when undone before. */
  Future<JsonObject> undo(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID scanId = fields.uuid("scan_id", true);
    String reason = fields.string("reason", false, 500);
    fields.throwIfInvalid();
    Permission.SCAN.requireCallerKind(caller);
    // Idempotent: a retry after a lost reply finds the scan undone and answers the same.
    return retries.idempotent(() -> undos.undo(scanId, caller, reason)).map(row -> {
      String notFound = "scan " + scanId + " does not exist";
      if (row.getUUID("id") == null) {
        throw ServiceFailure.notFound(notFound);
      }
      Permission.SCAN.require(row.getString("caller_role"), row.getUUID("column_id"), notFound);
      if (!row.getBoolean("allowed")) {
        throw ServiceFailure.forbidden("your role allows undoing only your own scans (editors may undo any)");
      }
      JsonObject scan = ScanStore.toJson(row);
      if (!"accepted".equals(scan.getString("decision"))) {
        throw ServiceFailure.conflict("only an accepted scan can be undone; scan " + scanId + " was " + scan.getString("decision"));
      }
      if (row.getBoolean("undone_now")) {
        JsonObject result = (JsonObject) row.getValue("marked_result");
        scan.put("undo", new JsonObject()
            .put("undone_at", SqlValues.time(row, "marked_at"))
            .put("undone_by", row.getString("marked_by"))
            .put("reason", row.getString("marked_reason"))
            .put("cells_restored", result.getJsonArray("cells_restored", new JsonArray()))
            .put("cells_kept", result.getJsonArray("cells_kept", new JsonArray()))
            .put("state_kept", result.getBoolean("state_kept", false)));
        bus.publish(Addresses.SCANS_UNDONE, scan); // whole, whoever undid it
      } else if (scan.getValue("undo") == null) {
        throw ServiceFailure.conflict("scan " + scanId + " was recorded before scans could be undone");
      }
      return caller.isGuest() ? ScanStore.guestView(row, scan) : scan;
    });
  }

  /** {@code {table_id, column_id}} → the door's numbers; readers of the table. */
  Future<JsonObject> status(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", true);
    fields.throwIfInvalid();
    return retries.idempotent(() -> access.whenAllowed(caller, tableId, Permission.READ, () -> status.status(tableId, columnId)));
  }

  /**
   * {@link Addresses#SCANS_STATUS_FEED}: {@code {table_id, column_ids?}} → {@code {statuses}};
   * served without a credential (the asking stream was authorised when it opened).
   */
  Future<JsonObject> statusFeed(JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    JsonArray listed = fields.array("column_ids", false, 1_000);
    fields.throwIfInvalid();
    UUID[] columnIds = null;
    if (listed != null) {
      columnIds = new UUID[listed.size()];
      for (int i = 0; i < listed.size(); i++) {
        try {
          columnIds[i] = UUID.fromString(String.valueOf(listed.getValue(i)));
        } catch (IllegalArgumentException e) {
          throw ServiceFailure.invalid("column_ids[" + i + "]", "must be a UUID");
        }
      }
    }
    UUID[] columns = columnIds;
    return retries.idempotent(() -> status.statuses(tableId, columns)).map(statuses -> new JsonObject().put("statuses", statuses));
  }
}
