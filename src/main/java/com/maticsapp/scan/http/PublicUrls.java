package com.maticsapp.scan.http;

import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;

/**
 * The absolute URLs the service hands out (a pairing's {@code claim_url}, the pages it serves),
 * all under {@code http.publicUrl}. Without one (development and tests only; production
 * requires it) they are made from the request's own host, so a phone that reached the desk
 * page by the machine's LAN address is sent to that same address.
 */
final class PublicUrls {

  /** The path of the service's own pairing page; the code is its {@code code} parameter. */
  static final String PAIRING_PAGE = "/pair?code=";

  private final String publicUrl;
  private final String claimUrl;

  /**
   * @param publicUrl {@code http.publicUrl}, without a trailing slash; empty when not set
   * @param claimUrl  {@code auth.pairing.claimUrl}: a prefix the code is appended to; empty for
   *                  the service's own pairing page
   */
  PublicUrls(String publicUrl, String claimUrl) {
    this.publicUrl = publicUrl;
    this.claimUrl = claimUrl;
  }

  /** Where a phone claims {@code code}. */
  String claimUrl(RoutingContext ctx, String code) {
    return (claimUrl.isEmpty() ? base(ctx) + PAIRING_PAGE : claimUrl) + code;
  }

  /** {@code http.publicUrl}, or {@code http://<the request's host>} when it is not set. */
  String base(RoutingContext ctx) {
    if (!publicUrl.isEmpty()) {
      return publicUrl;
    }
    HostAndPort authority = ctx.request().authority();
    return "http://" + (authority == null ? "127.0.0.1" : authority.toString());
  }
}
