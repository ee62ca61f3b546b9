-- matic-scan schema: webhooks (docs/architecture.md, "Webhooks").
--
-- An endpoint is a URL a workspace's owners or editors subscribe to some event types. Every
-- event becomes one row of webhook_deliveries per enabled matching endpoint, written by the
-- statement that commits the change itself (triggers below, or matic_webhook_emit from a
-- feature's own statement): nothing committed is lost, nothing rolled back is sent. The
-- dispatcher claims due rows, delivers them signed, and records every attempt.

CREATE TABLE webhook_endpoints (
  id                      uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id            uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  url                     text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
  event_types             text[]      NOT NULL CHECK (cardinality(event_types) > 0),
  -- Only this table's events when set.
  table_id                uuid        REFERENCES data_tables (id) ON DELETE CASCADE,
  description             text        CHECK (length(description) <= 500),
  enabled                 boolean     NOT NULL DEFAULT true,
  -- The signing secret, whsec_<base64>: HMAC needs the key itself, so it is stored as such
  -- (docs/security.md) and shown only once, when created or rotated.
  secret                  text        NOT NULL,
  -- After a rotation, deliveries carry a signature with the old secret too, until then.
  previous_secret         text,
  previous_secret_expires timestamptz,
  -- Set by the first failed delivery after a success, cleared by the next success.
  failing_since           timestamptz,
  disabled_reason         text,
  disabled_at             timestamptz,
  created_by              text,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now()
);
-- What every event's statement probes: a workspace with no enabled endpoint costs one miss here.
CREATE INDEX webhook_endpoints_enabled_by_workspace ON webhook_endpoints (workspace_id) WHERE enabled;
CREATE INDEX webhook_endpoints_by_workspace ON webhook_endpoints (workspace_id, created_at);

-- The outbox: one row per (event, endpoint). Its id is the webhook-id, the same on every attempt.
--   pending    due at next_attempt_at; a claim moves next_attempt_at one lease ahead and sets
--              claim, so a claim whose instance died is due again once the lease has passed;
--   delivered  a 2xx came back;
--   failed     retries ran out (webhooks.retryFor).
CREATE TABLE webhook_deliveries (
  id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_type      text        NOT NULL,
  payload         jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        integer     NOT NULL DEFAULT 0,
  -- Retries go on until retry_from + webhooks.retryFor; a redelivery starts the window again.
  retry_from      timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claim           uuid,
  last_status     integer,
  last_error      text,
  delivered_at    timestamptz
);
-- The claim's walk: per endpoint, its due pending rows in order.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE state = 'pending';
-- The delivery log and redelivery "since": an endpoint's rows newest first.
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
-- Retention.
CREATE INDEX webhook_deliveries_by_age ON webhook_deliveries (created_at) WHERE state <> 'pending';

-- The delivery log: one row per attempt.
CREATE TABLE webhook_attempts (
  delivery_id   uuid        NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  attempt       integer     NOT NULL,
  attempted_at  timestamptz NOT NULL DEFAULT now(),
  status_code   integer,
  latency_ms    integer     NOT NULL,
  -- The start of the response body (webhooks.responseSnippetBytes), or why there was none.
  response      text,
  error         text,
  next_retry_at timestamptz,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX webhook_attempts_by_age ON webhook_attempts (attempted_at);

-- Timestamps in JSON go through matic_json_time (V12_2): the API's form, UTC, microseconds, 'Z'.

-- The one way a feature emits an event: call it inside the statement that makes the change
-- (in a trigger, or referenced from the statement's final SELECT so the planner cannot skip
-- it). Writes one outbox row per enabled endpoint of the workspace that takes this type (and
-- this table, when the endpoint filters by table); returns how many. With no endpoint in the
-- workspace it is one index probe.
CREATE FUNCTION matic_webhook_emit(p_workspace uuid, p_table uuid, p_type text, p_data jsonb) RETURNS integer
LANGUAGE sql VOLATILE AS $$
  WITH written AS (
    INSERT INTO webhook_deliveries (endpoint_id, event_type, payload)
    SELECT e.id, p_type, p_data
    FROM webhook_endpoints e
    WHERE e.workspace_id = p_workspace AND e.enabled AND p_type = ANY (e.event_types)
      AND (e.table_id IS NULL OR e.table_id = p_table)
    RETURNING 1
  )
  SELECT count(*)::integer FROM written
$$;

-- scan.recorded: the scans a statement inserted, one statement-level pass (a batch of 500
-- scans is one trigger call and one join). The scan statement is untouched and stays one
-- statement; its events commit or roll back with it. The payload is the scan as the API
-- returns it: matic_webhook_scan_payload, in the repeatable migration R__webhook_payloads.sql
-- (re-applied whenever it changes, so a feature that changes the API's scan changes it there).
CREATE FUNCTION webhook_outbox_scans_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_type, payload)
  SELECT e.id, 'scan.recorded', matic_webhook_scan_payload(s)
  FROM new_scans s
  JOIN webhook_endpoints e ON e.workspace_id = s.workspace_id AND e.enabled
                          AND 'scan.recorded' = ANY (e.event_types)
                          AND (e.table_id IS NULL OR e.table_id = s.table_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER scan_history_webhooks_after_insert
  AFTER INSERT ON scan_history
  REFERENCING NEW TABLE AS new_scans
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_scans_recorded();

-- row.created: every row a statement inserted (one row or a bulk insert), one pass. The
-- payload is the row as the API returns it (matic_webhook_row_payload, R__webhook_payloads.sql).
CREATE FUNCTION webhook_outbox_rows_created() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_type, payload)
  SELECT e.id, 'row.created', matic_webhook_row_payload(r)
  FROM new_rows r
  JOIN data_tables t ON t.id = r.table_id
  JOIN webhook_endpoints e ON e.workspace_id = t.workspace_id AND e.enabled
                          AND 'row.created' = ANY (e.event_types)
                          AND (e.table_id IS NULL OR e.table_id = r.table_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_webhooks_after_insert
  AFTER INSERT ON table_rows
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION webhook_outbox_rows_created();

-- row.updated: a change of cells, archive flag or position. The scan statement's counter
-- updates (scan_count, last_scanned_at) name none of these columns, so they never reach the
-- WHEN test, let alone the function.
CREATE FUNCTION webhook_outbox_row_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM matic_webhook_emit(t.workspace_id, NEW.table_id, 'row.updated', matic_webhook_row_payload(NEW))
  FROM data_tables t WHERE t.id = NEW.table_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER table_rows_webhooks_after_update
  AFTER UPDATE OF data, is_archived, position ON table_rows
  FOR EACH ROW
  WHEN (OLD.data IS DISTINCT FROM NEW.data OR OLD.is_archived IS DISTINCT FROM NEW.is_archived
        OR OLD.position IS DISTINCT FROM NEW.position)
  EXECUTE FUNCTION webhook_outbox_row_updated();

-- import.completed: an import job that reached succeeded or failed (its rows were sent as
-- row.created by the statement that inserted them). The payload is the job as the API returns it.
CREATE FUNCTION webhook_outbox_import_completed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM matic_webhook_emit(t.workspace_id, NEW.table_id, 'import.completed', matic_webhook_import_payload(NEW))
  FROM data_tables t WHERE t.id = NEW.table_id;
  RETURN NULL;
END
$$;

CREATE TRIGGER import_jobs_webhooks_after_finish
  AFTER UPDATE OF status ON import_jobs
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('succeeded', 'failed'))
  EXECUTE FUNCTION webhook_outbox_import_completed();
