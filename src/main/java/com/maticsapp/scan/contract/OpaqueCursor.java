package com.maticsapp.scan.contract;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The one text form of every cursor the API hands out (page cursors, the live stream's event
 * ids): {@code key|id}, base64url without padding, so clients pass it back without reading it.
 * What the key is (a timestamp, a position) is the cursor type's business; this is only the
 * envelope, written and read the same way for all of them. (The offline copy's cursor,
 * {@link SyncCursor}, has three parts, a version, a column and a database snapshot, in the same
 * base64url outside: {@link #text} and {@link #plain}.)
 */
public final class OpaqueCursor {

  /** Longer than any cursor this API issues: refused unread. */
  public static final int MAX_LENGTH = 200;

  private OpaqueCursor() {}

  public static String encode(String key, String id) {
    return text(key + "|" + id);
  }

  /** {@code plain} as base64url without padding: the outside of every cursor. */
  static String text(String plain) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  /** What {@link #text} encoded, or null for anything else, empty, or longer than {@code maxLength}. */
  static String plain(String text, int maxLength) {
    if (text == null || text.isEmpty() || text.length() > maxLength) {
      return null;
    }
    try {
      return new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException notBase64) {
      return null;
    }
  }

  /**
   * {@code [key, id]} of a cursor {@link #encode} produced, or null for anything else. The id
   * follows the last '|', so a key may hold one.
   */
  public static String[] decode(String text) {
    String plain = plain(text, MAX_LENGTH);
    if (plain == null) {
      return null;
    }
    int bar = plain.lastIndexOf('|');
    return bar < 0 ? null : new String[] {plain.substring(0, bar), plain.substring(bar + 1)};
  }
}
