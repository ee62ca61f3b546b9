package com.maticsapp.scan.contract;

import java.util.List;

/**
 * The event types an endpoint may subscribe to, and the one shape every delivery has:
 * {@code {"type", "timestamp", "data"}} (the Standard Webhooks payload structure), where
 * {@code data} is the thing itself as the HTTP API returns it.
 *
 * <p>Each type is written to the outbox by the statement that commits its change (see the
 * V16_1 migration): {@link #SCAN_RECORDED}, {@link #ROW_CREATED} and {@link #ROW_UPDATED} by
 * triggers; a feature adding a type calls {@code matic_webhook_emit(workspace, table, type,
 * data)} inside its own statement and adds the type here.
 */
public final class WebhookEvents {

  private WebhookEvents() {}

  /** A scan newly recorded (replays emit nothing); data: the scan. */
  public static final String SCAN_RECORDED = "scan.recorded";
  /** A scan undone; data: the scan. */
  public static final String SCAN_UNDONE = "scan.undone";
  /** A scan that conflicted with the row's state; data: the scan. */
  public static final String SCAN_CONFLICT = "scan.conflict";
  /** Rows inserted, one event each (bulk inserts too); data: the row. */
  public static final String ROW_CREATED = "row.created";
  /** A row's cells, archive flag or position changed (scan counters do not count); data: the row. */
  public static final String ROW_UPDATED = "row.updated";
  /** An import finished; data: the import's summary. */
  public static final String IMPORT_COMPLETED = "import.completed";

  /** Every type an endpoint may name, in the order the API documents them. */
  public static final List<String> TYPES = List.of(
      SCAN_RECORDED, SCAN_UNDONE, SCAN_CONFLICT, ROW_CREATED, ROW_UPDATED, IMPORT_COMPLETED);
}
