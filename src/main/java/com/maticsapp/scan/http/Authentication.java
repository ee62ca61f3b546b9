package com.maticsapp.scan.http;

import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * The routing step that proves who is calling: the {@code Authorization: Bearer} token is
 * verified ({@link Authenticator}) and the {@link Caller} and the credential are kept on the
 * routing context for {@link DataClient}, which hands the credential on to the data verticle
 * with every request. The request is then counted against the caller's rate limit (a request
 * whose token fails is counted against its address). A missing or bad token is a 401 with
 * {@code WWW-Authenticate: Bearer} before any body is read.
 *
 * <p>Browsers' EventSource cannot set headers, so the live stream alone also accepts the token
 * as the {@code access_token} query parameter (RFC 6750 §2.3).
 */
final class Authentication {

  static final String CALLER = "matic.caller";
  static final String CREDENTIAL = "matic.credential";

  private final Authenticator authenticator;
  private final RateLimitHandler rateLimit;
  private final Responses responses;

  Authentication(Authenticator authenticator, RateLimitHandler rateLimit, Responses responses) {
    this.authenticator = authenticator;
    this.rateLimit = rateLimit;
    this.responses = responses;
  }

  /** For every route that needs a caller. */
  void required(RoutingContext ctx) {
    authenticate(ctx, ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
  }

  /** For the live stream: the header, or the access_token query parameter. */
  void requiredForStream(RoutingContext ctx) {
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String query = ctx.queryParams().get("access_token");
    authenticate(ctx, header == null && query != null ? "Bearer " + query : header);
  }

  private void authenticate(RoutingContext ctx, String credential) {
    authenticator.authenticate(credential).onComplete(outcome -> {
      if (outcome.succeeded()) {
        // Counted against the caller: each user and each guest has a bucket of their own.
        if (rateLimit.admit(ctx, RateLimiter.callerKey(outcome.result()))) {
          ctx.put(CALLER, outcome.result());
          ctx.put(CREDENTIAL, credential);
          ctx.next();
        }
      } else if (!rateLimit.admit(ctx, RateLimiter.clientKey(ctx))) {
        return; // a client spraying bad tokens is slowed down like an anonymous one
      } else if (outcome.cause() instanceof ServiceFailure failure) {
        responses.problem(ctx, failure);
      } else {
        ctx.fail(outcome.cause());
      }
    });
  }

  static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }
}
