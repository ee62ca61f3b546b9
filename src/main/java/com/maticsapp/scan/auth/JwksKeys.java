package com.maticsapp.scan.auth;

import com.maticsapp.scan.config.AuthConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The identity provider's signing keys, from {@code auth.jwksUrl}: fetched at start-up, again
 * every {@code auth.jwksRefresh}, and soon after a token names a key we do not have (the
 * provider rotated) — at most once per {@link #MIN_REFRESH_INTERVAL_MILLIS}. A failed refresh
 * keeps the keys we have. Only public signature keys are taken: RSA and EC keys for RS*, PS*
 * and ES* algorithms; a symmetric ("oct") key in a public document is ignored.
 */
final class JwksKeys {

  private static final Logger log = LoggerFactory.getLogger(JwksKeys.class);
  static final long MIN_REFRESH_INTERVAL_MILLIS = 30_000;
  private static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
  private static final int MAX_DOCUMENT_BYTES = 1 << 20;

  private final Vertx vertx;
  private final AuthConfig config;
  private final Consumer<List<JsonObject>> onKeys;
  private final HttpClient client;
  private long timer = -1;
  private volatile long lastAttempt;

  JwksKeys(Vertx vertx, AuthConfig config, Consumer<List<JsonObject>> onKeys) {
    this.vertx = vertx;
    this.config = config;
    this.onKeys = onKeys;
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout(5_000)
        .setIdleTimeout(30)
        .setTrustAll(false)
        .setVerifyHost(true));
  }

  Future<Void> start() {
    timer = vertx.setPeriodic(config.jwksRefresh().toMillis(), id -> fetch());
    return fetch();
  }

  void stop() {
    vertx.cancelTimer(timer);
    client.close();
  }

  /** Asks for a refresh now unless one was tried recently. */
  void refreshSoon() {
    if (System.currentTimeMillis() - lastAttempt >= MIN_REFRESH_INTERVAL_MILLIS) {
      fetch();
    }
  }

  private Future<Void> fetch() {
    lastAttempt = System.currentTimeMillis();
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(config.jwksUrl())
        .setTimeout(10_000)
        .putHeader("Accept", "application/json");
    return client.request(request)
        .compose(req -> req.send())
        .compose(response -> {
          if (response.statusCode() != 200) {
            return Future.failedFuture("HTTP " + response.statusCode() + " from the JWKS URL");
          }
          return response.body();
        })
        .compose(body -> {
          if (body.length() > MAX_DOCUMENT_BYTES) {
            return Future.failedFuture("the JWKS document is larger than 1 MiB");
          }
          List<JsonObject> keys = signatureKeys(body.toJsonObject());
          if (keys.isEmpty()) {
            return Future.failedFuture("the JWKS document has no usable signature key");
          }
          onKeys.accept(keys);
          log.info("JWKS loaded: {} signature keys ({})", keys.size(),
              keys.stream().map(key -> key.getString("kid", "?") + "/" + key.getString("alg")).toList());
          return Future.<Void>succeededFuture();
        })
        .onFailure(failure -> log.warn("JWKS fetch failed, keeping the keys we have: {}", failure.getMessage()));
  }

  /** The keys of a JWKS document that may verify users' tokens, each with its algorithm set. */
  static List<JsonObject> signatureKeys(JsonObject document) {
    List<JsonObject> keys = new ArrayList<>();
    JsonArray all = document.getValue("keys") instanceof JsonArray array ? array : new JsonArray();
    for (Object entry : all) {
      if (!(entry instanceof JsonObject key)) {
        continue;
      }
      String kty = key.getValue("kty") instanceof String s ? s : "";
      String use = key.getValue("use") instanceof String s ? s : "sig";
      String alg = key.getValue("alg") instanceof String s ? s : ("EC".equals(kty) ? "ES256" : "RS256");
      boolean typeFits = ("RSA".equals(kty) && (alg.startsWith("RS") || alg.startsWith("PS")))
          || ("EC".equals(kty) && alg.startsWith("ES"));
      if ("sig".equals(use) && ALGORITHMS.contains(alg) && typeFits) {
        keys.add(key.copy().put("alg", alg));
      }
    }
    return keys;
  }
}
