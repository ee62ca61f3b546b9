package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;

/** The pages an export is written from, for callers who may read the table. */
final class ExportOperations {

  private final ExportStore store;
  private final AccessStore access;
  private final Retries retries;
  private final int maxPage;

  ExportOperations(ExportStore store, AccessStore access, Retries retries, int maxPage) {
    this.store = store;
    this.access = access;
    this.retries = retries;
    this.maxPage = maxPage;
  }

  /** {@code {table_id, from?, to?, after?, limit?}} → {@code {scans, next_cursor}}. */
  Future<JsonObject> scansPage(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    OffsetDateTime from = fields.timestamp("from");
    OffsetDateTime to = fields.timestamp("to");
    String after = fields.string("after", false, 200);
    Long limit = fields.integer("limit", 1, maxPage);
    fields.throwIfInvalid();
    Cursor cursor = Cursor.decode(after, "after");
    if (cursor != null) {
      try {
        OffsetDateTime.parse(cursor.key());
      } catch (DateTimeParseException e) {
        throw ServiceFailure.invalid("after", "is not a cursor returned by this API");
      }
    }
    return retries.idempotent(() -> access.whenAllowed(caller, tableId, Permission.READ,
        () -> store.scansPage(tableId, from, to, cursor, limit == null ? maxPage : limit.intValue())));
  }
}
