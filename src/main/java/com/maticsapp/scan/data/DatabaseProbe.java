package com.maticsapp.scan.data;

import com.maticsapp.scan.config.AppConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;

import java.util.concurrent.TimeUnit;

/**
 * Answers "is the database there?" without taking a connection away from traffic: a
 * statement that succeeded within the recent-query window is evidence enough; only when the
 * service has been idle (or the last evidence is an outage, or the caller insists) does it
 * send a ping, on the same pipelined client, so health never needs a connection of its own.
 * Unless the database looks stalled: an operation in flight for longer than
 * {@code health.stalledAfter} with no success since is a DOWN whatever succeeded before.
 */
final class DatabaseProbe {

  static final String PING = "SELECT current_setting('server_version') AS server_version";

  private final SqlClient client;
  private final AppConfig config;
  private final DatabaseActivity activity;
  private final MeterRegistry registry;
  private volatile String serverVersion;

  DatabaseProbe(SqlClient client, AppConfig config, DatabaseActivity activity, MeterRegistry registry) {
    this.client = client;
    this.config = config;
    this.activity = activity;
    this.registry = registry;
  }

  /** The {@code data.database.status} answer to {@code {active: boolean}}. */
  Future<JsonObject> answer(JsonObject request) {
    return status(request.getBoolean("active", false));
  }

  /** {@code {up, evidence, round_trip_ms?, last_success_ms_ago, oldest_in_flight_ms, server_version, error?, pool}}. */
  Future<JsonObject> status(boolean active) {
    long stalled = activity.stalledMillis(config.health().stalledAfter().toMillis());
    if (stalled > 0 && !active) {
      // Whatever succeeded before: operations have waited this long with nothing answered since.
      return Future.succeededFuture(document(false, "stalled", null,
          "an operation has waited " + stalled + " ms and nothing has succeeded since (health.stalledAfter)"));
    }
    long sinceSuccess = activity.millisSinceSuccess();
    boolean recent = sinceSuccess >= 0 && sinceSuccess <= config.health().recentQueryWindow().toMillis()
        && activity.lastWasSuccess();
    if (recent && !active) {
      return Future.succeededFuture(document(true, "recent-query", null, null));
    }
    long started = System.nanoTime();
    long timeout = config.health().databaseTimeout().toMillis();
    return client.query(PING).execute()
        .timeout(timeout, TimeUnit.MILLISECONDS)
        .map(rows -> {
          activity.succeeded();
          serverVersion = rows.iterator().next().getString("server_version");
          double millis = (System.nanoTime() - started) / 1_000_000.0;
          return document(true, "ping", Math.round(millis * 100) / 100.0, null);
        })
        .otherwise(failure -> {
          String reason = failure instanceof java.util.concurrent.TimeoutException
              ? "no answer within " + timeout + " ms"
              : failure.getClass().getSimpleName() + ": " + failure.getMessage();
          // A ping has no caller error to blame: any failure is evidence of an outage.
          activity.unavailable();
          return document(false, "ping", null, reason);
        });
  }

  private JsonObject document(boolean up, String evidence, Double roundTripMillis, String error) {
    JsonObject status = new JsonObject()
        .put("up", up)
        .put("evidence", evidence)
        .put("last_success_ms_ago", activity.millisSinceSuccess())
        .put("oldest_in_flight_ms", activity.oldestInFlightMillis())
        .put("server_version", serverVersion)
        .put("target", config.database().describe())
        .put("pool", PoolStats.read(registry, config.database(), activity));
    if (roundTripMillis != null) {
      status.put("round_trip_ms", roundTripMillis);
    }
    if (error != null) {
      status.put("error", error);
    }
    return status;
  }
}
