package com.maticsapp.scan.config;

/**
 * Per-client token buckets in front of the API. A client may send {@code burst} requests at
 * once and then {@code requestsPerSecond} on average; clients known only by their address (no
 * authenticated identity) get the smaller {@code unauthenticated*} pair. At most
 * {@code maxKeys} clients are tracked at a time.
 */
public record RateLimitConfig(
    boolean enabled,
    int requestsPerSecond,
    int burst,
    int unauthenticatedRequestsPerSecond,
    int unauthenticatedBurst,
    int maxKeys) {

  static RateLimitConfig from(ConfigReader rateLimit) {
    return new RateLimitConfig(
        rateLimit.bool("enabled", true),
        rateLimit.integer("requestsPerSecond", 50, 1, 1_000_000),
        rateLimit.integer("burst", 200, 1, 10_000_000),
        rateLimit.integer("unauthenticatedRequestsPerSecond", 10, 1, 1_000_000),
        rateLimit.integer("unauthenticatedBurst", 40, 1, 10_000_000),
        rateLimit.integer("maxKeys", 100_000, 100, 10_000_000));
  }
}
