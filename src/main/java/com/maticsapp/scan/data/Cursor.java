package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.OpaqueCursor;
import com.maticsapp.scan.contract.ServiceFailure;

import java.util.UUID;

/**
 * A keyset-pagination cursor: the sort key and id of the last item of a page, in the API's
 * one cursor form ({@link OpaqueCursor}).
 */
record Cursor(String key, UUID id) {

  String encode() {
    return OpaqueCursor.encode(key, id.toString());
  }

  /** Null for null; a 422 on {@code field} for anything that is not a cursor we issued. */
  static Cursor decode(String text, String field) {
    if (text == null) {
      return null;
    }
    String[] parts = OpaqueCursor.decode(text);
    UUID id = parts == null ? null : Fields.parseUuid(parts[1]);
    if (id == null) {
      throw ServiceFailure.invalid(field, "is not a cursor returned by this API");
    }
    return new Cursor(parts[0], id);
  }
}
