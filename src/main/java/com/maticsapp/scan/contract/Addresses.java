package com.maticsapp.scan.contract;

/**
 * Every event-bus address of matic-scan, with the shape of what travels on it. Payloads are
 * JSON objects with snake_case keys, the same shapes as the HTTP API (docs/event-bus.md).
 *
 * <p>When the event bus is clustered ({@code cluster.enabled}), the public addresses are
 * cluster-wide: {@link #SCANS_RECORDED} reaches consumers on every member and the request/reply
 * ones are answered by any member that serves them. The internal {@code data.*} addresses stay
 * on each member.
 *
 * <p>Every request to a {@code scans.*} or {@code data.*} address carries the caller's credential
 * in the {@link #AUTHORIZATION} header ({@code Bearer <token>}: a user's access token or a guest
 * token), checked by the data verticle exactly as for HTTP; without one the answer is 401. The
 * acting user is the token's, never a field of the body.
 *
 * <p>Failures come back as a {@code ReplyException} whose {@code failureCode()} is the HTTP
 * status that describes it (400, 401, 403, 404, 409, 410, 422, 503, 504, 500) and whose message is a JSON
 * problem document: {@code {"title", "status", "detail", "errors": [{"field", "message"}]}}; see
 * {@link ServiceFailure#problemOf}.
 */
public final class Addresses {

  private Addresses() {}

  /** The delivery header that carries the caller's credential: {@code Bearer <token>}. */
  public static final String AUTHORIZATION = "authorization";

  /**
   * The delivery header a sender in this process sets to {@link #REPLY_RECORD} to receive typed
   * replies ({@link Reply} records such as {@link ScanOutcome}, {@link LookupResult}) by
   * reference instead of their JSON documents. Without it every reply is the JSON document.
   */
  public static final String REPLY = "reply";

  /** The value of {@link #REPLY} that asks for records. */
  public static final String REPLY_RECORD = "record";

  // ---- Public: for internal consumers as much as for the HTTP verticle ----

  /**
   * Request/reply. {@code {table_id, column_id | column_name, barcode}} →
   * {@code {rows: [{id, data}], normalized_value, column_id}}: the live rows whose barcode
   * cell equals the barcode after the column's normalisation.
   */
  public static final String SCANS_LOOKUP = "scans.lookup";

  /**
   * Request/reply. {@code {id?, table_id, column_id | column_name, barcode, scanned_at?,
   * source?, device_id?, metadata?}} → {@code {created, scan}}. Records the scan, its matched
   * rows and their counters in one transaction. {@code id} is the idempotency key: a replay
   * returns the stored scan with {@code created: false} and counts nothing.
   */
  public static final String SCANS_RECORD = "scans.record";

  /**
   * Request/reply. {@code {scans: [scan, ...]}} → {@code {results: [{index, status, created?,
   * scan? | error?}]}} in request order; each item is idempotent on its own and one bad item
   * does not stop the others.
   */
  public static final String SCANS_RECORD_BATCH = "scans.record.batch";

  /**
   * Publish, after commit: one message per newly recorded scan, the scan record itself.
   * Idempotent replays publish nothing.
   */
  public static final String SCANS_RECORDED = "scans.recorded";

  /**
   * Publish, after commit, beside {@link #SCANS_RECORDED}: a newly recorded scan that is a
   * conflict (decided accepted offline where the service would have refused it; its
   * {@code conflict} says why), the scan record itself.
   */
  public static final String SCANS_CONFLICTED = "scans.conflicted";

  /**
   * Request/reply. {@code {scan_id, reason?}} → the scan record with {@code undo: {undone_at,
   * undone_by, reason, cells_restored, cells_kept, state_kept}}. Annuls an accepted scan
   * (docs/scan-rules.md, "Undo"); undoing again answers the same; 409 for a refused scan;
   * scanners undo their own scans, guests their pairing's, editors and owners any.
   */
  public static final String SCANS_UNDO = "scans.undo";

