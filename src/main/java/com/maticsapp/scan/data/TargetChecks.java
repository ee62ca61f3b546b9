package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;

import java.util.UUID;

/**
 * The answers to "which table, which column, which barcode?" shared by lookups and scans:
 * the statements report what they found, and this turns a miss into the caller's failure.
 */
final class TargetChecks {

  private TargetChecks() {}

  /** Null when table, column and barcode are all usable; otherwise the failure to report. */
  static ServiceFailure check(UUID tableId, UUID columnId, String columnName,
                              boolean tableFound, boolean columnFound, String columnType, boolean barcodeValid) {
    if (!tableFound) {
      return ServiceFailure.notFound("table " + tableId + " does not exist");
    }
    if (!columnFound) {
      return ServiceFailure.noSuchColumn(tableId, columnId, columnName);
    }
    if (!"barcode".equals(columnType)) {
      return ServiceFailure.invalid(columnId != null ? "column_id" : "column_name",
          "is a " + columnType + " column, not a barcode column");
    }
    if (!barcodeValid) {
      return ServiceFailure.invalid("barcode", "is not a usable barcode for this column (a GTIN column needs "
          + "8, 12, 13 or 14 digits with a valid check digit; an exact column needs a non-blank value)");
    }
    return null;
  }
}
