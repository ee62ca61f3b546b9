package com.maticsapp.scan.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An identity provider's key endpoint on loopback: an ES256 and an RS256 key pair generated
 * here, published as a JWKS, and tokens signed with them. Keys can be rotated while the service
 * runs; {@link #fetches()} counts how often the document was read.
 */
public final class JwksServer implements AutoCloseable {

  /** One signing key: its id, algorithm and key pair. */
  public record Key(String kid, String alg, KeyPair pair) {
    public String sign(JsonObject claims) {
      return Tokens.signed(alg, kid, pair.getPrivate(), claims);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile List<Key> published;

  public JwksServer() {
    published = List.of(newKey("ES256", "ec-1"), newKey("RS256", "rsa-1"));
    server = vertx.createHttpServer().requestHandler(request -> {
      fetches.incrementAndGet();
      request.response().putHeader("Content-Type", "application/json").end(document().encode());
    }).listen(0, "127.0.0.1").await();
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/.well-known/jwks.json";
  }

  public Key key(String alg) {
    return published.stream().filter(key -> key.alg().equals(alg)).findFirst().orElseThrow();
  }

  public int fetches() {
    return fetches.get();
  }

  /** Replaces the published keys with new ones of the same algorithms; returns the new ES256 key. */
  public Key rotate(String suffix) {
    List<Key> next = new ArrayList<>();
    for (Key key : published) {
      next.add(newKey(key.alg(), key.kid().split("-")[0] + "-" + suffix));
    }
    published = List.copyOf(next);
    return key("ES256");
  }

  public static Key newKey(String alg, String kid) {
    try {
      KeyPairGenerator generator;
      if (alg.equals("ES256")) {
        generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
      } else {
        generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
      }
      return new Key(kid, alg, generator.generateKeyPair());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonObject document() {
    JsonArray keys = new JsonArray();
    for (Key key : published) {
      keys.add(publicJwk(key));
    }
    // A symmetric key in a public document must be ignored by the service.
    keys.add(new JsonObject().put("kty", "oct").put("kid", "oct-1").put("alg", "HS256").put("k", Tokens.b64("attacker-chosen-secret".getBytes())));
    return new JsonObject().put("keys", keys);
  }

  static JsonObject publicJwk(Key key) {
    JsonObject jwk = new JsonObject().put("kid", key.kid()).put("alg", key.alg()).put("use", "sig");
    if (key.pair().getPublic() instanceof ECPublicKey ec) {
      return jwk.put("kty", "EC").put("crv", "P-256")
          .put("x", Tokens.b64(unsigned(ec.getW().getAffineX(), 32)))
          .put("y", Tokens.b64(unsigned(ec.getW().getAffineY(), 32)));
    }
    RSAPublicKey rsa = (RSAPublicKey) key.pair().getPublic();
    return jwk.put("kty", "RSA")
        .put("n", Tokens.b64(unsigned(rsa.getModulus(), 0)))
        .put("e", Tokens.b64(unsigned(rsa.getPublicExponent(), 0)));
  }

  /** Big-endian unsigned bytes, left-padded to {@code size} when size > 0. */
  private static byte[] unsigned(BigInteger value, int size) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (size > 0 && bytes.length < size) {
      byte[] padded = new byte[size];
      System.arraycopy(bytes, 0, padded, size - bytes.length, bytes.length);
      return padded;
    }
    return bytes;
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
