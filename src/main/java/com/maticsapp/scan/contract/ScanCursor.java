package com.maticsapp.scan.contract;

import com.maticsapp.scan.contract.Fields;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.UUID;

/**
 * Where a scan sits in the order scans were stored: its {@code created_at} then its
 * {@code id}, the order of the index {@code scan_history (table_id, created_at, id)}. Not
 * {@code scanned_at}: an offline phone syncs scans taken hours ago, and they must still come
 * after everything already sent. Encoded in the API's one cursor form ({@link OpaqueCursor}, as the page
 * cursors are) and used as the SSE event id of the live scan stream, so both sides can
 * compute it: the HTTP verticle from a {@code scans.recorded} message, the data verticle from a
 * row of the history. Both read {@code created_at} as the scan record writes it, UTC with
 * microseconds, which is exactly what PostgreSQL stores, so the two always agree.
 *
 * <p>Ordering compares the two strings: the timestamp has a fixed width, so its text order is
 * time order, and the lower-case canonical UUID text orders like PostgreSQL's {@code uuid}
 * (byte by byte), unlike {@link UUID#compareTo}, which compares signed longs.
 */
public record ScanCursor(String createdAt, String id) implements Comparable<ScanCursor> {

  /** Before every scan: where a stream on a table without scans starts. */
  public static final ScanCursor START = new ScanCursor("1970-01-01T00:00:00.000000Z", new UUID(0, 0).toString());

  public ScanCursor {
    id = id.toLowerCase(Locale.ROOT);
  }

  /** The cursor of a scan record ({@code created_at}, {@code id}); null when it lacks either. */
  public static ScanCursor of(JsonObject scan) {
    Object createdAt = scan.getValue("created_at");
    Object id = scan.getValue("id");
    if (createdAt instanceof String time && ApiTimestamps.PATTERN.matcher(time).matches()
        && id instanceof String text && Fields.parseUuid(text) != null) {
      return new ScanCursor(time, text);
    }
    return null;
  }

  public String encode() {
    return OpaqueCursor.encode(createdAt, id);
  }

  /** The cursor an {@link #encode()} produced, or null for anything else (including null). */
  public static ScanCursor decode(String text) {
    String[] parts = OpaqueCursor.decode(text);
    return parts != null && ApiTimestamps.PATTERN.matcher(parts[0]).matches() && Fields.parseUuid(parts[1]) != null
        ? new ScanCursor(parts[0], parts[1]) : null;
  }

  public UUID uuid() {
    return UUID.fromString(id);
  }

  @Override
  public int compareTo(ScanCursor other) {
    int byTime = createdAt.compareTo(other.createdAt);
    return byTime != 0 ? byTime : id.compareTo(other.id);
  }

  public boolean isAfter(ScanCursor other) {
    return compareTo(other) > 0;
  }

  /** The later of two cursors; null counts as before everything. */
  public static ScanCursor max(ScanCursor a, ScanCursor b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }
}
