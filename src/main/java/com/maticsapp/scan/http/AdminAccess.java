package com.maticsapp.scan.http;

import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.auth.BearerCredentials;
import com.maticsapp.scan.config.AdminConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

import java.security.MessageDigest;

/**
 * The admin credential in front of the public port's {@code /api/health/detailed} and
 * {@code /metrics}: {@link #require} lets a request through with
 * {@code Authorization: Bearer <auth.adminToken>}, or with a user's token whose {@code role}
 * claim is one of {@code auth.adminRoles} (e.g. Supabase's {@code service_role}). The static
 * token is compared as SHA-256 digests with {@link MessageDigest#isEqual}, in constant time, so
 * neither its content nor its length can be learnt from response times. A missing or invalid
 * credential is a 401 with {@code WWW-Authenticate}; a valid user without an admin role gets
 * 403; with neither an admin token nor admin roles configured the routes are refused outright
 * (403): the management port serves them.
 */
final class AdminAccess {

  static final String CHALLENGE = "Bearer realm=\"matic-scan\"";

  private final Responses responses;
  private final Authenticator authenticator;
  /** SHA-256 of the admin token, or null when none is configured. */
  private final byte[] expected;

  AdminAccess(AdminConfig admin, Authenticator authenticator, Responses responses) {
    this.responses = responses;
    this.authenticator = authenticator;
    this.expected = admin.hasAdminToken() ? BearerCredentials.sha256(admin.adminToken()) : null;
  }

  /** A route handler: {@code ctx.next()} for an admin, else the refusal. */
  void require(RoutingContext ctx) {
    if (expected == null && !authenticator.hasAdminRoles()) {
      responses.problem(ctx, 403, "Forbidden",
          "no admin credential is configured on this port; use the management port", null);
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String presented = BearerCredentials.token(header);
    if (presented == null) {
      ctx.response().putHeader("WWW-Authenticate", CHALLENGE);
      responses.problem(ctx, 401, "Unauthorized", "this route requires an admin bearer token", null);
    } else if (expected != null && MessageDigest.isEqual(expected, BearerCredentials.sha256(presented))) {
      ctx.next();
    } else {
      authenticator.authenticate(header).onComplete(user -> {
        if (user.failed()) {
          ctx.response().putHeader("WWW-Authenticate", CHALLENGE + ", error=\"invalid_token\"");
          responses.problem(ctx, 401, "Unauthorized", "the bearer token is not valid for this route", null);
        } else if (authenticator.isAdmin(user.result())) {
          ctx.next();
        } else {
          responses.problem(ctx, 403, "Forbidden", "this route requires an admin role", null);
        }
      });
    }
  }
}
