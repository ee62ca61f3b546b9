package com.maticsapp.scan.support;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * A receiver's check of a Standard Webhooks signature, written from the specification
 * (standard-webhooks.com, "Verifying webhook authenticity") and sharing no code with the
 * service: the signed content is {@code id.timestamp.body}; the key is the base64 part of the
 * {@code whsec_} secret; {@code webhook-signature} is a space-separated list of
 * {@code version,base64}; a message verifies when any {@code v1} entry equals the expected
 * HMAC-SHA256 (compared in constant time) and the timestamp is within the tolerance.
 * (The com.standardwebhooks:standardwebhooks 1.0.0 artifact on Maven Central ships no classes.)
 */
public final class WebhookVerifier {

  public static final long TOLERANCE_SECONDS = 5 * 60;

  private final byte[] key;

  public WebhookVerifier(String secret) {
    if (!secret.startsWith("whsec_")) {
      throw new IllegalArgumentException("not a whsec_ secret");
    }
    this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
  }

  /** True when the headers carry a valid signature of {@code body} by this secret. */
  public boolean verifies(String id, String timestamp, String signatureHeader, byte[] body) {
    if (id == null || timestamp == null || signatureHeader == null) {
      return false;
    }
    long sent;
    try {
      sent = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(System.currentTimeMillis() / 1000 - sent) > TOLERANCE_SECONDS) {
      return false;
    }
    byte[] expected = expected(id, timestamp, body);
    for (String entry : signatureHeader.split(" ")) {
      int comma = entry.indexOf(',');
      if (comma < 0 || !entry.substring(0, comma).equals("v1")) {
        continue;
      }
      byte[] given;
      try {
        given = Base64.getDecoder().decode(entry.substring(comma + 1));
      } catch (IllegalArgumentException e) {
        continue;
      }
      if (MessageDigest.isEqual(expected, given)) {
        return true;
      }
    }
    return false;
  }

  private byte[] expected(String id, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
      byte[] content = new byte[prefix.length + body.length];
      System.arraycopy(prefix, 0, content, 0, prefix.length);
      System.arraycopy(body, 0, content, prefix.length, body.length);
      return mac.doFinal(content);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
