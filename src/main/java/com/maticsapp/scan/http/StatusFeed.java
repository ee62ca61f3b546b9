package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The door's numbers for the live streams that asked for them ({@code ?status=true}), read
 * again when they may have changed, at most once per {@code http.stream.statusInterval} per
 * table on this HTTP verticle instance.
 *
 * <p>Why it costs the scans nothing. The scan and undo statements already keep the numbers
 * (scan_counters, summed over at most 16 shard rows per column); nothing is added to them. The
 * feed only notes, from the {@code scans.recorded} and {@code scans.undone} messages this
 * instance receives anyway, which columns of a watched table changed, and reads those columns'
 * numbers in ONE statement ({@link Addresses#SCANS_STATUS_FEED}) when the table's interval has
 * passed: the first change after a quiet interval is read at once, later ones are gathered until
 * the interval is over, and a table has at most one read on the wire. Tables no stream watches
 * cost nothing at all; a watched table under any scan rate costs at most
 * {@code 1000 / statusInterval} reads a second per instance.
 *
 * <p>Everything here runs on the HTTP verticle's event loop, like the streams it feeds.
 */
final class StatusFeed {

  private static final Logger log = LoggerFactory.getLogger(StatusFeed.class);

  /** One watched table: what changed since its last read, and when that read was. */
  private static final class Watched {
    final Set<String> changed = new LinkedHashSet<>();
    /** Every barcode column is wanted (a stream just opened). */
    boolean all;
    long lastReadAt = Long.MIN_VALUE / 2;
    long timer = -1;
    boolean reading;
  }

  private final Vertx vertx;
  private final DataClient data;
  private final long intervalMillis;
  private final BiConsumer<String, JsonObject> deliver;
  private final Map<String, Watched> tables = new HashMap<>();

  /** @param deliver gets (table id, one column's numbers) for the table's watching streams */
  StatusFeed(Vertx vertx, DataClient data, long intervalMillis, BiConsumer<String, JsonObject> deliver) {
    this.vertx = vertx;
    this.data = data;
    this.intervalMillis = intervalMillis;
    this.deliver = deliver;
  }

  /** A scan of {@code columnId} was recorded or undone on a watched table. */
  void changed(String tableId, String columnId) {
    Watched table = tables.computeIfAbsent(tableId, id -> new Watched());
    table.changed.add(columnId);
    schedule(tableId, table);
  }

  /** A stream of the table just opened: every barcode column's numbers, at the next read. */
  void wantAll(String tableId) {
    Watched table = tables.computeIfAbsent(tableId, id -> new Watched());
    table.all = true;
    schedule(tableId, table);
  }

  /** No stream watches the table any more. */
  void forget(String tableId) {
    Watched table = tables.remove(tableId);
    if (table != null && table.timer >= 0) {
      vertx.cancelTimer(table.timer);
    }
  }

  /** Stops every timer (the verticle stops). */
  void stop() {
    tables.values().forEach(table -> {
      if (table.timer >= 0) {
        vertx.cancelTimer(table.timer);
      }
    });
    tables.clear();
  }

  private void schedule(String tableId, Watched table) {
    if (table.reading || table.timer >= 0) {
      return; // the read on the wire, or the one due, will be followed by another
    }
    long wait = table.lastReadAt + intervalMillis - now();
    if (wait <= 0) {
      read(tableId, table);
    } else {
      table.timer = vertx.setTimer(wait, id -> {
        table.timer = -1;
        read(tableId, table);
      });
    }
  }

  private void read(String tableId, Watched table) {
    if (tables.get(tableId) != table || (!table.all && table.changed.isEmpty())) {
      return;
    }
    JsonObject query = new JsonObject().put("table_id", tableId);
    JsonArray columns = table.all ? null : new JsonArray(table.changed.stream().map(Object.class::cast).toList());
    query.put("column_ids", columns);
    boolean all = table.all;
    table.all = false;
    table.changed.clear();
    table.reading = true;
    table.lastReadAt = now();
    data.internal(Addresses.SCANS_STATUS_FEED, query).onComplete(read -> {
      table.reading = false;
      if (tables.get(tableId) != table) {
        return; // nobody watches any more
      }
      if (read.succeeded()) {
        JsonArray statuses = read.result().getJsonArray("statuses", new JsonArray());
        for (int i = 0; i < statuses.size(); i++) {
          deliver.accept(tableId, statuses.getJsonObject(i));
        }
      } else {
        // The numbers are read again at the next interval: the changes are kept.
        log.debug("the live stream's numbers of table {} could not be read: {}", tableId, read.cause().toString());
        table.all |= all;
        if (columns != null) {
          columns.forEach(column -> table.changed.add((String) column));
        }
      }
      if (table.all || !table.changed.isEmpty()) {
        schedule(tableId, table);
      }
    });
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }
}
