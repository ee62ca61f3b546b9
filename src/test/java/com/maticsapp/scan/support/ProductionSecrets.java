package com.maticsapp.scan.support;

import java.util.HashMap;
import java.util.Map;

/**
 * Production refuses to start without a way to verify users' tokens and a guest-token secret
 * (docs/security.md). Configuration tests that are about something else add these.
 */
public final class ProductionSecrets {

  public static final String JWT_SECRET = "production-test-user-secret-0123456789abcdef";
  public static final String GUEST_SECRET = "production-test-guest-secret-0123456789abcdef";

  private ProductionSecrets() {}

  /** {@code env} plus AUTH_JWT_SECRET and GUEST_TOKEN_SECRET where it does not set them. */
  public static Map<String, String> added(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("AUTH_JWT_SECRET", JWT_SECRET);
    all.putIfAbsent("GUEST_TOKEN_SECRET", GUEST_SECRET);
    return all;
  }
}
