package com.maticsapp.scan.contract;

import com.maticsapp.scan.config.AppConfig.LimitsConfig;
import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * {@code {table_id, column_id | column_name, barcode}}: find the rows a barcode matches. The
 * barcode obeys the same rules as a scan's ({@link Barcodes}).
 */
public record LookupRequest(UUID tableId, UUID columnId, String columnName, String barcode) {

  public static LookupRequest parse(JsonObject json, LimitsConfig limits) {
    Fields fields = Fields.of(json);
    UUID tableId = fields.uuid("table_id", true);
    ScanRequest.ColumnRef column = ScanRequest.ColumnRef.parse(fields);
    String barcode = ScanRequest.barcode(fields, limits);
    fields.throwIfInvalid();
    return new LookupRequest(tableId, column.id(), column.name(), barcode);
  }
}
