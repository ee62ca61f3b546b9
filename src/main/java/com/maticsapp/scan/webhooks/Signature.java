package com.maticsapp.scan.webhooks;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): a secret is {@code whsec_}
 * followed by the base64 of random bytes; a signature is {@code v1,} followed by the base64 of
 * HMAC-SHA256, keyed with those bytes, over {@code <webhook-id>.<webhook-timestamp>.<body>}.
 * The {@code webhook-signature} header lists several, space-separated, while an old secret
 * still signs after a rotation; a receiver accepts the message when any one verifies.
 */
public final class Signature {

  public static final String PREFIX = "whsec_";
  /** 32 bytes: HMAC-SHA256's own block of security; the spec asks for 24 to 64. */
  private static final int SECRET_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Signature() {}

  /** A fresh secret, {@code whsec_<base64>}. */
  public static String newSecret() {
    byte[] key = new byte[SECRET_BYTES];
    RANDOM.nextBytes(key);
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The {@code webhook-signature} value: one {@code v1,<base64>} per secret, space-separated. */
  public static String header(List<String> secrets, String id, long timestampSeconds, byte[] body) {
    StringBuilder header = new StringBuilder();
    for (String secret : secrets) {
      if (header.length() > 0) {
        header.append(' ');
      }
      header.append("v1,").append(sign(secret, id, timestampSeconds, body));
    }
    return header.toString();
  }

  /** base64(HMAC-SHA256(key, id.timestamp.body)). */
  static String sign(String secret, String id, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
      mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static byte[] key(String secret) {
    String encoded = secret.startsWith(PREFIX) ? secret.substring(PREFIX.length()) : secret;
    return Base64.getDecoder().decode(encoded);
  }
}
