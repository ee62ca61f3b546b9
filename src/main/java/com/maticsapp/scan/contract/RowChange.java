package com.maticsapp.scan.contract;

import com.maticsapp.scan.config.AppConfig.LimitsConfig;
import io.vertx.core.json.JsonObject;

/**
 * A PATCH of one row: {@code {data?, is_archived?, position?}}. {@code data} is merged into
 * the row's cells at the top level; a cell set to null is removed.
 */
public record RowChange(JsonObject data, Boolean archived, Long position) {

  public static RowChange parse(JsonObject json, LimitsConfig limits) {
    Fields fields = Fields.of(json);
    JsonObject data = fields.object("data", false, JsonValues.Bounds.rowData(limits));
    Boolean archived = fields.bool("is_archived");
    Long position = fields.integer("position", Long.MIN_VALUE / 2, Long.MAX_VALUE / 2);
    if (!fields.has("data") && !fields.has("is_archived") && !fields.has("position")) {
      fields.error("data", "one of data, is_archived or position is required");
    }
    fields.throwIfInvalid();
    return new RowChange(data, archived, position);
  }
}
