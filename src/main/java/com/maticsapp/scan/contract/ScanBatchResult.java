package com.maticsapp.scan.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The reply of {@link Addresses#SCANS_RECORD_BATCH}: one outcome per item, in request order;
 * each is {@link ScanOutcome.Recorded}, {@link ScanOutcome.Replayed} or
 * {@link ScanOutcome.Refused} (failures already classified by the data side).
 */
public record ScanBatchResult(List<ScanOutcome> outcomes) implements Reply {

  /** True when no item could be recorded because the service has no capacity right now (all 503). */
  public boolean allUnavailable() {
    return outcomes.stream().allMatch(outcome -> outcome instanceof ScanOutcome.Refused refused
        && refused.failure().status() == 503);
  }

  /** {@code {results: [{index, status, created?, scan? | error?}]}}. */
  @Override
  public JsonObject toJson() {
    JsonArray results = new JsonArray();
    for (int i = 0; i < outcomes.size(); i++) {
      results.add(item(i, outcomes.get(i)));
    }
    return new JsonObject().put("results", results);
  }

  private static JsonObject item(int index, ScanOutcome outcome) {
    JsonObject item = new JsonObject().put("index", index);
    if (outcome instanceof ScanOutcome.Recorded recorded) {
      return item.put("status", 201).put("created", true).put("scan", recorded.scan());
    }
    if (outcome instanceof ScanOutcome.Replayed replayed) {
      return item.put("status", 200).put("created", false).put("scan", replayed.scan());
    }
    if (outcome instanceof ScanOutcome.Refused refused) {
      ServiceFailure failure = refused.failure().under("scans[" + index + "]");
      return item.put("status", failure.status()).put("error", failure.toProblem());
    }
    throw new IllegalStateException("an unclassified failure in a batch reply", ((ScanOutcome.Failed) outcome).cause());
  }
}
