package com.maticsapp.scan.http;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One framing per request: a request that carries both {@code Content-Length} and
 * {@code Transfer-Encoding} is refused with 400 and its connection closed (RFC 9112 §6.3).
 * A proxy in front that frames such a message by its Content-Length while this server reads
 * it as chunked would see one request where this server sees two: request smuggling.
 *
 * <p>Two layers, because Netty hides the conflict in the common case. For an HTTP/1.1
 * request with {@code Transfer-Encoding: chunked}, its decoder drops the Content-Length
 * header before anything of ours sees the request, so {@link #strictDecoder} swaps in a
 * decoder that marks such a request as a decoding failure instead: Vert.x hands it to the
 * server's invalid-request handler and closes the connection once that answer is written,
 * whatever followed on the wire. Every other combination (HTTP/1.0, a coding other than
 * chunked) reaches the request handler with both headers, where {@link #ambiguous} catches it.
 *
 * <p>The swap reaches into Vert.x's HTTP/1.x pipeline (its request decoder is not
 * configurable), and must happen before the decoder has read anything: so the server runs
 * without cleartext HTTP/2, whose detection of the protocol from the first bytes would
 * configure the pipeline only once the first request is decoded. If a Vert.x upgrade moves it, the service logs an error once and the
 * raw-socket test of this rule fails.
 */
final class RequestFraming {

  private static final Logger log = LoggerFactory.getLogger(RequestFraming.class);
  private static final String DECODER = "httpDecoder";
  private static final AtomicBoolean warned = new AtomicBoolean();

  /** What the client is told. */
  static final String DETAIL = "a request must not carry both Content-Length and Transfer-Encoding";

  /** The decoding failure that marks a request with both framings. */
  static final class AmbiguousFraming extends RuntimeException {
    AmbiguousFraming() {
      super(DETAIL, null, false, false);
    }
  }

  private RequestFraming() {}

  /** Connection handler: an HTTP/1.x connection gets the strict decoder before its first byte is read. */
  static void strictDecoder(HttpConnection connection, HttpServerOptions options) {
    if (!(connection instanceof HttpServerConnection server)) {
      return;
    }
    ChannelPipeline pipeline = server.channelHandlerContext().pipeline();
    if (pipeline.get(DECODER) instanceof HttpRequestDecoder decoder && !(decoder instanceof StrictDecoder)) {
      pipeline.replace(DECODER, DECODER, new StrictDecoder(options));
    } else if (pipeline.get(DECODER) == null && pipeline.get(Http2ConnectionHandler.class) == null
        && warned.compareAndSet(false, true)) {
      log.error("no HTTP/1.x request decoder in the connection pipeline: requests with both Content-Length and "
          + "chunked Transfer-Encoding cannot be refused (has the Vert.x version changed?)");
    }
  }

  /** True when the request still shows both headers (every case {@link #strictDecoder} does not catch). */
  static boolean ambiguous(HttpServerRequest request) {
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING) && request.headers().contains(HttpHeaders.CONTENT_LENGTH);
  }

  /** 400, and the connection closed once the answer is written: what follows on it cannot be framed. */
  static void refuse(HttpServerRequest request, Responses responses) {
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    responses.problem(request, null, 400, "Bad request", DETAIL, null);
    request.connection().close();
  }

  /** Vert.x's own decoder, except that chunked with a Content-Length is a failure, not a dropped header. */
  private static final class StrictDecoder extends VertxHttpRequestDecoder {
    StrictDecoder(HttpServerOptions options) {
      super(options);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      super.handleTransferEncodingChunkedWithContentLength(message);
      message.setDecoderResult(DecoderResult.failure(new AmbiguousFraming()));
    }
  }
}
