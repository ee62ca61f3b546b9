package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.contract.WebhookEndpointRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Webhook endpoints of a workspace, their delivery log, and redelivery. Every statement names
 * the workspace, so an endpoint id from another workspace matches nothing (404). The secret is
 * read back only by the dispatcher ({@link OutboxStore}); here it is written, and returned once
 * by the statement that writes it.
 */
final class WebhookStore {

  private static final List<String> COLUMN_NAMES = List.of("id", "workspace_id", "url", "event_types", "table_id",
      "description", "enabled", "disabled_reason", "disabled_at", "failing_since", "previous_secret_expires", "created_by",
      "created_at", "updated_at");
  private static final String COLUMNS = String.join(", ", COLUMN_NAMES);

  /**
   * Creates an endpoint unless its table filter names a table outside the workspace or the
   * workspace already has its maximum ($9) of endpoints; the first row says which.
   */
  static final String INSERT_ENDPOINT = """
      WITH allowed AS (
        SELECT ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM data_tables WHERE id = $4 AND workspace_id = $1)) AS table_ok,
               (SELECT count(*) FROM webhook_endpoints WHERE workspace_id = $1) < $9 AS room
      ), inserted AS (
        INSERT INTO webhook_endpoints (workspace_id, url, event_types, table_id, description, enabled, secret, created_by)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM allowed WHERE table_ok AND room
        RETURNING\s""" + COLUMNS + """

      )
      SELECT a.table_ok, a.room, i.* FROM allowed a LEFT JOIN inserted i ON true
      """;

  static final String SELECT_ENDPOINTS = "SELECT " + COLUMNS + """
       FROM webhook_endpoints WHERE workspace_id = $1 ORDER BY created_at, id LIMIT $2
      """;

  static final String SELECT_ENDPOINT = "SELECT " + COLUMNS + " FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2";

  /**
   * A partial change: $3..$5 replace when not null; $6/$8 say whether table_id/description were
   * given at all (null clears them). Enabling clears the reason it was disabled and the failure
   * streak; disabling through the API records that as the reason.
   */
  static final String UPDATE_ENDPOINT = """
      WITH allowed AS (
        SELECT ($5::uuid IS NULL OR EXISTS (SELECT 1 FROM data_tables WHERE id = $5 AND workspace_id = $1)) AS table_ok
      ), updated AS (
        UPDATE webhook_endpoints e
        SET url = coalesce($3, e.url),
            event_types = coalesce($4, e.event_types),
            table_id = CASE WHEN $6 THEN $5 ELSE e.table_id END,
            description = CASE WHEN $8 THEN $7 ELSE e.description END,
            enabled = coalesce($9, e.enabled),
            disabled_reason = CASE WHEN $9 THEN NULL
                                   WHEN NOT $9 AND e.enabled THEN 'disabled through the API'
                                   ELSE e.disabled_reason END,
            disabled_at = CASE WHEN $9 THEN NULL WHEN NOT $9 AND e.enabled THEN now() ELSE e.disabled_at END,
            failing_since = CASE WHEN $9 THEN NULL ELSE e.failing_since END,
            updated_at = now()
        FROM allowed
        WHERE e.workspace_id = $1 AND e.id = $2 AND allowed.table_ok
        RETURNING\s""" + prefixed("e") + """

      )
      SELECT a.table_ok, u.* FROM allowed a LEFT JOIN updated u ON true
      """;

  static final String DELETE_ENDPOINT = "DELETE FROM webhook_endpoints WHERE workspace_id = $1 AND id = $2 RETURNING id";

  /** A new secret; the old one keeps signing for $4 ms (none when 0). */
  static final String ROTATE_SECRET = """
      UPDATE webhook_endpoints
      SET previous_secret = CASE WHEN $4 > 0 THEN secret END,
          previous_secret_expires = CASE WHEN $4 > 0 THEN now() + $4 * interval '1 millisecond' END,
          secret = $3, updated_at = now()
      WHERE workspace_id = $1 AND id = $2
      RETURNING\s""" + COLUMNS;

  /**
   * One page of an endpoint's delivery log, newest first, each delivery with its latest attempts
   * (at most $7). $4 filters by state; $5/$6 is the cursor (created_at, id) of the last one seen.
   */
  static final String DELIVERIES = """
      SELECT d.id, d.event_type, d.state, d.attempts, d.created_at, d.next_attempt_at, d.last_status, d.last_error,
             d.delivered_at,
             (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'attempt', a.attempt, 'attempted_at', matic_json_time(a.attempted_at),
                        'status_code', a.status_code, 'latency_ms', a.latency_ms, 'response', a.response,
                        'error', a.error, 'next_retry_at', matic_json_time(a.next_retry_at)) ORDER BY a.attempt DESC), '[]')
              FROM (SELECT * FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT $7) a) AS attempt_log
      FROM webhook_deliveries d
      JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.workspace_id = $1
      WHERE d.endpoint_id = $2 AND ($4::text IS NULL OR d.state = $4)
        AND ($5::timestamptz IS NULL OR (d.created_at, d.id) < ($5, $6::uuid))
      ORDER BY d.created_at DESC, d.id DESC
      LIMIT $3
      """;

