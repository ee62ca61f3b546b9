package com.maticsapp.scan.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;

/**
 * Access tokens as an identity provider (Supabase Auth) issues them, signed here with the test
 * profile's HS256 secret (conf/test.json) or with keys a test generates ({@link JwksServer}).
 * Built by hand rather than with the service's own library, so a test also catches the service
 * accepting what it should not.
 */
public final class Tokens {

  /** auth.jwtSecret of conf/test.json. */
  public static final String USER_SECRET = "test-only-user-token-secret-0123456789abcdef";
  /** auth.guestTokenSecret of conf/test.json. */
  public static final String GUEST_SECRET = "test-only-guest-token-secret-0123456789abcdef";
  /** auth.adminToken of conf/test.json. */
  public static final String ADMIN_TOKEN = "test-only-admin-token-0123456789abcdef";

  private Tokens() {}

  /** The claims of a signed-in user, valid for an hour. */
  public static JsonObject claims(String userId) {
    long now = Instant.now().getEpochSecond();
    return new JsonObject()
        .put("sub", userId)
        .put("email", userId + "@example.com")
        .put("role", "authenticated")
        .put("aud", "authenticated")
        .put("iat", now)
        .put("exp", now + 3600);
  }

  /** A valid HS256 user token for {@code userId}. */
  public static String user(String userId) {
    return hs256(claims(userId), USER_SECRET);
  }

  public static String bearer(String token) {
    return "Bearer " + token;
  }

  public static String hs256(JsonObject claims, String secret) {
    String signingInput = part(new JsonObject().put("alg", "HS256").put("typ", "JWT")) + "." + part(claims);
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RS256 or ES256 with {@code key}; {@code kid} names the key in the JWKS. */
  public static String signed(String alg, String kid, PrivateKey key, JsonObject claims) {
    String signingInput = part(new JsonObject().put("alg", alg).put("typ", "JWT").put("kid", kid)) + "." + part(claims);
    try {
      Signature signature = Signature.getInstance(alg.equals("ES256") ? "SHA256withECDSA" : "SHA256withRSA");
      signature.initSign(key);
      signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      byte[] sig = signature.sign();
      return signingInput + "." + b64(alg.equals("ES256") ? derToJose(sig, 32) : sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An unsigned token ({@code alg: none}), which must never be accepted. */
  public static String unsigned(JsonObject claims) {
    return part(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + part(claims) + ".";
  }

  static String part(JsonObject json) {
    return b64(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** ECDSA signatures come out of the JDK as DER; JWS wants R and S concatenated, each {@code size} bytes. */
  private static byte[] derToJose(byte[] der, int size) {
    int offset = 2 + (der[1] == (byte) 0x81 ? 1 : 0);
    int rLength = der[offset + 1];
    byte[] r = java.util.Arrays.copyOfRange(der, offset + 2, offset + 2 + rLength);
    offset = offset + 2 + rLength;
    int sLength = der[offset + 1];
    byte[] s = java.util.Arrays.copyOfRange(der, offset + 2, offset + 2 + sLength);
    byte[] jose = new byte[2 * size];
    copyRight(r, jose, 0, size);
    copyRight(s, jose, size, size);
    return jose;
  }

  private static void copyRight(byte[] from, byte[] to, int at, int size) {
    int skip = Math.max(0, from.length - size);
    int length = from.length - skip;
    System.arraycopy(from, skip, to, at + size - length, length);
  }

  /** Audience as an array, as some providers send it. */
  public static JsonArray audiences(String... values) {
    JsonArray array = new JsonArray();
    for (String value : values) {
      array.add(value);
    }
    return array;
  }
}
