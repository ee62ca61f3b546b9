package com.maticsapp.scan.auth;

import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.config.AuthConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a bearer credential into a {@link Caller}, and signs guest tokens. One instance per
 * process, shared by every HTTP and data verticle (it is thread-safe): the HTTP verticle checks
 * the token a request carries, the data verticle checks the same token again when it arrives
 * on the event bus — from the HTTP verticle or from any other sender — so nothing reaches the
 * data without a valid credential. A verified token is remembered until it expires (at most
 * {@link #CACHE_TTL_MILLIS}), so the second check is a map lookup.
 *
 * <p>Users' tokens: HS256 with {@code auth.jwtSecret} and/or the ES256/RS256 keys of
 * {@code auth.jwksUrl} ({@link JwksKeys}); guests' tokens: HS256 with
 * {@code auth.guestTokenSecret}, issuer {@link #GUEST_ISSUER}, audience {@link #GUEST_AUDIENCE}.
 * A token must be signed (never {@code alg: none}) and must expire.
 */
public final class Authenticator {

  private static final Logger log = LoggerFactory.getLogger(Authenticator.class);

  public static final String GUEST_ISSUER = "matic-scan";
  public static final String GUEST_AUDIENCE = "matic-scan:guest";
  static final long CACHE_TTL_MILLIS = 300_000;
  static final int CACHE_MAX_ENTRIES = 20_000;

  private final Vertx vertx;
  private final AuthConfig config;
  private final JWTAuth guests;
  private final JwksKeys jwks;
  /** Null while no user key is known (JWKS not fetched yet and no secret): every user token is refused. */
  private volatile JWTAuth users;
  private final Map<String, Verified> verified = new ConcurrentHashMap<>();

  private record Verified(Caller caller, long validUntilMillis) {}

  public Authenticator(Vertx vertx, AuthConfig config) {
    this.vertx = vertx;
    this.config = config;
    String guestSecret = config.guestTokenSecret();
    if (guestSecret.isEmpty()) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      guestSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      log.warn("auth.guestTokenSecret is not set: guest tokens are signed with a key made at start-up and "
          + "stop working when this process stops (allowed outside production only)");
    }
    this.guests = JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(guestSecret))
        .setJWTOptions(new JWTOptions()
            .setAlgorithm("HS256")
            .setIssuer(GUEST_ISSUER)
            .setAudience(List.of(GUEST_AUDIENCE))
            .setLeeway((int) config.clockSkew().toSeconds())));
    this.jwks = config.jwksUrl().isEmpty() ? null : new JwksKeys(vertx, config, this::useJwks);
    this.users = config.jwtSecret().isEmpty() ? null : userAuth(vertx, List.of());
  }

  /**
   * Fetches the JWKS when one is configured. Without a secret to fall back on, start-up fails
   * when the keys cannot be fetched: such a service could not verify any user.
   */
  public Future<Void> start() {
    if (jwks == null) {
      return Future.succeededFuture();
    }
    return jwks.start().recover(failure -> {
      if (!config.jwtSecret().isEmpty()) {
        log.warn("the JWKS could not be fetched at start-up ({}); only HS256 tokens are accepted until it is", failure.getMessage());
        return Future.succeededFuture();
      }
      return Future.failedFuture(new IllegalStateException("auth.jwksUrl: the keys could not be fetched: " + failure.getMessage()));
    });
  }

  public void close() {
    if (jwks != null) {
      jwks.stop();
    }
  }

  private void useJwks(List<JsonObject> keys) {
    users = userAuth(vertx, keys);
    verified.clear(); // a key that left the set must stop verifying at once
  }

  private JWTAuth userAuth(Vertx vertx, List<JsonObject> jwksKeys) {
    JWTOptions options = new JWTOptions().setLeeway((int) config.clockSkew().toSeconds());
    if (!config.audience().isEmpty()) {
      options.setAudience(config.audience());
    }
    if (!config.issuer().isEmpty()) {
      options.setIssuer(config.issuer());
    }
    JWTAuthOptions auth = new JWTAuthOptions().setJWTOptions(options);
    if (!config.jwtSecret().isEmpty()) {
      auth.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.jwtSecret()));
    }
    jwksKeys.forEach(auth::addJwk);
    return JWTAuth.create(vertx, auth);
  }

  /**
   * The caller an {@code Authorization} header value proves, or a 401 {@link ServiceFailure}.
   * With auth disabled (outside production), no header means the development user.
   */
  public Future<Caller> authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      if (!config.enabled()) {
        return Future.succeededFuture(Caller.user(config.developmentUser(), null, "authenticated"));
      }
      return Future.failedFuture(ServiceFailure.unauthorized("a bearer token is required"));
    }
    String token = BearerCredentials.token(authorization);
    if (token == null) {
      return Future.failedFuture(ServiceFailure.unauthorized("the Authorization header must be 'Bearer <token>'"));
    }
    Verified known = verified.get(token);
    if (known != null) {
      if (System.currentTimeMillis() < known.validUntilMillis()) {
        return Future.succeededFuture(known.caller());
      }
      verified.remove(token);
    }
    return verify(token);
  }

  /** Whether any user could be an admin (some admin role is configured and user tokens are checked). */
  public boolean hasAdminRoles() {
    return !config.adminRoles().isEmpty() && config.hasUserKeys();
  }

  /** Whether a verified user holds one of {@code auth.adminRoles} in their token. */
  public boolean isAdmin(Caller caller) {
    return !caller.isGuest() && caller.role() != null && config.adminRoles().contains(caller.role());
  }

  private Future<Caller> verify(String token) {
    JsonObject unverified = unverifiedPayload(token);
    if (unverified == null) {
      return Future.failedFuture(ServiceFailure.unauthorized("the token is not a signed JWT"));
    }
    boolean guest = GUEST_ISSUER.equals(unverified.getValue("iss"));
    JWTAuth provider = guest ? guests : users;
    if (provider == null) {
      if (jwks != null) {
        jwks.refreshSoon();
      }
      return Future.failedFuture(ServiceFailure.unauthorized("no key to verify the token is available yet"));
    }
    Future<User> checked;
    try {
      checked = provider.authenticate(new TokenCredentials(token));
    } catch (RuntimeException e) {
      // The library throws for some malformed claims (e.g. "exp": null) instead of failing.
      checked = Future.failedFuture(e);
    }
    return checked
        .recover(failure -> {
          if (!guest && jwks != null && String.valueOf(failure.getMessage()).contains("kid")) {
            jwks.refreshSoon(); // a key we have not seen: the provider may have rotated
          }
          return Future.failedFuture(ServiceFailure.unauthorized(reason(failure)));
        })
        .map(user -> {
          Caller caller = guest ? guestOf(user) : userOf(user);
          long exp = claims(user).getLong("exp") * 1000 + config.clockSkew().toMillis();
          if (verified.size() >= CACHE_MAX_ENTRIES) {
            verified.clear();
          }
          verified.put(token, new Verified(caller, Math.min(exp, System.currentTimeMillis() + CACHE_TTL_MILLIS)));
          return caller;
        });
  }

  /** Why a token was refused, in words a client developer can act on (never the token itself). */
  private static String reason(Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    if (message.contains("expired")) {
      return "the token has expired (or is not valid yet)";
    }
    if (message.contains("audience")) {
      return "the token's audience is not accepted";
    }
    if (message.contains("issuer")) {
      return "the token's issuer is not accepted";
    }
    return "the token's signature cannot be verified";
  }

  /**
   * The payload of a token with three non-empty parts, decoded without verifying anything: only
   * to choose the verifier (guest or user). Null when it is not such a token.
   */
  private static JsonObject unverifiedPayload(String token) {
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second <= first + 1 || second == token.length() - 1 || token.indexOf('.', second + 1) >= 0) {
      return null;
    }
    try {
      byte[] payload = Base64.getUrlDecoder().decode(token.substring(first + 1, second));
      return new JsonObject(Buffer.buffer(payload));
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The token's whole payload (the principal lacks exp, iat and nbf). */
  private static JsonObject claims(User user) {
    return user.attributes().getJsonObject("accessToken");
  }

  private static Caller userOf(User user) {
    JsonObject claims = claims(user);
    if (!(claims.getValue("exp") instanceof Number)) {
      throw ServiceFailure.unauthorized("the token has no expiry (exp)");
    }
    if (!(claims.getValue("sub") instanceof String sub) || sub.isBlank() || sub.length() > 255 || sub.startsWith("guest:")) {
      throw ServiceFailure.unauthorized("the token has no usable subject (sub)");
    }
    return Caller.user(sub, claims.getValue("email") instanceof String email ? email : null,
        claims.getValue("role") instanceof String role ? role : null);
  }

  private static Caller guestOf(User user) {
    JsonObject claims = claims(user);
    UUID pairing = Fields.parseUuid(claims.getValue("pairing_id") instanceof String s ? s : null);
    UUID table = Fields.parseUuid(claims.getValue("table_id") instanceof String s ? s : null);
    UUID column = Fields.parseUuid(claims.getValue("column_id") instanceof String s ? s : null);
    if (pairing == null || table == null || column == null || !(claims.getValue("exp") instanceof Number)) {
      throw ServiceFailure.unauthorized("the guest token is incomplete");
    }
    String device = claims.getValue("device_id") instanceof String d && !d.isEmpty() && d.length() <= 200 ? d : null;
    return Caller.guest(new Caller.Guest(pairing, table, column,
        claims.getString("scanner_name"), claims.getString("scanner_email"), device));
  }

  /** A guest token for a claimed pairing: valid until the pairing expires (revocation is checked on use). */
  public String issueGuestToken(Caller.Guest guest, Instant expiresAt) {
    JsonObject claims = new JsonObject()
        .put("sub", "guest:" + guest.pairingId())
        .put("aud", new JsonArray().add(GUEST_AUDIENCE))
        .put("iss", GUEST_ISSUER)
        .put("exp", expiresAt.getEpochSecond())
        .put("pairing_id", guest.pairingId().toString())
        .put("table_id", guest.tableId().toString())
        .put("column_id", guest.columnId().toString())
        .put("scanner_name", guest.scannerName());
    if (guest.scannerEmail() != null) {
      claims.put("scanner_email", guest.scannerEmail());
    }
    if (guest.deviceId() != null) {
      claims.put("device_id", guest.deviceId());
    }
    return guests.generateToken(claims, new JWTOptions().setAlgorithm("HS256"));
  }

}
