package com.maticsapp.scan.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Cross-origin access for browser apps ({@code http.cors}). {@code allowedOrigins} lists exact
 * origins ({@code https://app.maticsapp.com}); empty, the service sends no CORS headers at all
 * and browsers keep other sites' scripts from reading its responses. {@code allowCredentials}
 * lets the browser send cookies and HTTP authentication along; {@code maxAge} is how long a
 * browser may cache a preflight answer.
 */
public record CorsConfig(List<String> allowedOrigins, boolean allowCredentials, Duration maxAge) {

  /**
   * {@code http} or {@code https}, a host name, IPv4 address or bracketed IPv6 address, and an
   * optional port: exactly what a browser sends in {@code Origin}, nothing more.
   */
  private static final Pattern ORIGIN = Pattern.compile(
      "https?://([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+])"
          + "(:(?<port>\\d{1,5}))?");

  public CorsConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  public boolean enabled() {
    return !allowedOrigins.isEmpty();
  }

  static CorsConfig from(ConfigReader cors) {
    return new CorsConfig(
        origins(cors),
        cors.bool("allowCredentials", false),
        cors.duration("maxAge", Duration.ofMinutes(10), Duration.ZERO, Duration.ofHours(24)));
  }

  private static List<String> origins(ConfigReader cors) {
    List<String> entries = cors.stringList("allowedOrigins");
    List<String> origins = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i).trim();
      String problem = problem(entry);
      if (problem != null) {
        throw new ConfigException(cors.key("allowedOrigins"), "entry " + (i + 1) + " " + problem + " (was '" + entry + "')");
      }
      origins.add(withoutDefaultPort(entry));
    }
    return origins;
  }

  /** Browsers never send a scheme's default port in {@code Origin}, so it is not compared either. */
  private static String withoutDefaultPort(String origin) {
    if (origin.startsWith("https://") && origin.endsWith(":443")) {
      return origin.substring(0, origin.length() - 4);
    }
    if (origin.startsWith("http://") && origin.endsWith(":80")) {
      return origin.substring(0, origin.length() - 3);
    }
    return origin;
  }

  /** Why {@code origin} is not an exact origin, or null when it is one. */
  private static String problem(String origin) {
    if (origin.contains("*")) {
      return "must be an exact origin: wildcards are not allowed, list each origin";
    }
    var matcher = ORIGIN.matcher(origin);
    if (!matcher.matches()) {
      return "must be an exact origin scheme://host[:port] with scheme http or https and no path"
          + (origin.endsWith("/") ? " (not even a trailing '/')" : "");
    }
    String port = matcher.group("port");
    if (port != null && (Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535)) {
      return "must have a port between 1 and 65535";
    }
    return null;
  }
}
