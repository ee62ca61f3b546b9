package com.maticsapp.scan.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Reading an {@code Authorization: Bearer} header, and the digest secrets are compared by. */
public final class BearerCredentials {

  /** Longer tokens are refused before any parsing. */
  public static final int MAX_TOKEN_LENGTH = 8_192;

  private BearerCredentials() {}

  /**
   * The token of {@code Bearer <token>} (scheme in any case, surrounding white space ignored);
   * null for another scheme, an empty token or one longer than {@link #MAX_TOKEN_LENGTH}.
   */
  public static String token(String authorization) {
    if (authorization == null) {
      return null;
    }
    String value = authorization.trim();
    if (value.length() < 8 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = value.substring(7).trim();
    return token.isEmpty() || token.length() > MAX_TOKEN_LENGTH ? null : token;
  }

  /**
   * SHA-256 of the UTF-8 bytes: secrets are compared as digests with
   * {@link MessageDigest#isEqual}, so neither their content nor their length shows in the time taken.
   */
  public static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
