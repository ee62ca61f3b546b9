package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ServiceFailure;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * An opaque keyset-pagination cursor: the sort key and id of the last item of a page,
 * base64url-encoded so clients pass it back without reading it.
 */
record Cursor(String key, UUID id) {

  String encode() {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((key + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** Null for null; a 422 on {@code field} for anything that is not a cursor we issued. */
  static Cursor decode(String text, String field) {
    if (text == null) {
      return null;
    }
    try {
      String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
      int bar = plain.lastIndexOf('|');
      UUID id = bar < 0 ? null : Fields.parseUuid(plain.substring(bar + 1));
      if (id != null) {
        return new Cursor(plain.substring(0, bar), id);
      }
    } catch (IllegalArgumentException notBase64) {
      // reported below
    }
    throw ServiceFailure.invalid(field, "is not a cursor returned by this API");
  }
}
