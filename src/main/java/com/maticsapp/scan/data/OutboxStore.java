package com.maticsapp.scan.data;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The webhook dispatcher's statements on the outbox (webhook_deliveries, V16_1 migration): claim
 * due deliveries, record how their attempts went, forget old ones. Each is one statement on the
 * shared pipelined client, so the dispatcher holds no connection and stays inside the pool.
 */
public final class OutboxStore {

  /**
   * Claims due deliveries in ONE statement. Per enabled endpoint, its due pending rows in order,
   * at most as many as the endpoint has free slots ($2 minus what this instance already has on
   * the wire for it, $5/$6), locked with SKIP LOCKED so two instances never claim the same row;
   * at most $1 in all. A claim moves next_attempt_at one lease ($3 ms) ahead and stamps the claim
   * id $4: if this instance dies, the row is simply due again when the lease runs out, and
   * another instance retries it; a late completion from the old claim then matches nothing.
   * The body is the Standard Webhooks payload, {@code {type, timestamp, data}}, as sent and signed.
   *
   * <p>The same statement says what the dispatcher needs to sleep well: whether any enabled
   * endpoint exists at all ({@code endpoints}; without one it only checks now and then), and in
   * how many milliseconds the earliest pending delivery it did not claim falls due
   * ({@code due_in_ms}: a retry, or another instance's lease running out), by the database's
   * clock. It answers one row even when it claimed nothing (then with a null id).
   */
  static final String CLAIM = """
      WITH picked AS (
        SELECT due.id FROM webhook_endpoints e
        CROSS JOIN LATERAL (
          SELECT w.id FROM webhook_deliveries w
          WHERE w.endpoint_id = e.id AND w.state = 'pending' AND w.next_attempt_at <= now()
          ORDER BY w.next_attempt_at
          LIMIT greatest(0, $2 - coalesce((SELECT b.n FROM unnest($5::uuid[], $6::int[]) AS b(id, n) WHERE b.id = e.id), 0))
          FOR UPDATE SKIP LOCKED
        ) due
        WHERE e.enabled
        LIMIT $1
      ), claimed AS (
        UPDATE webhook_deliveries d
        SET next_attempt_at = now() + $3 * interval '1 millisecond', claim = $4, attempts = d.attempts + 1
        FROM picked, webhook_endpoints e
        WHERE d.id = picked.id AND e.id = d.endpoint_id
        RETURNING d.id, d.endpoint_id, d.event_type, d.retry_from, d.attempts, e.url, e.secret,
                  jsonb_build_object('type', d.event_type, 'timestamp', matic_json_time(d.created_at), 'data', d.payload)::text AS body,
                  CASE WHEN e.previous_secret_expires > now() THEN e.previous_secret END AS previous_secret
      ), later AS (
        SELECT min(n.next_attempt_at) AS next_at FROM webhook_endpoints e
        CROSS JOIN LATERAL (
          SELECT w.next_attempt_at FROM webhook_deliveries w
          WHERE w.endpoint_id = e.id AND w.state = 'pending' AND w.id <> ALL (ARRAY(SELECT id FROM picked))
          ORDER BY w.next_attempt_at
          LIMIT 1
        ) n
        WHERE e.enabled
      )
      SELECT c.*, EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) AS endpoints,
             (SELECT greatest(0, ceil(extract(epoch FROM next_at - now()) * 1000))::bigint FROM later) AS due_in_ms
      FROM (SELECT 1) AS one LEFT JOIN claimed c ON true
      """;

