package com.maticsapp.scan.health;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.Lifecycle;
import com.maticsapp.scan.cluster.ClusterStatus;
import com.maticsapp.scan.config.AppConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

import java.lang.management.ManagementFactory;

/**
 * Health procedures (vertx-health-check) answered on {@link Addresses#HEALTH_STATUS}.
 *
 * <ul>
 *   <li>{@code live}: the process serves; no database involved.</li>
 *   <li>{@code ready}: migrations done, not shutting down, and the database reachable.</li>
 *   <li>{@code database}: an active round trip with a short deadline.</li>
 *   <li>{@code detailed}: everything, with version, uptime, the database (server version,
 *       target, last error), pool statistics and what this instance sees of the cluster.</li>
 * </ul>
 * The first three are open (probes need them) and so answer status only: UP/DOWN for the
 * whole and for each check, never a version, a target or an error text. What is wrong is
 * told by {@code detailed}, behind the admin credential or on the management port.
 * The database facts come from the data verticle over the event bus; this verticle never
 * touches the pool.
 */
public final class HealthVerticle extends VerticleBase {

  private final AppConfig config;
  private final String version;
  private final ClusterStatus cluster;
  private HealthChecks checks;
  private MessageConsumer<JsonObject> consumer;

  public HealthVerticle(AppConfig config, String version, ClusterStatus cluster) {
    this.config = config;
    this.version = version;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    checks = HealthChecks.create(vertx)
        .register("database", config.health().databaseTimeout().toMillis() + 500, promise -> database(promise, false))
        .register("database-active", config.health().databaseTimeout().toMillis() + 500, promise -> database(promise, true))
        .register("accepting-traffic", promise -> promise.complete(shuttingDown()
            ? Status.KO(new JsonObject().put("reason", "shutting down"))
            : Status.OK()));
    consumer = vertx.eventBus().consumer(Addresses.HEALTH_STATUS, message -> {
      Object body = ((io.vertx.core.eventbus.Message<?>) message).body();
      String probe = body instanceof JsonObject request ? request.getString("probe", "detailed") : "detailed";
      answer(probe).onComplete(outcome -> message.reply(outcome.succeeded()
          ? outcome.result()
          : failed(probe, outcome.cause().getMessage())));
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  private Future<JsonObject> answer(String probe) {
    return switch (probe) {
      case "live" -> Future.succeededFuture(new JsonObject().put("status", "UP"));
      case "database" -> checks.checkStatus("database-active").map(result -> new JsonObject()
          .put("status", CheckResult.isUp(result) ? "UP" : "DOWN")
          .put("checks", new JsonObject().put("database", CheckResult.isUp(result) ? "UP" : "DOWN")));
      case "ready" -> Future.all(checks.checkStatus("database"), checks.checkStatus("accepting-traffic"))
          .map(both -> {
            CheckResult database = both.resultAt(0);
            CheckResult traffic = both.resultAt(1);
            boolean up = CheckResult.isUp(database) && CheckResult.isUp(traffic);
            return new JsonObject()
                .put("status", up ? "UP" : "DOWN")
                .put("checks", new JsonObject()
                    .put("database", database.getStatus().isOk() ? "UP" : "DOWN")
                    .put("accepting_traffic", traffic.getStatus().isOk() ? "UP" : "DOWN"));
          });
      case "detailed" -> checks.checkStatus("database").map(result -> detailed(result));
      default -> Future.succeededFuture(failed(probe, "unknown probe '" + probe + "'"));
    };
  }

  /** Asks the data verticle; an unanswered or failed request is itself a DOWN. */
  private void database(Promise<Status> promise, boolean active) {
    // Local only: this instance's health is about this instance's data verticle and pool,
    // never another cluster member's.
    DeliveryOptions options = new DeliveryOptions()
        .setSendTimeout(config.health().databaseTimeout().toMillis() + 250)
        .setLocalOnly(true);
    vertx.eventBus().<JsonObject>request(Addresses.DATABASE_STATUS, new JsonObject().put("active", active), options)
        .onSuccess(reply -> {
          JsonObject data = reply.body();
          promise.complete(data.getBoolean("up", false) ? Status.OK(data) : Status.KO(data));
        })
        .onFailure(failure -> promise.complete(Status.KO(new JsonObject()
            .put("up", false)
            .put("error", "the data verticle did not answer: " + failure.getMessage()))));
  }

  private JsonObject detailed(CheckResult database) {
    JsonObject data = database.getData() == null ? new JsonObject() : database.getData().copy();
    Object pool = data.remove("pool");
    boolean up = CheckResult.isUp(database) && !shuttingDown();
    return new JsonObject()
        .put("status", up ? "UP" : "DOWN")
        .put("environment", config.environment())
        .put("version", version)
        .put("uptime_seconds", ManagementFactory.getRuntimeMXBean().getUptime() / 1000)
        .put("accepting_traffic", !shuttingDown())
        .put("database", data
            .put("connected", CheckResult.isUp(database)))
        .put("pool", pool)
        // Reported, never part of the status: an instance cut off from the cluster still
        // serves its own clients from its own pool.
        .put("cluster", cluster.toJson());
  }

  /**
   * A probe that could not be evaluated. Only the detailed probe says why: the open probes
   * reveal status and nothing else, and a failure's text can name hosts and addresses.
   */
  private static JsonObject failed(String probe, String reason) {
    JsonObject down = new JsonObject().put("status", "DOWN");
    return "detailed".equals(probe) ? down.put("probe", probe).put("error", reason) : down;
  }

  private boolean shuttingDown() {
    return Lifecycle.shuttingDown(vertx);
  }
}
