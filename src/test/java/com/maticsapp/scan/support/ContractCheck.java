package com.maticsapp.scan.support;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.impl.ClientPhase;
import io.vertx.ext.web.client.impl.HttpContext;
import io.vertx.ext.web.client.impl.WebClientInternal;

import java.util.List;

/**
 * The one hook that makes every test a contract test: a web-client interceptor that checks each
 * response against the document ({@link ApiContract}) before the test sees it, and fails the
 * request's future with an {@link AssertionError} naming every violation when the response
 * breaks a promise. The test that sent the request fails where it waits for the answer.
 */
public final class ContractCheck {

  private ContractCheck() {
  }

  /** {@code client} of the public port, with every response it receives from now on held to the document. */
  public static WebClient validating(WebClient client) {
    return validating(client, ApiContract.Server.PUBLIC);
  }

  /** {@code client} of {@code server}, with every response it receives from now on held to the document. */
  public static WebClient validating(WebClient client, ApiContract.Server server) {
    ApiContract.shared(); // compiled on the caller's thread, not on the event loop of the first response
    ((WebClientInternal) client).addInterceptor(context -> intercept(context, server));
    return client;
  }

  private static void intercept(HttpContext<?> context, ApiContract.Server server) {
    if (context.phase() == ClientPhase.DISPATCH_RESPONSE) {
      HttpResponse<?> response = context.response();
      List<String> violations = ApiContract.shared().violations(server, context.request().method().name(),
          context.request().uri(), response.statusCode(), response.getHeader("Content-Type"), decoded(response));
      if (!violations.isEmpty()) {
        context.fail(new AssertionError("the response breaks openapi.yaml:\n  " + String.join("\n  ", violations)
            + "\nbody: " + abbreviated(response.body())));
        return;
      }
    }
    context.next();
  }

  /** The body as the document describes it: a gzip-encoded answer (Accept-Encoding: gzip) unpacked first. */
  private static byte[] decoded(HttpResponse<?> response) {
    byte[] raw = bytes(response.body());
    if (!"gzip".equalsIgnoreCase(response.getHeader("Content-Encoding")) || raw.length == 0) {
      return raw;
    }
    try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new AssertionError("the response says gzip but is not: " + e);
    }
  }

  private static byte[] bytes(Object body) {
    if (body == null) {
      return new byte[0];
    }
    if (body instanceof Buffer buffer) {
      return buffer.getBytes();
    }
    return body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String abbreviated(Object body) {
    String text = body == null ? "" : body.toString();
    return text.length() <= 2000 ? text : text.substring(0, 2000) + "…";
  }
}
