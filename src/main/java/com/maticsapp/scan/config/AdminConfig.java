package com.maticsapp.scan.config;

import java.util.regex.Pattern;

/**
 * {@code auth.adminToken}: the bearer token that opens {@code /api/health/detailed} and
 * {@code /metrics} on the public port. Empty (the default) means no admin credential exists and
 * those routes are refused there (the management port serves them). The token is never
 * printed: {@link #toString()} says only whether one is set, and errors never quote it.
 */
public record AdminConfig(String adminToken) {

  /** Long enough that guessing is hopeless even though the admin routes are not rate limited. */
  public static final int MIN_TOKEN_LENGTH = 32;

  /** RFC 6750 b64token: what may follow {@code Bearer } in an Authorization header. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

  public AdminConfig {
    adminToken = adminToken == null ? "" : adminToken;
  }

  public boolean hasAdminToken() {
    return !adminToken.isEmpty();
  }

  static AdminConfig from(ConfigReader auth) {
    String token = auth.string("adminToken", "").trim();
    if (!token.isEmpty() && token.length() < MIN_TOKEN_LENGTH) {
      throw new ConfigException(auth.key("adminToken"), "must be at least " + MIN_TOKEN_LENGTH
          + " characters (e.g. the output of 'openssl rand -hex 32'), or empty for none");
    }
    if (!token.isEmpty() && !TOKEN.matcher(token).matches()) {
      throw new ConfigException(auth.key("adminToken"),
          "may contain only letters, digits and -._~+/ (with = at the end), as a bearer token");
    }
    return new AdminConfig(token);
  }

  @Override
  public String toString() {
    return "AdminConfig[adminToken=" + (hasAdminToken() ? "<set>" : "<none>") + "]";
  }
}
