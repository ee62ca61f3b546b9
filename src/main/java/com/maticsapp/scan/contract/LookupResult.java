package com.maticsapp.scan.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The reply of {@link Addresses#SCANS_LOOKUP}: the live rows ({@code {id, data}}) whose barcode
 * cell equals the barcode after the column's normalisation, the normalised value and the
 * column that was searched.
 */
public record LookupResult(JsonArray rows, String normalizedValue, String columnId) implements Reply {

  @Override
  public JsonObject toJson() {
    return new JsonObject().put("rows", rows).put("normalized_value", normalizedValue).put("column_id", columnId);
  }
}