  /**
   * Records a batch of attempts in ONE statement: each delivery's new state (only while its
   * claim still holds), its line in the delivery log, and per endpoint what the batch says of
   * its health. A success clears failing_since; a failure sets it if unset; 410 Gone, or failing
   * for longer than $9 ms, disables the endpoint with the reason. The endpoint row is written
   * only when one of these changes, so steady successes cost it nothing.
   */
  static final String COMPLETE = """
      WITH r AS (
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::timestamptz[])
          AS r(id, claim, outcome, status, latency, response, error, next_at)
      ), done AS (
        UPDATE webhook_deliveries d
        SET state = CASE r.outcome WHEN 'delivered' THEN 'delivered' WHEN 'retry' THEN 'pending' ELSE 'failed' END,
            next_attempt_at = CASE WHEN r.outcome = 'retry' THEN r.next_at ELSE d.next_attempt_at END,
            claim = NULL, last_status = r.status, last_error = r.error,
            delivered_at = CASE WHEN r.outcome = 'delivered' THEN now() ELSE d.delivered_at END
        FROM r WHERE d.id = r.id AND d.claim = r.claim
        -- A delivery erased while it was on the wire keeps no response: it may echo the erased cells.
        RETURNING d.id, d.endpoint_id, d.attempts, r.outcome, r.status, r.latency,
                  CASE WHEN d.erased_at IS NULL THEN r.response END AS response, r.error, r.next_at
      ), logged AS (
        INSERT INTO webhook_attempts (delivery_id, attempt, status_code, latency_ms, response, error, next_retry_at)
        SELECT id, attempts, status, latency, response, error, CASE WHEN outcome = 'retry' THEN next_at END FROM done
        ON CONFLICT DO NOTHING
      ), health AS (
        SELECT endpoint_id, bool_or(outcome = 'delivered') AS ok, bool_or(outcome = 'gone') AS gone
        FROM done GROUP BY endpoint_id
      ), verdict AS (
        SELECT e.id, h.ok, h.gone,
               coalesce(NOT h.ok AND e.failing_since < now() - $9 * interval '1 millisecond', false) AS failing_too_long,
               e.failing_since, e.enabled
        FROM health h JOIN webhook_endpoints e ON e.id = h.endpoint_id
      ), endpoints AS (
        UPDATE webhook_endpoints e
        SET failing_since = CASE WHEN v.ok THEN NULL ELSE coalesce(e.failing_since, now()) END,
            enabled = e.enabled AND NOT v.gone AND NOT v.failing_too_long,
            disabled_reason = CASE
              WHEN NOT e.enabled THEN e.disabled_reason
              WHEN v.gone THEN 'the endpoint answered 410 Gone'
              WHEN v.failing_too_long THEN 'every delivery has failed since ' || matic_json_time(e.failing_since)
              ELSE e.disabled_reason END,
            disabled_at = CASE WHEN e.enabled AND (v.gone OR v.failing_too_long) THEN now() ELSE e.disabled_at END
        FROM verdict v
        WHERE e.id = v.id
          AND ((v.ok AND v.failing_since IS NOT NULL) OR (NOT v.ok AND v.failing_since IS NULL)
               OR (v.enabled AND (v.gone OR v.failing_too_long)))
        RETURNING e.id, e.enabled, e.disabled_reason
      )
      SELECT (SELECT count(*) FROM done) AS completed,
             (SELECT array_agg(id::text || ': ' || disabled_reason) FROM endpoints WHERE NOT enabled) AS disabled
      """;

  /**
   * Forgets, at most $2 at a time, deliveries older than the retention ($1 ms) that are settled,
   * or still pending for an endpoint that was disabled; their attempts go with them.
   */
  static final String FORGET = """
      WITH old AS (
        SELECT d.id FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE d.created_at < now() - $1 * interval '1 millisecond' AND (d.state <> 'pending' OR NOT e.enabled)
        LIMIT $2
      ), gone AS (
        DELETE FROM webhook_deliveries d USING old WHERE d.id = old.id RETURNING 1
      )
      SELECT count(*) AS forgotten FROM gone
      """;

  /** One claimed delivery: what to send, where, signed with which secrets. */
  public record Claimed(UUID id, UUID endpointId, String eventType, String body, OffsetDateTime retryFrom, int attempt,
                        String url, String secret, String previousSecret, UUID claim) {

    /** The webhook-id header: the same on every attempt, so receivers can drop repeats. */
    public String webhookId() {
      return "msg_" + id;
    }
  }

