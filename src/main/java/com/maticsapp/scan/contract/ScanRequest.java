package com.maticsapp.scan.contract;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.ServiceFailure.FieldError;
import com.maticsapp.scan.config.AppConfig.LimitsConfig;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * One scan as a client sends it: {@code {id?, table_id, column_id | column_name, barcode,
 * scanned_at?, source?, device_id?, metadata?, row_id?, direction?, inputs?}}. The same shape
 * serves POST /api/scans, each item of a batch and the {@code scans.record} address.
 * {@code row_id} chooses one of several matching rows, {@code direction} (entry | exit) is for
 * entry/exit columns, {@code inputs} carries values for on_accept actions (docs/scan-rules.md).
 *
 * <p>An upload from a phone adds {@code decided_offline} (what the door decided from its copy:
 * {@code accepted} or a refusal's reason) and {@code device_time} (the phone's clock as it sent
 * the request). The difference between the service's clock and {@code device_time} is the
 * phone's clock error; it is added to {@code scanned_at}, so scans of phones with wrong clocks
 * land in the right order (docs/offline.md).
 */
public record ScanRequest(
    UUID id,
    UUID tableId,
    UUID columnId,
    String columnName,
    String barcode,
    OffsetDateTime scannedAt,
    String source,
    String deviceId,
    JsonObject metadata,
    UUID rowId,
    String direction,
    JsonObject inputs,
    Offline offline,
    Caller caller) {

  public static final int MAX_INPUTS = 32;
  public static final int INPUT_MAX_LENGTH = 1_000;

  /** What a door may have decided offline: acceptance or one of the service's refusal reasons. */
  public static final java.util.Set<String> OFFLINE_DECISIONS = java.util.Set.of("accepted", "already_scanned",
      "already_inside", "not_inside", "outside_window", "rule", "invalid_input", "not_found", "ambiguous");

  /** A clock error below this is network delay, not an error: no correction. */
  static final Duration SKEW_TOLERANCE = Duration.ofSeconds(1);

  /**
   * What the phone uploaded about an offline decision, kept with the scan: the decision, the
   * scan's time by the phone's clock, and how far that clock was off (service minus phone).
   */
  public record Offline(String decision, OffsetDateTime deviceScannedAt, long clockOffsetMillis) {
    public JsonObject toJson() {
      return new JsonObject().put("decision", decision)
          .put("device_scanned_at", ApiTimestamps.format(deviceScannedAt))
          .put("clock_offset_ms", clockOffsetMillis);
    }
  }

  /** Offline phones replay old scans, but a clock a day ahead is broken, not offline. */
  private static final Duration MAX_CLOCK_SKEW = Duration.ofDays(1);
  private static final OffsetDateTime EARLIEST = OffsetDateTime.parse("2000-01-01T00:00:00Z");

  /**
   * Parses one scan; problems go to {@code errors} under {@code path} and null is returned.
   * Beyond its fields, nothing anywhere in the scan object (unknown members included) may hold
   * text PostgreSQL would refuse ({@link JsonValues}), so a scan is refused the same way
   * whether it arrives alone, in a batch or over the event bus.
   */
  public static ScanRequest parse(JsonObject json, String path, LimitsConfig limits, List<FieldError> errors) {
    int before = errors.size();
    Fields fields = Fields.of(json, path, errors);
    UUID id = fields.uuid("id", false);
    UUID tableId = fields.uuid("table_id", true);
    ColumnRef column = ColumnRef.parse(fields);
    String barcode = barcode(fields, limits);
    OffsetDateTime deviceScannedAt = fields.timestamp("scanned_at");
    OffsetDateTime deviceTime = fields.timestamp("device_time");
    String decidedOffline = fields.string("decided_offline", false, 32);
    OffsetDateTime now = OffsetDateTime.now(java.time.ZoneOffset.UTC);
    // The phone's clock error, when it said what its clock read: added to its scan time.
    Duration offset = deviceTime == null ? Duration.ZERO : Duration.between(deviceTime, now);
    if (offset.abs().compareTo(SKEW_TOLERANCE) < 0) {
      offset = Duration.ZERO;
    }
    OffsetDateTime scannedAt = deviceScannedAt == null ? null : deviceScannedAt.plus(offset);
    if (deviceTime != null && deviceTime.isBefore(EARLIEST)) {
      fields.error("device_time", "must be after 2000-01-01");
    } else if (deviceTime != null && scannedAt != null) {
      // Corrected, a scan cannot lie in the future: what is left is the request's own delay.
      scannedAt = scannedAt.isAfter(now) ? now : scannedAt;
      if (scannedAt.isBefore(EARLIEST)) {
        fields.error("scanned_at", "must be after 2000-01-01 once corrected by device_time");
      }
    } else if (scannedAt != null && (scannedAt.isBefore(EARLIEST) || scannedAt.isAfter(now.plus(MAX_CLOCK_SKEW)))) {
      fields.error("scanned_at", "must be after 2000-01-01 and not more than a day in the future");
    }
    Offline offline = null;
    if (decidedOffline != null) {
      if (!OFFLINE_DECISIONS.contains(decidedOffline)) {
        fields.error("decided_offline", "must be accepted or a refusal reason: " + String.join(", ", new java.util.TreeSet<>(OFFLINE_DECISIONS)));
      }
      // Uploaded until acknowledged: only its id makes that safe. And a decision without its
      // time cannot be put in order.
      if (id == null) {
        fields.error("id", "is required with decided_offline");
      }
      if (deviceScannedAt == null) {
        fields.error("scanned_at", "is required with decided_offline");
      } else {
        offline = new Offline(decidedOffline, deviceScannedAt, offset.toMillis());
      }
    }
    String source = fields.string("source", false, 64);
    String deviceId = fields.string("device_id", false, 200);
    JsonObject metadata = fields.object("metadata", false, JsonValues.Bounds.metadata(limits));
    UUID rowId = fields.uuid("row_id", false);
    String direction = fields.string("direction", false, 10);
    if (direction != null && !direction.equals("entry") && !direction.equals("exit")) {
      fields.error("direction", "must be entry or exit");
    }
    JsonObject inputs = inputs(fields, json.getValue("inputs"));
    if (errors.size() == before) {
      FieldError elsewhere = JsonValues.shapeProblem(json, path, limits.jsonMaxDepth(), Integer.MAX_VALUE);
      if (elsewhere != null) {
        errors.add(elsewhere);
      }
    }
    if (errors.size() > before) {
      return null;
    }
    return new ScanRequest(id, tableId, column.id(), column.name(), barcode, scannedAt, source, deviceId, metadata,
        rowId, direction, inputs, offline, null);
  }

  /** At most {@link #MAX_INPUTS} values keyed like {@link ScanRules#INPUT_KEY}: strings, numbers, booleans or null. */
  private static JsonObject inputs(Fields fields, Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject inputs) || inputs.size() > MAX_INPUTS) {
      fields.error("inputs", "must be an object of at most " + MAX_INPUTS + " values");
      return null;
    }
    for (var entry : inputs) {
      Object cell = entry.getValue();
      if (!ScanRules.INPUT_KEY.matcher(entry.getKey()).matches()) {
        fields.error("inputs." + entry.getKey(), "is not a valid input name (1 to 64 letters, digits, '_' or '-')");
      } else if (cell instanceof JsonObject || cell instanceof io.vertx.core.json.JsonArray) {
        fields.error("inputs." + entry.getKey(), "must be a string, number, boolean or null");
      } else if (cell instanceof String text && (text.length() > INPUT_MAX_LENGTH || JsonValues.textProblem(text) != null)) {
        fields.error("inputs." + entry.getKey(), "must be at most " + INPUT_MAX_LENGTH + " characters of text");
      } else if (cell instanceof Double number && !Double.isFinite(number)) {
        fields.error("inputs." + entry.getKey(), JsonValues.NOT_FINITE);
      }
    }
    return inputs;
  }

  /**
   * This scan on behalf of {@code caller}. A guest's scan carries who scanned in its metadata,
   * under {@code guest} ({@code pairing_id}, {@code scanner_name}, {@code scanner_email}),
   * replacing anything the client put there: it comes from the guest token, not the body. So
   * does its {@code device_id} when the token names the device that claimed it.
   */
  public ScanRequest by(Caller caller) {
    JsonObject stamped = metadata;
    String device = deviceId;
    if (caller.isGuest()) {
      if (caller.deviceId() != null) {
        device = caller.deviceId();
      }
      Caller.Guest guest = caller.guest();
      stamped = (metadata == null ? new JsonObject() : metadata.copy()).put("guest", new JsonObject()
          .put("pairing_id", guest.pairingId().toString())
          .put("scanner_name", guest.scannerName())
          .put("scanner_email", guest.scannerEmail()));
    }
    return new ScanRequest(id, tableId, columnId, columnName, barcode, scannedAt, source, device, stamped,
        rowId, direction, inputs, offline, caller);
  }

  /** The required {@code barcode}: not blank, at most {@code limits.barcodeMaxLength}, in {@code limits.barcodeCharset}. */
  static String barcode(Fields fields, LimitsConfig limits) {
    String barcode = fields.string("barcode", true, limits.barcodeMaxLength());
    String problem = barcode == null ? null : Barcodes.problem(barcode, limits.barcodeCharset());
    if (problem != null) {
      fields.error("barcode", problem);
      return null;
    }
    return barcode;
  }

  /** The column a request names, by id or by name (one of the two). */
  public record ColumnRef(UUID id, String name) {
    public static ColumnRef parse(Fields fields) {
      UUID id = fields.uuid("column_id", false);
      String name = fields.string("column_name", false, 100);
      if (!fields.has("column_id") && !fields.has("column_name")) {
        fields.error("column_id", "column_id or column_name is required");
      }
      return new ColumnRef(id, name);
    }
  }
}
