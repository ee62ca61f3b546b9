package com.maticsapp.scan.data;

import com.maticsapp.scan.config.DatabaseConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;

/**
 * The pool's statistics as the Vert.x Micrometer metrics record them ({@code vertx.pool.*}
 * tagged with the pool's name, {@code vertx.net.client.active.connections} tagged with the
 * client name), plus the acquisition timeouts and wait-queue rejections the data verticle
 * saw. On the pipelined client, "in flight" counts statements holding a pipeline slot.
 */
final class PoolStats {

  private PoolStats() {}

  static JsonObject read(MeterRegistry registry, DatabaseConfig config, DatabaseActivity activity) {
    String name = config.pool().name();
    long open = gauge(registry.find("vertx.net.client.active.connections").tag("client_name", name).gauge());
    long inFlight = gauge(registry.find("vertx.pool.in.use").tag("pool_name", name).gauge());
    long waiting = gauge(registry.find("vertx.pool.queue.pending").tag("pool_name", name).gauge());
    Timer queue = registry.find("vertx.pool.queue.time").tag("pool_name", name).timer();
    Counter completed = registry.find("vertx.pool.completed").tag("pool_name", name).counter();
    return new JsonObject()
        .put("name", name)
        .put("max_size", config.pool().maxSize())
        .put("connections_open", open)
        .put("connections_idle", Math.max(0, open - inFlight))
        .put("in_flight", inFlight)
        .put("waiting", waiting)
        .put("wait_queue_limit", config.pool().maxWaitQueueSize())
        .put("acquisitions", queue == null ? 0 : queue.count())
        .put("mean_wait_ms", queue == null ? 0.0 : round(queue.mean(java.util.concurrent.TimeUnit.MILLISECONDS)))
        .put("completed", completed == null ? 0 : (long) completed.count())
        .put("acquisition_timeouts", activity.poolTimeouts())
        .put("rejected", activity.poolRejections())
        .put("pipelining_limit", config.pipeliningLimit())
        .put("pooler", config.pooler());
  }

  private static long gauge(Gauge gauge) {
    return gauge == null ? 0 : Math.round(gauge.value());
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }
}
