package com.maticsapp.scan.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a phone keeps of one barcode column: the snapshot it downloaded, brought up to date with
 * deltas exactly as docs/offline.md tells a phone to apply them (rows replaced whole by id,
 * removed rows dropped, removed values dropped from their row).
 */
public final class PhoneCopy {

  private final WebClient client;
  private final String path;
  private final String deviceId;
  private JsonObject column;
  private String cursor;
  private final Map<String, JsonObject> rows = new TreeMap<>();

  private PhoneCopy(WebClient client, String tableId, String columnId, String deviceId) {
    this.client = client;
    this.path = "/api/tables/" + tableId + "/columns/" + columnId + "/snapshot";
    this.deviceId = deviceId;
  }

  /** Downloads the snapshot with {@code client} (its token decides what it may read). */
  public static PhoneCopy download(WebClient client, String tableId, String columnId, String deviceId) {
    PhoneCopy copy = new PhoneCopy(client, tableId, columnId, deviceId);
    JsonObject snapshot = copy.fetch(null);
    copy.column = snapshot.getJsonObject("column");
    copy.cursor = snapshot.getString("cursor");
    JsonArray list = snapshot.getJsonArray("rows");
    assertThat(snapshot.getLong("row_count")).isEqualTo(list.size());
    list.forEach(row -> copy.rows.put(((JsonObject) row).getString("id"), (JsonObject) row));
    return copy;
  }

  /** Asks for the delta since this copy's cursor and applies it; returns the delta. */
  public JsonObject sync() {
    JsonObject delta = fetch(cursor);
    apply(delta);
    return delta;
  }

  public void apply(JsonObject delta) {
    column = delta.getJsonObject("column");
    cursor = delta.getString("cursor");
    delta.getJsonArray("rows").forEach(row -> rows.put(((JsonObject) row).getString("id"), (JsonObject) row));
    delta.getJsonArray("removed_rows").forEach(rows::remove);
    for (Object item : delta.getJsonArray("removed_values")) {
      JsonObject removed = (JsonObject) item;
      JsonObject row = rows.get(removed.getString("row_id"));
      if (row != null) {
        JsonArray kept = new JsonArray();
        row.getJsonArray("values").forEach(value -> {
          if (!value.equals(removed.getString("value"))) {
            kept.add(value);
          }
        });
        rows.put(row.getString("id"), row.copy().put("values", kept));
      }
    }
  }

  /** GET the snapshot ({@code since} null) or a delta, gzip-compressed, and decoded. */
  public JsonObject fetch(String since) {
    HttpResponse<Buffer> response = get(since);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.getHeader("Content-Encoding")).isEqualTo("gzip");
    return new JsonObject(gunzip(response.body()));
  }

  /** The snapshot as the phone stored it: the whole document, uncompressed. */
  public JsonObject fetchPlain() {
    return fetch(null);
  }

  public HttpResponse<Buffer> get(String since) {
    var request = client.get(path).putHeader("Accept-Encoding", "gzip");
    if (since != null) {
      request.addQueryParam("since", since);
    }
    if (deviceId != null) {
      request.addQueryParam("device_id", deviceId).addQueryParam("app_version", "test-1.0");
    }
    return request.send().await();
  }

  public static Buffer gunzip(Buffer compressed) {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed.getBytes()))) {
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Map<String, JsonObject> rows() {
    return rows;
  }

  public JsonObject column() {
    return column;
  }

  /** The copy as web/src/rules.js reads it: {@code {column, rows, cursor}}. */
  public JsonObject toJson() {
    return new JsonObject().put("column", column.copy()).put("cursor", cursor)
        .put("rows", new JsonArray(rows.values().stream().map(JsonObject::copy).map(Object.class::cast).toList()));
  }

  public String cursor() {
    return cursor;
  }

  /** The row whose values include {@code normalized}, or null. */
  public JsonObject rowWithValue(String normalized) {
    return rows.values().stream().filter(row -> row.getJsonArray("values").contains(normalized)).findFirst().orElse(null);
  }
}
