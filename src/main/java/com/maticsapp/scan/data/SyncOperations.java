package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.config.SyncConfig;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.SyncCursor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * Offline phones (docs/offline.md): the snapshot of a barcode column, one page per request,
 * deltas since a cursor, and the devices that sync and scan. The phone names its device with
 * {@code device_id} (a guest's token names it already, and wins); the service records each sync
 * on it.
 */
final class SyncOperations {

  private final SyncStore sync;
  private final DeviceStore devices;
  private final Retries retries;
  private final AccessStore access;
  private final SyncConfig config;
  private final int pageMax;

  SyncOperations(SyncStore sync, DeviceStore devices, AccessStore access, Retries retries, SyncConfig config, int pageMax) {
    this.sync = sync;
    this.devices = devices;
    this.access = access;
    this.retries = retries;
    this.config = config;
    this.pageMax = pageMax;
  }

  /**
   * {@code {table_id, column_id, after?, device_id?, app_version?, device_label?}} → one page
   * ({@link SyncStore#page}); without {@code after} the first, which also names the cursor.
   */
  Future<JsonObject> snapshotPage(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", true);
    String after = fields.string("after", false, 200);
    SyncStore.Device device = device(caller, fields);
    fields.throwIfInvalid();
    Cursor keyset = Cursor.decode(after, "after");
    SyncStore.Keyset start = keyset == null ? SyncStore.Keyset.START : keysetOf(keyset);
    Permission.SNAPSHOT.requireCallerKind(caller);
    return retries.idempotent(() -> sync.page(caller, tableId, columnId, device, start, config.snapshotPageRows()));
  }

  /** {@code {table_id, column_id, since, device_id?, app_version?, device_label?}} → the delta ({@link SyncStore#delta}). */
  Future<JsonObject> delta(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", true);
    String sinceText = fields.string("since", true, 200);
    SyncStore.Device device = device(caller, fields);
    SyncCursor since = SyncCursor.decode(sinceText);
    if (sinceText != null && since == null) {
      fields.error("since", "is not a cursor returned by this API");
    } else if (since != null && columnId != null && !since.columnId().equals(columnId)) {
      fields.error("since", "is a cursor of another column");
    }
    fields.throwIfInvalid();
    Permission.SNAPSHOT.requireCallerKind(caller);
    return retries.idempotent(() -> sync.delta(caller, tableId, since, device, config.deltaMaxRows()));
  }

  /** {@code {table_id}} → {@code {devices: [...]}}, for owners and editors. */
  Future<JsonObject> listDevices(Caller caller, JsonObject body) {
    UUID tableId = Fields.requiredUuid(body, "table_id");
    return retries.idempotent(() -> access.whenAllowed(caller, tableId, Permission.EDIT, () -> devices.list(tableId, pageMax)));
  }

  /** {@code {table_id, device_id}} → the revoked device; a guest token claimed on it stops at its next request. */
  Future<JsonObject> revokeDevice(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    String deviceId = fields.string("device_id", true, 200);
    fields.throwIfInvalid();
    return devices.revoke(caller, tableId, deviceId);
  }

  /** The device a sync is recorded on: the guest token's own, else the one the phone names. */
  private static SyncStore.Device device(Caller caller, Fields fields) {
    String named = fields.string("device_id", false, 200);
    String appVersion = fields.string("app_version", false, 64);
    String label = fields.string("device_label", false, 100);
    return new SyncStore.Device(caller.deviceId() != null ? caller.deviceId() : named, appVersion, label);
  }

  private static SyncStore.Keyset keysetOf(Cursor cursor) {
    try {
      return new SyncStore.Keyset(Long.parseLong(cursor.key()), cursor.id());
    } catch (NumberFormatException notOurs) {
      throw com.maticsapp.scan.contract.ServiceFailure.invalid("after", "is not a cursor returned by this API");
    }
  }
}
