package com.maticsapp.scan.contract;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Where a phone's copy of one barcode column stands in the database's change sequence: the
 * column, and the transaction id below which every change had been seen when the copy was read
 * (the xmin of the reading statement's snapshot; see the V13_1 migration). A delta since it
 * returns every change of a transaction at or above it. Opaque base64url to clients, like the
 * page cursors.
 *
 * @param columnId the barcode column the copy is of; a cursor is not valid for another column
 * @param xid      a PostgreSQL {@code xid8}, as its decimal text
 */
public record SyncCursor(UUID columnId, String xid) {

  private static final Pattern XID = Pattern.compile("[0-9]{1,20}");
  private static final String VERSION = "v1";

  public String encode() {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((VERSION + "|" + columnId + "|" + xid).getBytes(StandardCharsets.UTF_8));
  }

  /** The cursor {@link #encode()} produced, or null for anything else (including null). */
  public static SyncCursor decode(String text) {
    if (text == null || text.isEmpty() || text.length() > 200) {
      return null;
    }
    String plain;
    try {
      plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    String[] parts = plain.split("\\|", -1);
    if (parts.length != 3 || !VERSION.equals(parts[0]) || !XID.matcher(parts[2]).matches()) {
      return null;
    }
    UUID column = Fields.parseUuid(parts[1]);
    if (column == null) {
      return null;
    }
    try {
      return new SyncCursor(column, Long.toUnsignedString(Long.parseUnsignedLong(parts[2])));
    } catch (NumberFormatException beyondXid8) {
      return null;
    }
  }
}
