package com.maticsapp.scan.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Gzip for one streamed response, chunk by chunk: what a chunk compresses to so far is handed
 * out at once, so memory stays at the deflater's window whatever the response's size. The
 * server's own compression is off (it would also hold back the live scan stream's events), so
 * the routes that want it use this. Fastest level: a snapshot is JSON, which compresses well
 * even so, and the event loop spends little on it.
 */
final class Gzip {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
  private final GZIPOutputStream gzip;

  Gzip() {
    try {
      gzip = new GZIPOutputStream(out, 64 * 1024) {
        {
          def.setLevel(Deflater.BEST_SPEED);
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the request's Accept-Encoding admits gzip (a {@code q=0} refuses it). */
  static boolean accepted(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING);
    if (header == null) {
      return false;
    }
    for (String part : header.toLowerCase(Locale.ROOT).split(",")) {
      String[] token = part.trim().split(";");
      if (token[0].trim().equals("gzip") || token[0].trim().equals("*")) {
        boolean refused = token.length > 1 && token[1].replace(" ", "").matches("q=0(\\.0*)?");
        return !refused;
      }
    }
    return false;
  }

  /** The compressed bytes {@code chunk} yields now (possibly none: the deflater buffers). */
  Buffer compress(Buffer chunk) {
    try {
      gzip.write(chunk.getBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return drain();
  }

  /** The rest, and the gzip trailer. */
  Buffer finish() {
    try {
      gzip.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return drain();
  }

  private Buffer drain() {
    Buffer compressed = Buffer.buffer(out.toByteArray());
    out.reset();
    return compressed;
  }
}
