package com.maticsapp.scan.data;

import com.maticsapp.scan.config.SyncConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the change sequence (table_changes) to {@code sync.changeRetention}: every
 * {@code sync.pruneInterval} it deletes older changes in bounded batches and moves each table's
 * horizon past what it deleted, so a delta from an older cursor is answered "too old" instead of
 * silently missing changes. Any number of instances may run it: a transaction-scoped advisory
 * lock lets one batch run at a time, the others skip.
 */
final class ChangePruner {

  private static final Logger log = LoggerFactory.getLogger(ChangePruner.class);
  static final int BATCH = 10_000;
  /** The advisory lock key that serialises pruning ("13" and "1": this feature's first lock). */
  static final long LOCK_KEY = 13_0001L;

  static final String PRUNE = """
      WITH lock AS (
        SELECT pg_try_advisory_xact_lock($3) AS held
      ), pruned AS (
        DELETE FROM table_changes
        WHERE ctid = ANY (ARRAY(
          SELECT ctid FROM table_changes
          WHERE changed_at < now() - make_interval(secs => $1) AND (SELECT held FROM lock)
          LIMIT $2))
        RETURNING table_id, changed_xid
      ), newest AS (
        SELECT DISTINCT ON (table_id) table_id, changed_xid FROM pruned ORDER BY table_id, changed_xid DESC
      ), horizon AS (
        INSERT INTO table_change_horizons AS h (table_id, pruned_through)
        SELECT n.table_id, n.changed_xid FROM newest n
        WHERE EXISTS (SELECT 1 FROM data_tables t WHERE t.id = n.table_id)
        ON CONFLICT (table_id) DO UPDATE SET pruned_through = greatest(h.pruned_through, EXCLUDED.pruned_through)
      )
      SELECT count(*) AS pruned FROM pruned
      """;

  private final Vertx vertx;
  private final SqlClient client;
  private final SyncConfig config;
  private long timer = -1;
  private boolean running;

  ChangePruner(Vertx vertx, SqlClient client, SyncConfig config) {
    this.vertx = vertx;
    this.client = client;
    this.config = config;
  }

  void start() {
    timer = vertx.setPeriodic(config.pruneInterval().toMillis(), tick -> pruneNow());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** Prunes until a batch comes back short; a tick while a run is in progress does nothing. */
  Future<Long> pruneNow() {
    if (running) {
      return Future.succeededFuture(0L);
    }
    running = true;
    return batches(0).onComplete(done -> {
      running = false;
      if (done.failed()) {
        log.warn("pruning the change sequence failed: {}", done.cause().toString());
      } else if (done.result() > 0) {
        log.info("pruned {} changes older than {}", done.result(), config.changeRetention());
      }
    });
  }

  private Future<Long> batches(long sofar) {
    Tuple params = Tuple.of(config.changeRetention().toMillis() / 1000.0, BATCH, LOCK_KEY);
    return client.preparedQuery(PRUNE).execute(params).compose(rows -> {
      long pruned = rows.iterator().next().getLong("pruned");
      return pruned < BATCH ? Future.succeededFuture(sofar + pruned) : batches(sofar + pruned);
    });
  }
}
