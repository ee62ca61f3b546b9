package com.maticsapp.scan.contract;

import io.vertx.core.json.JsonObject;

/**
 * What became of one scan. The data side produces it per scan (alone or inside a batch); the
 * HTTP side answers 201 for {@link Recorded}, 200 for {@link Replayed} and the failure's status
 * otherwise. A {@link Failed} never leaves the data side: it is classified there (logged, counted
 * in the database health evidence) and turned into a {@link Refused} with the failure the caller
 * should see.
 */
public sealed interface ScanOutcome {

  /**
   * Stored by this request: {@code scan} is the new record as the caller is shown it, and
   * {@code record} the whole record, announced on {@link Addresses#SCANS_RECORDED}. They differ
   * for a guest, who is shown only the display cells of the matched rows (docs/scan-rules.md).
   */
  record Recorded(JsonObject scan, JsonObject record) implements ScanOutcome, Reply {

    /** A caller shown the whole record. */
    public Recorded(JsonObject scan) {
      this(scan, scan);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("created", true).put("scan", scan);
    }
  }

  /**
   * Its id was already stored for the same scan: {@code scan} is the record stored then, as the
   * caller is shown it ({@code record}: whole); nothing was counted.
   */
  record Replayed(JsonObject scan, JsonObject record) implements ScanOutcome, Reply {

    /** A caller shown the whole record. */
    public Replayed(JsonObject scan) {
      this(scan, scan);
    }

    @Override
    public JsonObject toJson() {
      return new JsonObject().put("created", false).put("scan", scan);
    }
  }

  /** Not recorded, for a reason the caller is told: invalid, not allowed, unknown target, or no capacity now. */
  record Refused(ServiceFailure failure) implements ScanOutcome {}

  /** Not recorded because the database failed; still to be classified by the data side. */
  record Failed(Throwable cause) implements ScanOutcome {}
}