  /** Publish, after commit: the scan record of a scan just undone (with its {@code undo}). */
  public static final String SCANS_UNDONE = "scans.undone";

  /**
   * Publish: an import job's state ({@code {id, table_id, status, rows_read, rows_staged,
   * error_count, report, ...}}, the shape of {@code GET /api/imports/{job_id}}) after every staged
   * chunk and once when it ends ({@code status} succeeded or failed, with its report).
   */
  public static final String IMPORTS_PROGRESS = "imports.progress";

  /**
   * Publish, after commit: webhook endpoints of {@code {workspace_id}} were created, changed or
   * had deliveries queued again. Every member's webhook dispatcher hears it (cluster-wide when
   * clustered) and, if it was idle for want of an enabled endpoint, looks for work at once.
   */
  public static final String WEBHOOKS_ENDPOINTS_CHANGED = "webhooks.endpoints.changed";

  /**
   * Request/reply. {@code {probe: "live" | "ready" | "database" | "detailed"}} → the health
   * document; {@code status} is {@code "UP"} or {@code "DOWN"}. Never fails for DOWN: DOWN is
   * an answer.
   */
  public static final String HEALTH_STATUS = "health.status";

  // ---- Internal: the HTTP verticle's requests to the data verticle ----
  // Registered with localConsumer: with a clustered event bus they stay on each member.

  /** Every internal address starts with this. */
  public static final String INTERNAL_PREFIX = "data.";

  public static final String WORKSPACES_CREATE = "data.workspaces.create";
  public static final String WORKSPACES_LIST = "data.workspaces.list";
  public static final String MEMBERS_LIST = "data.members.list";
  public static final String MEMBERS_PUT = "data.members.put";
  public static final String MEMBERS_REMOVE = "data.members.remove";
  public static final String PAIRINGS_OPEN = "data.pairings.open";
  public static final String PAIRINGS_LIST = "data.pairings.list";
  public static final String PAIRINGS_REVOKE = "data.pairings.revoke";
  /** The one address that needs no credential: the pairing code is the credential. */
  public static final String PAIRINGS_CLAIM = "data.pairings.claim";
  public static final String TABLES_LIST = "data.tables.list";
  public static final String TABLES_CREATE = "data.tables.create";
  public static final String TABLES_GET = "data.tables.get";
  /**
   * {@code {table_id, column_id, name?, label?, position?, column_type?, settings?, dry_run?}} →
   * the column {@code {id, name, label, column_type, position, settings, change}}: renamed,
   * relabelled, moved, its cells converted to a new type, its settings merged (a key set to
   * null is removed) and checked against the table's columns (scan rules: docs/scan-rules.md);
   * {@code change} counts the cells converted and lists those that do not convert (a dry run
   * writes nothing). Editors.
   */
  public static final String COLUMNS_UPDATE = "data.columns.update";
  public static final String ROWS_CREATE = "data.rows.create";
  public static final String ROWS_BULK_CREATE = "data.rows.bulk-create";
  public static final String ROWS_LIST = "data.rows.list";
  public static final String ROWS_GET = "data.rows.get";
  public static final String ROWS_UPDATE = "data.rows.update";
  public static final String SCANS_LIST = "data.scans.list";
  /** {@code {table_id, limit?, before?}} → {@code {scans, next_cursor}}: the table's conflicts, newest stored first. Readers. */
  public static final String SCANS_CONFLICTS = "data.scans.conflicts";