  /**
   * Sends one delivery again, with the same webhook-id, as soon as a dispatcher is free; its
   * retry window starts again. Not while an attempt of it is on the wire (the first row says so).
   */
  static final String REDELIVER_ONE = """
      WITH target AS (
        SELECT d.id, d.state = 'pending' AND d.claim IS NOT NULL AND d.next_attempt_at > now() AS in_flight
        FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.workspace_id = $1
        WHERE d.endpoint_id = $2 AND d.id = $3
      ), queued AS (
        UPDATE webhook_deliveries d
        SET state = 'pending', next_attempt_at = now(), retry_from = now(), claim = NULL
        FROM target t WHERE d.id = t.id AND NOT t.in_flight
        RETURNING d.id
      )
      SELECT (SELECT count(*) FROM target) AS found, (SELECT bool_or(in_flight) FROM target) AS in_flight,
             (SELECT count(*) FROM queued) AS queued
      """;

  /** Everything the endpoint was sent, or failed to be sent, since $3 goes again (pending ones are already due). */
  static final String REDELIVER_SINCE = """
      WITH queued AS (
        UPDATE webhook_deliveries d
        SET state = 'pending', next_attempt_at = now(), retry_from = now(), claim = NULL
        FROM webhook_endpoints e
        WHERE e.id = d.endpoint_id AND e.workspace_id = $1 AND d.endpoint_id = $2
          AND d.created_at >= $3 AND d.state <> 'pending'
        RETURNING d.id
      )
      SELECT count(*) AS queued FROM queued
      """;

  private final SqlClient client;

  WebhookStore(SqlClient client) {
    this.client = client;
  }

  /** The new endpoint with its {@code secret}, the only time it is shown. */
  Future<JsonObject> create(UUID workspaceId, WebhookEndpointRequest request, String secret, String createdBy,
                            int maxEndpoints) {
    Tuple params = Tuple.of(workspaceId, request.url(), request.eventTypes().toArray(String[]::new), request.tableId(),
        request.description(), request.enabled() == null || request.enabled(), secret, createdBy).addInteger(maxEndpoints);
    return client.preparedQuery(INSERT_ENDPOINT).execute(params).map(rows -> {
      Row row = rows.iterator().next();
      if (!row.getBoolean("table_ok")) {
        throw ServiceFailure.invalid("table_id", "is not a table of this workspace");
      }
      if (!row.getBoolean("room")) {
        throw ServiceFailure.invalid("url", "this workspace already has its maximum of " + maxEndpoints + " webhook endpoints");
      }
      return toJson(row).put("secret", secret);
    });
  }

  Future<JsonObject> list(UUID workspaceId, int limit) {
    return client.preparedQuery(SELECT_ENDPOINTS).execute(Tuple.of(workspaceId, limit)).map(rows -> {
      JsonArray endpoints = new JsonArray();
      rows.forEach(row -> endpoints.add(toJson(row)));
      return new JsonObject().put("endpoints", endpoints);
    });
  }

  Future<JsonObject> get(UUID workspaceId, UUID endpointId) {
    return client.preparedQuery(SELECT_ENDPOINT).execute(Tuple.of(workspaceId, endpointId))
        .map(rows -> toJson(single(rows.iterator().hasNext() ? rows.iterator().next() : null, endpointId)));
  }

  Future<JsonObject> update(UUID workspaceId, UUID endpointId, WebhookEndpointRequest change) {
    Tuple params = Tuple.of(workspaceId, endpointId, change.url(),
        change.eventTypes() == null ? null : change.eventTypes().toArray(String[]::new),
        change.tableId(), change.hasTableId(), change.description(), change.hasDescription()).addValue(change.enabled());
    return client.preparedQuery(UPDATE_ENDPOINT).execute(params).map(rows -> {
      Row row = rows.iterator().next();
      if (!row.getBoolean("table_ok")) {
        throw ServiceFailure.invalid("table_id", "is not a table of this workspace");
      }
      return toJson(single(row.getUUID("id") == null ? null : row, endpointId));
    });
  }

  Future<Void> delete(UUID workspaceId, UUID endpointId) {
    return client.preparedQuery(DELETE_ENDPOINT).execute(Tuple.of(workspaceId, endpointId)).map(rows -> {
      single(rows.iterator().hasNext() ? rows.iterator().next() : null, endpointId);
      return null;
    });
  }

