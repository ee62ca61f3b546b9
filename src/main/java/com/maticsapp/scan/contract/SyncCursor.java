package com.maticsapp.scan.contract;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where a phone's copy of one barcode column stands in the database's change sequence: the
 * column, and the snapshot of the statement that read the copy ({@code pg_snapshot} text,
 * {@code xmin:xmax:in-progress,...}; see the V13_1 migration). A delta since it returns every
 * change whose transaction that snapshot did not see. Opaque base64url to clients, like the
 * page cursors.
 *
 * @param columnId the barcode column the copy is of; a cursor is not valid for another column
 * @param snapshot a PostgreSQL {@code pg_snapshot} as text
 */
public record SyncCursor(UUID columnId, String snapshot) {

  /** Longer snapshots (hundreds of transactions in flight) are cut to their xmin ({@link #of}). */
  public static final int MAX_SNAPSHOT_LENGTH = 1_500;
  private static final Pattern SNAPSHOT = Pattern.compile("(\\d{1,20}):(\\d{1,20}):(\\d{1,20}(,\\d{1,20})*)?");
  private static final String VERSION = "v1";

  /**
   * The cursor for a copy read in {@code snapshot}. One too long to hand out is replaced by
   * {@code xmin:xmin:}, which treats everything from xmin on as unseen: a few changes may come
   * twice (the phone's upserts absorb them), none is missed.
   */
  public static SyncCursor of(UUID columnId, String snapshot) {
    if (snapshot.length() > MAX_SNAPSHOT_LENGTH) {
      String xmin = snapshot.substring(0, snapshot.indexOf(':'));
      return new SyncCursor(columnId, xmin + ":" + xmin + ":");
    }
    return new SyncCursor(columnId, snapshot);
  }

  public String encode() {
    return OpaqueCursor.text(VERSION + "|" + columnId + "|" + snapshot);
  }

  /** The cursor {@link #encode()} produced, or null for anything else (including null). */
  public static SyncCursor decode(String text) {
    String plain = OpaqueCursor.plain(text, 2 * MAX_SNAPSHOT_LENGTH);
    if (plain == null) {
      return null;
    }
    String[] parts = plain.split("\\|", -1);
    if (parts.length != 3 || !VERSION.equals(parts[0]) || !SNAPSHOT.matcher(parts[2]).matches()) {
      return null;
    }
    UUID column = Fields.parseUuid(parts[1]);
    if (column == null) {
      return null;
    }
    try {
      String[] bounds = parts[2].split(":", -1);
      if (Long.compareUnsigned(Long.parseUnsignedLong(bounds[0]), Long.parseUnsignedLong(bounds[1])) > 0) {
        return null;
      }
    } catch (NumberFormatException beyondXid8) {
      return null;
    }
    return new SyncCursor(column, parts[2]);
  }
}
