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

  /** Stored by this request: {@code scan} is the new record, announced on {@link Addresses#SCANS_RECORDED}. */
  record Recorded(JsonObject scan) implements ScanOutcome, Reply {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("created", true).put("scan", scan);
    }
  }

  /** Its id was already stored for the same scan: {@code scan} is the record stored then; nothing was counted. */
  record Replayed(JsonObject scan) implements ScanOutcome, Reply {
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