  /**
   * What a claim found: the deliveries it claimed, whether any enabled endpoint exists, and in
   * how many milliseconds the earliest delivery it left pending is due (null: none is pending).
   */
  public record Claim(List<Claimed> claimed, boolean endpoints, Long dueInMillis) {}

  /** How one attempt went, as the log keeps it. {@code outcome}: delivered, retry, failed or gone. */
  public record Completion(UUID id, UUID claim, String outcome, Integer status, int latencyMs, String response,
                           String error, OffsetDateTime nextAttemptAt) {}

  /** What a batch of completions did: how many still held their claim, which endpoints it disabled. */
  public record Completed(long completed, List<String> disabled) {}

  private final SqlClient client;

  public OutboxStore(SqlClient client) {
    this.client = client;
  }

  /**
   * Up to {@code limit} due deliveries, at most {@code perEndpoint} per endpoint counting the
   * ones {@code inFlight} already has on the wire, each leased for {@code leaseMillis}.
   */
  public Future<Claim> claim(int limit, int perEndpoint, long leaseMillis, Map<UUID, Integer> inFlight) {
    UUID claim = UUID.randomUUID();
    UUID[] busy = inFlight.keySet().toArray(UUID[]::new);
    Integer[] counts = new Integer[busy.length];
    for (int i = 0; i < busy.length; i++) {
      counts[i] = inFlight.get(busy[i]);
    }
    Tuple params = Tuple.of(limit, perEndpoint, leaseMillis, claim).addArrayOfUUID(busy).addArrayOfInteger(counts);
    return client.preparedQuery(CLAIM).execute(params).map(rows -> {
      List<Claimed> claimed = new ArrayList<>(rows.size());
      boolean endpoints = false;
      Long dueIn = null;
      for (Row row : rows) {
        endpoints = row.getBoolean("endpoints");
        dueIn = row.getLong("due_in_ms");
        if (row.getUUID("id") == null) {
          continue; // the one row of a claim that found nothing due
        }
        claimed.add(new Claimed(row.getUUID("id"), row.getUUID("endpoint_id"), row.getString("event_type"),
            row.getString("body"), row.getOffsetDateTime("retry_from"), row.getInteger("attempts"), row.getString("url"),
            row.getString("secret"), row.getString("previous_secret"), claim));
      }
      return new Claim(claimed, endpoints, dueIn);
    });
  }

  public Future<Completed> complete(List<Completion> batch, long disableAfterMillis) {
    int n = batch.size();
    UUID[] ids = new UUID[n];
    UUID[] claims = new UUID[n];
    String[] outcomes = new String[n];
    Integer[] statuses = new Integer[n];
    Integer[] latencies = new Integer[n];
    String[] responses = new String[n];
    String[] errors = new String[n];
    OffsetDateTime[] next = new OffsetDateTime[n];
    for (int i = 0; i < n; i++) {
      Completion c = batch.get(i);
      ids[i] = c.id();
      claims[i] = c.claim();
      outcomes[i] = c.outcome();
      statuses[i] = c.status();
      latencies[i] = c.latencyMs();
      responses[i] = c.response();
      errors[i] = c.error();
      next[i] = c.nextAttemptAt();
    }
    Tuple params = Tuple.tuple().addArrayOfUUID(ids).addArrayOfUUID(claims).addArrayOfString(outcomes)
        .addArrayOfInteger(statuses).addArrayOfInteger(latencies).addArrayOfString(responses)
        .addArrayOfString(errors).addArrayOfOffsetDateTime(next).addLong(disableAfterMillis);
    return client.preparedQuery(COMPLETE).execute(params).map(rows -> {
      Row row = rows.iterator().next();
      String[] disabled = row.getArrayOfStrings("disabled");
      return new Completed(row.getLong("completed"), disabled == null ? List.of() : List.of(disabled));
    });
  }

  /** Forgets up to {@code limit} deliveries past the retention; how many it forgot. */
  public Future<Long> forget(long retentionMillis, int limit) {
    return client.preparedQuery(FORGET).execute(Tuple.of(retentionMillis, limit))
        .map(rows -> rows.iterator().next().getLong("forgotten"));
  }
}
