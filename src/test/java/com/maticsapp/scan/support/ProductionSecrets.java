package com.maticsapp.scan.support;

import java.util.HashMap;
import java.util.Map;

/**
 * Production refuses to start without an explicit database and public URL, a way to verify users' tokens and a
 * guest-token secret (docs/security.md, docs/configuration.md). Configuration tests that are
 * about something else add these.
 */
public final class ProductionSecrets {

  public static final String JWT_SECRET = "production-test-user-secret-0123456789abcdef";
  public static final String GUEST_SECRET = "production-test-guest-secret-0123456789abcdef";
  public static final String PUBLIC_URL = "https://scan.example.test";
  public static final String DATABASE_URL = "postgres://postgres@127.0.0.1:5432/matic_scan?sslmode=require";

  private ProductionSecrets() {}

  /** {@code env} plus (in production) DATABASE_URL, PUBLIC_URL, and AUTH_JWT_SECRET and GUEST_TOKEN_SECRET where it does not set them. */
  public static Map<String, String> added(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(env);
    if ("production".equals(all.get("ENVIRONMENT"))) {
      all.putIfAbsent("DATABASE_URL", DATABASE_URL);
      all.putIfAbsent("PUBLIC_URL", PUBLIC_URL);
    }
    all.putIfAbsent("AUTH_JWT_SECRET", JWT_SECRET);
    all.putIfAbsent("GUEST_TOKEN_SECRET", GUEST_SECRET);
    return all;
  }
}