  /** The endpoint with its new {@code secret}, shown this once. */
  Future<JsonObject> rotate(UUID workspaceId, UUID endpointId, String secret, long overlapMillis) {
    return client.preparedQuery(ROTATE_SECRET).execute(Tuple.of(workspaceId, endpointId, secret, overlapMillis))
        .map(rows -> toJson(single(rows.iterator().hasNext() ? rows.iterator().next() : null, endpointId))
            .put("secret", secret));
  }

  /** {@code {deliveries, next_cursor}}; the endpoint's existence is checked by the caller's guard. */
  Future<JsonObject> deliveries(UUID workspaceId, UUID endpointId, String state, int limit, String before,
                                int attemptsEach) {
    Cursor cursor = Cursor.decode(before, "before");
    OffsetDateTime after = null;
    if (cursor != null) {
      try {
        after = OffsetDateTime.parse(cursor.key());
      } catch (java.time.DateTimeException e) {
        throw ServiceFailure.invalid("before", "is not a cursor returned by this API");
      }
    }
    Tuple params = Tuple.of(workspaceId, endpointId, limit + 1, state, after, cursor == null ? null : cursor.id())
        .addInteger(attemptsEach);
    return client.preparedQuery(DELIVERIES).execute(params).map(rows -> SqlValues.page(rows, limit, "deliveries", WebhookStore::deliveryJson,
        row -> row.getOffsetDateTime("created_at").toString()));
  }

  Future<JsonObject> redeliver(UUID workspaceId, UUID endpointId, UUID deliveryId) {
    return client.preparedQuery(REDELIVER_ONE).execute(Tuple.of(workspaceId, endpointId, deliveryId)).map(rows -> {
      Row row = rows.iterator().next();
      if (row.getLong("found") == 0) {
        throw ServiceFailure.notFound("delivery " + deliveryId + " does not exist for webhook " + endpointId);
      }
      if (Boolean.TRUE.equals(row.getBoolean("in_flight"))) {
        throw ServiceFailure.conflict("delivery " + deliveryId + " is being attempted right now; its outcome decides what comes next");
      }
      return new JsonObject().put("queued", row.getLong("queued"));
    });
  }

  Future<JsonObject> redeliverSince(UUID workspaceId, UUID endpointId, OffsetDateTime since) {
    return client.preparedQuery(REDELIVER_SINCE).execute(Tuple.of(workspaceId, endpointId, since))
        .map(rows -> new JsonObject().put("queued", rows.iterator().next().getLong("queued")));
  }

  private static Row single(Row row, UUID endpointId) {
    if (row == null) {
      throw ServiceFailure.notFound("webhook " + endpointId + " does not exist in this workspace");
    }
    return row;
  }

  private static String prefixed(String alias) {
    return COLUMN_NAMES.stream().map(column -> alias + "." + column).collect(Collectors.joining(", "));
  }

  static JsonObject toJson(Row row) {
    OffsetDateTime rotationEnds = row.getOffsetDateTime("previous_secret_expires");
    JsonArray types = new JsonArray();
    for (String type : row.getArrayOfStrings("event_types")) {
      types.add(type);
    }
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("workspace_id", SqlValues.uuid(row, "workspace_id"))
        .put("url", row.getString("url"))
        .put("event_types", types)
        .put("table_id", SqlValues.uuid(row, "table_id"))
        .put("description", row.getString("description"))
        .put("enabled", row.getBoolean("enabled"))
        .put("disabled_reason", row.getString("disabled_reason"))
        .put("disabled_at", SqlValues.time(row, "disabled_at"))
        .put("failing_since", SqlValues.time(row, "failing_since"))
        .put("previous_secret_expires_at", rotationEnds == null || rotationEnds.isBefore(OffsetDateTime.now()) ? null
            : SqlValues.time(rotationEnds))
        .put("created_by", row.getString("created_by"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("updated_at", SqlValues.time(row, "updated_at"));
  }

  private static JsonObject deliveryJson(Row row) {
    return new JsonObject()
        .put("id", SqlValues.uuid(row, "id"))
        .put("webhook_id", "msg_" + row.getUUID("id"))
        .put("event_type", row.getString("event_type"))
        .put("state", row.getString("state"))
        .put("attempts", row.getInteger("attempts"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("next_attempt_at", "pending".equals(row.getString("state")) ? SqlValues.time(row, "next_attempt_at") : null)
        .put("last_status", row.getInteger("last_status"))
        .put("last_error", row.getString("last_error"))
        .put("delivered_at", SqlValues.time(row, "delivered_at"))
        .put("attempt_log", row.getValue("attempt_log"));
  }
}
