package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.config.TransferConfig;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Deleting rows and tables for real, and the retention of scan-history copies
 * ({@link ErasureStore}). Rows: editors and owners; a whole table and a workspace's retention:
 * owners only.
 */
final class ErasureOperations {

  private static final Logger log = LoggerFactory.getLogger(ErasureOperations.class);
  static final int MAX_ROWS = 5_000;

  private final Vertx vertx;
  private final ErasureStore store;
  private final AccessStore access;
  private final TransferConfig transfer;
  private long timer = -1;
  private boolean sweeping;

  ErasureOperations(Vertx vertx, ErasureStore store, AccessStore access, TransferConfig transfer) {
    this.vertx = vertx;
    this.store = store;
    this.access = access;
    this.transfer = transfer;
  }

  /** {@code {table_id, row_ids}} → {@code {deleted, history_entries_erased}}. */
  Future<JsonObject> deleteRows(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    JsonArray ids = fields.array("row_ids", true, MAX_ROWS);
    Set<UUID> rowIds = new LinkedHashSet<>();
    if (ids != null) {
      if (ids.isEmpty()) {
        fields.error("row_ids", "must not be empty");
      }
      for (int i = 0; i < ids.size(); i++) {
        UUID id = ids.getValue(i) instanceof String text ? Fields.parseUuid(text) : null;
        if (id == null) {
          fields.error("row_ids[" + i + "]", "must be a row id (UUID)");
        } else {
          rowIds.add(id);
        }
      }
    }
    fields.throwIfInvalid();
    return access.whenAllowed(caller, tableId, Permission.EDIT, () -> Future.succeededFuture())
        .compose(allowed -> store.deleteRows(tableId, new ArrayList<>(rowIds)));
  }

  /** {@code {table_id}} → {@code {deleted: true, table_id}}; owners only. */
  Future<JsonObject> deleteTable(Caller caller, JsonObject body) {
    UUID tableId = Fields.requiredUuid(body, "table_id");
    return access.whenAllowed(caller, tableId, Permission.MANAGE_MEMBERS, () -> Future.succeededFuture())
        .compose(allowed -> store.deleteTable(tableId))
        .map(deleted -> {
          if (deleted == 0) {
            throw ServiceFailure.notFound("table " + tableId + " does not exist");
          }
          return new JsonObject().put("deleted", true).put("table_id", tableId.toString());
        });
  }

  /** {@code {workspace_id, history_copies_days}} (null: no limit); owners only. */
  Future<JsonObject> setRetention(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID workspaceId = fields.uuid("workspace_id", true);
    if (!body.containsKey("history_copies_days")) {
      fields.error("history_copies_days", "is required (a number of days, or null for no limit)");
    }
    Long days = fields.integer("history_copies_days", 0, 36_500);
    fields.throwIfInvalid();
    return access.whenAllowedInWorkspace(caller, workspaceId, Permission.MANAGE_MEMBERS, () -> Future.succeededFuture())
        .compose(allowed -> store.setRetention(workspaceId, days == null ? null : days.intValue()))
        .map(result -> {
          if (result == null) {
            throw ServiceFailure.notFound("workspace " + workspaceId + " does not exist");
          }
          sweep();
          return result;
        });
  }

  /** Starts the periodic retention sweep (every {@code transfer.retentionSweep}). */
  void startSweeping() {
    timer = vertx.setPeriodic(transfer.retentionSweep().toMillis(), tick -> sweep());
  }

  void stopSweeping() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** Bounded steps until a step finds less than a full batch; one sweep at a time. */
  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    step(0).onComplete(done -> {
      sweeping = false;
      if (done.failed()) {
        log.warn("retention sweep failed (tried again in {}): {}", transfer.retentionSweep(), done.cause().toString());
      } else if (done.result() > 0) {
        log.info("retention sweep: erased the row copies of {} scan-history entries", done.result());
      }
    });
  }

  private Future<Long> step(long erasedSoFar) {
    return store.sweep(transfer.retentionSweepRows()).compose(erased -> erased < transfer.retentionSweepRows()
        ? Future.succeededFuture(erasedSoFar + erased)
        : step(erasedSoFar + erased));
  }
}