  // Import, export, table editing and erasure (docs/event-bus.md, "Lists in, results out").
  /** {@code {table_id, format?, mode?, key?, ...ImportRequest}} → the job, status "receiving"; 409 while another import of the table is active. */
  public static final String IMPORTS_CREATE = "data.imports.create";
  /**
   * {@code {workspace_id, name, barcode, normalization?, options, file?}} → the new table, its
   * columns inferred from the spooled file's header and first rows; without {@code file}, only
   * whether the caller may (answered before the upload is read). Editors of the workspace.
   */
  public static final String TABLES_CREATE_FROM_FILE = "data.tables.create-from-file";
  /** {@code {job_id, file, wait?}} → the job running (or, with wait, finished); the file is the spooled upload, deleted afterwards. */
  public static final String IMPORTS_RUN = "data.imports.run";
  /** {@code {job_id, reason}} → the job, failed: its upload did not complete. */
  public static final String IMPORTS_ABORT = "data.imports.abort";
  /** {@code {job_id}} → the job with its progress and report. */
  public static final String IMPORTS_GET = "data.imports.get";
  /** {@code {table_id, from?, to?, after?, limit}} → {@code {scans, next_cursor}}: history in (scanned_at, id) order, for exports. */
  public static final String SCANS_EXPORT_PAGE = "data.scans.export-page";
  /** {@code {table_id, row_ids}} → {@code {deleted, history_entries_erased}}: rows deleted, their cells erased from history copies. */
  public static final String ROWS_DELETE = "data.rows.delete";
  /** {@code {table_id}} → {@code {deleted: true, ...}}: the table, its rows, columns, pairings, jobs and scan history. */
  public static final String TABLES_DELETE = "data.tables.delete";
  /** {@code {table_id, name?, archived?}} → the table, renamed and/or archived (or back). */
  public static final String TABLES_UPDATE = "data.tables.update";
  /** {@code {table_id, name, label?, column_type, settings?, position?}} → the table with the new column. */
  public static final String COLUMNS_ADD = "data.columns.add";
  /**
   * Publish, after a table edit committed: {@code {table_id, change: table | columns}}. The live
   * streams of the table pass it on as a {@code table} event, so a desk reads the table again.
   */
  public static final String TABLES_CHANGED = "tables.changed";
  /** {@code {table_id, column_id}} → the table without the column; its cells are removed from every row. */
  public static final String COLUMNS_REMOVE = "data.columns.remove";
  /** {@code {workspace_id, history_copies_days}} → {@code {workspace_id, history_copies_days}} (null: kept as long as the scan). */
  public static final String WORKSPACES_RETENTION = "data.workspaces.retention";

  // Webhook endpoints of a workspace (owners and editors). Every request names
  // {workspace_id}; the ones on one endpoint also {webhook_id}. See docs/event-bus.md.
  /** {@code {workspace_id, url, event_types, table_id?, description?, enabled?}} → the endpoint with {@code secret} (shown once). */
  public static final String WEBHOOKS_CREATE = "data.webhooks.create";
  /** {@code {workspace_id}} → {@code {endpoints}}. */
  public static final String WEBHOOKS_LIST = "data.webhooks.list";
  /** {@code {workspace_id, webhook_id}} → the endpoint. */
  public static final String WEBHOOKS_GET = "data.webhooks.get";
  /** {@code {workspace_id, webhook_id, url?, event_types?, table_id?, description?, enabled?}} → the endpoint. */
  public static final String WEBHOOKS_UPDATE = "data.webhooks.update";
  /** {@code {workspace_id, webhook_id}} → {@code {deleted}}; its deliveries go with it. */
  public static final String WEBHOOKS_DELETE = "data.webhooks.delete";
  /** {@code {workspace_id, webhook_id, overlap_seconds?}} → the endpoint with its new {@code secret}. */
  public static final String WEBHOOKS_ROTATE_SECRET = "data.webhooks.rotate-secret";
  /** {@code {workspace_id, webhook_id, state?, limit?, before?}} → {@code {deliveries, next_cursor}}. */
  public static final String WEBHOOKS_DELIVERIES = "data.webhooks.deliveries";
  /** {@code {workspace_id, webhook_id, delivery_id}} → {@code {queued}}; 409 while it is on the wire. */
  public static final String WEBHOOKS_REDELIVER = "data.webhooks.redeliver";
  /** {@code {workspace_id, webhook_id, since}} → {@code {queued}}. */
  public static final String WEBHOOKS_REDELIVER_SINCE = "data.webhooks.redeliver-since";

