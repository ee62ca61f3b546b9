package com.maticsapp.scan.contract;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The one text form of every cursor the API hands out (page cursors, the live stream's event
 * ids): {@code key|id}, base64url without padding, so clients pass it back without reading it.
 * What the key is (a timestamp, a position) is the cursor type's business; this is only the
 * envelope, written and read the same way for all of them. (The offline copy's cursor,
 * {@link SyncCursor}, is another thing: a database snapshot with a version, read by its own rules.)
 */
public final class OpaqueCursor {

  /** Longer than any cursor this API issues: refused unread. */
  public static final int MAX_LENGTH = 200;

  private OpaqueCursor() {}

  public static String encode(String key, String id) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString((key + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * {@code [key, id]} of a cursor {@link #encode} produced, or null for anything else. The id
   * follows the last '|', so a key may hold one.
   */
  public static String[] decode(String text) {
    if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
      return null;
    }
    String plain;
    try {
      plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
    int bar = plain.lastIndexOf('|');
    return bar < 0 ? null : new String[] {plain.substring(0, bar), plain.substring(bar + 1)};
  }
}
