package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.LookupRequest;
import com.maticsapp.scan.contract.LookupResult;
import com.maticsapp.scan.contract.ScanBatchResult;
import com.maticsapp.scan.contract.ScanCursor;
import com.maticsapp.scan.contract.ScanOutcome;
import com.maticsapp.scan.contract.ScanRequest;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The scanning operations the data verticle serves, each on behalf of a {@link Caller}: barcode
 * lookups, recording scans (alone or in a batch, through the {@link ScanCoalescer}), the scan
 * history and the live stream's replay. Each validates its request here, once: the data side
 * owns the contract, whoever sent the message.
 */
final class ScanOperations {

  private final EventBus bus;
  private final LookupCoalescer lookups;
  private final ScanCoalescer scans;
  private final ScanHistoryStore history;
  private final AccessStore access;
  private final Retries retries;
  private final FailureObserver failures;
  private final AppConfig.LimitsConfig limits;

  ScanOperations(EventBus bus, LookupCoalescer lookups, ScanCoalescer scans, ScanHistoryStore history, AccessStore access,
                 Retries retries, FailureObserver failures, AppConfig.LimitsConfig limits) {
    this.bus = bus;
    this.lookups = lookups;
    this.scans = scans;
    this.history = history;
    this.access = access;
    this.retries = retries;
    this.failures = failures;
    this.limits = limits;
  }

  /** {@link Addresses#SCANS_LOOKUP}. */
  Future<LookupResult> lookup(Caller caller, JsonObject body) {
    LookupRequest request = LookupRequest.parse(body, limits);
    return retries.idempotent(() -> lookups.lookup(request, caller));
  }

  /** {@link Addresses#SCANS_RECORD}: {@link ScanOutcome.Recorded} or {@link ScanOutcome.Replayed}, else failed. */
  Future<ScanOutcome> record(Caller caller, JsonObject body) {
    List<FieldError> errors = new ArrayList<>();
    ScanRequest request = ScanRequest.parse(body, "", limits, errors);
    if (request == null) {
      throw ServiceFailure.invalid(errors);
    }
    return scans.record(List.of(request.by(caller))).compose(outcomes -> {
      ScanOutcome outcome = outcomes.get(0);
      if (outcome instanceof ScanOutcome.Refused refused) {
        return Future.failedFuture(refused.failure());
      }
      if (outcome instanceof ScanOutcome.Failed failed) {
        // Fail with the failure itself, never a wrapper: a checked one (ConnectException,
        // SocketException while the database restarts) must still be classified as
        // "unavailable" (503), not as an unexpected error (500).
        return Future.failedFuture(failed.cause());
      }
      announce(outcome);
      return Future.succeededFuture(outcome);
    });
  }

  /**
   * {@link Addresses#SCANS_RECORD_BATCH}: items that fail validation are answered without
   * touching the database; the rest are recorded by one statement. Results keep request order.
   */
  Future<ScanBatchResult> recordBatch(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    JsonArray items = fields.array("scans", true, limits.batchMaxScans());
    if (items != null && items.isEmpty()) {
      fields.error("scans", "must have between 1 and " + limits.batchMaxScans() + " items");
    }
    fields.throwIfInvalid();
    ScanOutcome[] results = new ScanOutcome[items.size()];
    List<ScanRequest> valid = new ArrayList<>();
    List<Integer> validIndex = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      List<FieldError> errors = new ArrayList<>();
      String path = "scans[" + i + "]";
      ScanRequest request = items.getValue(i) instanceof JsonObject item
          ? ScanRequest.parse(item, path, limits, errors)
          : null;
      if (request == null) {
        results[i] = new ScanOutcome.Refused(ServiceFailure.invalid(
            errors.isEmpty() ? List.of(new FieldError(path, "must be a JSON object")) : errors));
      } else {
        valid.add(request.by(caller));
        validIndex.add(i);
      }
    }
    Future<List<ScanOutcome>> recorded = valid.isEmpty() ? Future.succeededFuture(List.of()) : scans.record(valid);
    return recorded.map(outcomes -> {
      for (int k = 0; k < outcomes.size(); k++) {
        ScanOutcome outcome = outcomes.get(k);
        if (outcome instanceof ScanOutcome.Failed failed) {
          outcome = new ScanOutcome.Refused(failures.observe(Addresses.SCANS_RECORD_BATCH, failed.cause()));
        }
        announce(outcome);
        results[validIndex.get(k)] = outcome;
      }
      return new ScanBatchResult(List.of(results));
    });
  }

  /** Publishes a newly recorded scan; the statement has committed by the time we get here. */
  private void announce(ScanOutcome outcome) {
    if (outcome instanceof ScanOutcome.Recorded recorded) {
      bus.publish(Addresses.SCANS_RECORDED, recorded.record()); // whole, whoever scanned
      if (recorded.record().getValue("conflict") != null) {
        bus.publish(Addresses.SCANS_CONFLICTED, recorded.record());
      }
    }
  }

  /** {@link Addresses#SCANS_LIST}: one page of a table's scan history, newest first. */
  Future<JsonObject> list(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", false);
    String columnName = fields.string("column_name", false, 100);
    Long limit = fields.integer("limit", 1, limits.pageMaxScans());
    String before = fields.string("before", false, 200);
    fields.throwIfInvalid();
    return retries.idempotent(() -> access.whenAllowed(caller, tableId, Permission.READ,
        () -> history.page(tableId, columnId, columnName, limit == null ? 50 : limit.intValue(), before)));
  }

  /** {@link Addresses#SCANS_CONFLICTS}: one page of a table's conflicts, newest stored first. */
  Future<JsonObject> conflicts(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    Long limit = fields.integer("limit", 1, limits.pageMaxScans());
    String before = fields.string("before", false, 200);
    fields.throwIfInvalid();
    return retries.idempotent(() -> access.whenAllowed(caller, tableId, Permission.READ,
        () -> history.conflicts(tableId, limit == null ? 50 : limit.intValue(), before)));
  }

  /** {@link Addresses#SCANS_SINCE}: the live scan stream's existence check and replay. */
  Future<JsonObject> since(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    String after = fields.string("after", false, 200);
    Long limit = fields.integer("limit", 0, 100_000);
    ScanCursor cursor = ScanCursor.decode(after);
    if (after != null && cursor == null) {
      fields.error("after", "is not a cursor returned by this API");
    }
    fields.throwIfInvalid();
    return retries.idempotent(() -> access.whenAllowed(caller, tableId, Permission.READ,
        () -> history.since(tableId, cursor, limit == null ? 1000 : limit.intValue())));
  }
}