  /**
   * Publish on this member only, no body: an operation whose statements may have written
   * webhook events to the outbox (scans, undo, rows, column removal) committed here. This
   * member's dispatcher claims them a moment later instead of at its next poll.
   */
  public static final String WEBHOOKS_OUTBOX_WRITTEN = "data.webhooks.outbox-written";

  /**
   * Request/reply, one page of a barcode column's offline snapshot (docs/offline.md).
   * {@code {table_id, column_id, after?, device_id?, app_version?, device_label?}} →
   * {@code {column: {id, name, settings}, cursor, server_time, rows_json, rows, next?}}:
   * {@code rows_json} is the page's row documents as JSON text joined by commas (the HTTP
   * stream writes it as it is), {@code next} the {@code after} of the next page, absent after
   * the last. Members with read access, and a guest on its own column. The first page
   * (without {@code after}) records the sync on the device and its {@code cursor} is the
   * snapshot's.
   */
  public static final String SYNC_SNAPSHOT_PAGE = "data.sync.snapshot-page";

  /**
   * Request/reply. {@code {table_id, column_id, since, device_id?, app_version?, device_label?}}
   * → {@code {column, cursor, since, server_time, rows_json, rows, removed_rows, removed_values}}:
   * the rows changed after the {@link SyncCursor} {@code since} (as in a snapshot), the rows that
   * left the copy and the values rows lost. 410 when the cursor is too old, a column changed
   * since, or too many rows changed: the phone downloads a new snapshot.
   */
  public static final String SYNC_DELTA = "data.sync.delta";

  /** Request/reply. {@code {table_id}} → {@code {devices: [...]}}; owners and editors. */
  public static final String DEVICES_LIST = "data.devices.list";

  /**
   * Request/reply. {@code {table_id, device_id}} → the device, revoked; a guest token claimed on
   * it is refused (401) from its next request on. Owners and editors.
   */
  public static final String DEVICES_REVOKE = "data.devices.revoke";

  /**
   * Request/reply, for the live scan stream. {@code {table_id, after?, limit}} →
   * {@code {latest, scans, truncated}}: the scans of the table stored after the
   * {@link ScanCursor} {@code after}, in storage order ({@code created_at}, {@code id}), at
   * most {@code limit} of them ({@code truncated: true} and no scans when more were stored);
   * {@code latest} is the cursor of the table's newest scan ({@link ScanCursor#START} when it
   * has none). Without {@code after} only {@code latest} is read. 404 when the table does not
   * exist; 422 when {@code after} is not a cursor.
   */
  public static final String SCANS_SINCE = "data.scans.since";

  /**
   * Request/reply. {@code {table_id, column_id}} → the door's numbers {@code {table_id,
   * column_id, mode, rows_in_scope, rows_accepted, inside, accepted, refused,
   * refused_by_reason, undone, last_scan_at, accepted_per_minute: [{minute, accepted}] x 60}},
   * read from counters the scan statements keep; readers of the table.
   */
  public static final String SCANS_STATUS = "data.scans.status";

  /**
   * Request/reply, HTTP verticle → its own data verticle, for the live stream's {@code status}
   * events. {@code {table_id, column_ids?}} → {@code {statuses: [...]}}: the numbers of
   * {@link #SCANS_STATUS} for the table's barcode columns (all, or those listed; none for a
   * table that is gone). No credential: the stream checked its reader's role when it opened,
   * and the consumer is local, so nothing outside the instance can ask.
   */
  public static final String SCANS_STATUS_FEED = "data.scans.status-feed";

  /**
   * Request/reply, health verticle → data verticle. {@code {active: boolean}} → {@code {up,
   * evidence: "recent-query" | "ping", last_success_ms_ago, server_version, target,
   * round_trip_ms?, error?, pool: {...}}}.
   */
  public static final String DATABASE_STATUS = "data.database.status";

  /**
   * True for the internal {@code data.*} addresses: not a public contract, served by local
   * consumers only. The public ones answer from any member of a cluster.
   */
  public static boolean isInternal(String address) {
    return address.startsWith(INTERNAL_PREFIX);
  }
}
