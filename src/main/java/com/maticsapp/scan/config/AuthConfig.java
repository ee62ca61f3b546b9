package com.maticsapp.scan.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Who may call, and how that is proven (docs/security.md).
 *
 * <p>Users present the access token their identity provider issued: verified with the HS256
 * {@code jwtSecret} and/or the ES256/RS256 keys published at {@code jwksUrl} (fetched at
 * start-up, refreshed every {@code jwksRefresh}); {@code audience} and {@code issuer} are
 * checked when set; {@code clockSkew} is the leeway on {@code exp}/{@code nbf}/{@code iat}.
 * Guests present a token this service signed with {@code guestTokenSecret} when they claimed a
 * pairing. Users with one of {@code adminRoles} in their token may read the internal health and
 * metrics on the public port (as may the static {@code auth.adminToken}, see {@link AdminConfig}).
 *
 * <p>{@code enabled: false} (development and tests only; production refuses to start) lets
 * requests without a token act as {@code developmentUser}; a token that is sent is still checked.
 *
 * <p>{@link #toString()} never shows a secret.
 */
public record AuthConfig(
    boolean enabled,
    String jwtSecret,
    String jwksUrl,
    Duration jwksRefresh,
    List<String> audience,
    String issuer,
    Duration clockSkew,
    List<String> adminRoles,
    String guestTokenSecret,
    String developmentUser,
    PairingConfig pairing) {

  /** The shortest secret accepted for HMAC signing: 256 bits' worth of characters. */
  public static final int MIN_SECRET_LENGTH = 32;

  public AuthConfig {
    audience = List.copyOf(audience);
    adminRoles = List.copyOf(adminRoles);
  }

  /**
   * Guest pairings: how long one lasts unless the editor asks otherwise ({@code defaultTtl}) and
   * at most ({@code maxTtl}); after {@code maxFailedClaims} wrong codes for one pairing it is
   * locked; one client may fail {@code clientFailedClaims} claims per {@code clientWindow};
   * {@code claimUrl} is where a phone opens the code (the code is appended); empty, the default,
   * means the service's own pairing page under {@code http.publicUrl}.
   */
  public record PairingConfig(Duration defaultTtl, Duration maxTtl, int maxFailedClaims, int clientFailedClaims,
                              Duration clientWindow, String claimUrl) {}

  public boolean hasUserKeys() {
    return !jwtSecret.isEmpty() || !jwksUrl.isEmpty();
  }

  @Override
  public String toString() {
    return "AuthConfig[enabled=" + enabled + ", jwtSecret=" + redacted(jwtSecret) + ", jwksUrl=" + jwksUrl
        + ", audience=" + audience + ", issuer=" + issuer + ", clockSkew=" + clockSkew
        + ", adminRoles=" + adminRoles
        + ", guestTokenSecret=" + redacted(guestTokenSecret) + ", pairing=" + pairing + "]";
  }

  private static String redacted(String secret) {
    return secret.isEmpty() ? "(none)" : "(set)";
  }

  static AuthConfig from(ConfigReader auth, boolean production) {
    boolean enabled = auth.bool("enabled", true);
    String jwtSecret = auth.string("jwtSecret", "");
    String jwksUrl = auth.string("jwksUrl", "").trim();
    String guestTokenSecret = auth.string("guestTokenSecret", "");
    if (production && !enabled) {
      auth.invalid(auth.key("enabled"), "cannot be false in production: every request must carry a token", null);
    }
    if (!jwtSecret.isEmpty() && jwtSecret.length() < MIN_SECRET_LENGTH) {
      auth.invalid(auth.key("jwtSecret"), "must be at least " + MIN_SECRET_LENGTH + " characters", null);
    }
    if (!guestTokenSecret.isEmpty() && guestTokenSecret.length() < MIN_SECRET_LENGTH) {
      auth.invalid(auth.key("guestTokenSecret"), "must be at least " + MIN_SECRET_LENGTH + " characters", null);
    }
    if (!guestTokenSecret.isEmpty() && guestTokenSecret.equals(jwtSecret)) {
      auth.invalid(auth.key("guestTokenSecret"), "must differ from auth.jwtSecret", null);
    }
    if (!jwksUrl.isEmpty()) {
      checkUrl(auth.key("jwksUrl"), jwksUrl, production);
    }
    if (production && jwtSecret.isEmpty() && jwksUrl.isEmpty()) {
      auth.invalid(auth.key("jwtSecret"), "is required in production (or auth.jwksUrl): users' tokens cannot be verified otherwise", null);
    }
    if (production && guestTokenSecret.isEmpty()) {
      auth.invalid(auth.key("guestTokenSecret"),
          "is required in production: guest tokens must stay valid across restarts and instances", null);
    }
    if (enabled && !production && jwtSecret.isEmpty() && jwksUrl.isEmpty()) {
      auth.invalid(auth.key("jwtSecret"), "is required (or auth.jwksUrl) while auth.enabled is true", null);
    }
    ConfigReader pairing = auth.section("pairing");
    Duration maxTtl = pairing.duration("maxTtl", Duration.ofHours(24), Duration.ofMinutes(1), Duration.ofDays(30));
    String developmentUser = auth.string("developmentUser", "local-developer").trim();
    if (developmentUser.isEmpty() || developmentUser.length() > 255) {
      auth.invalid(auth.key("developmentUser"), "must be 1 to 255 characters", null);
    }
    return new AuthConfig(
        enabled,
        jwtSecret,
        jwksUrl,
        auth.duration("jwksRefresh", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofDays(1)),
        auth.stringList("audience", List.of("authenticated")),
        auth.string("issuer", "").trim(),
        auth.duration("clockSkew", Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(10)),
        auth.stringList("adminRoles", List.of("service_role")),
        guestTokenSecret,
        developmentUser,
        new PairingConfig(
            pairing.duration("defaultTtl", Duration.ofHours(8), Duration.ofMinutes(1), maxTtl),
            maxTtl,
            pairing.integer("maxFailedClaims", 5, 1, 100),
            pairing.integer("clientFailedClaims", 10, 1, 10_000),
            pairing.duration("clientWindow", Duration.ofMinutes(15), Duration.ofSeconds(1), Duration.ofDays(1)),
            pairing.string("claimUrl", "").trim()));
  }

  private static void checkUrl(String key, String url, boolean production) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, "is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme();
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new ConfigException(key, "must be an http(s) URL");
    }
    if (production && scheme.equals("http")) {
      throw new ConfigException(key, "must use https in production: keys fetched over plain HTTP can be replaced in transit");
    }
  }
}
