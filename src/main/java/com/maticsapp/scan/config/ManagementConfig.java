package com.maticsapp.scan.config;

/**
 * The management HTTP server: the health routes and {@code /metrics} without credentials, on
 * an address of their own. {@code host} defaults to loopback, so only the machine (or the pod)
 * itself reaches it; {@code port} 0 picks a free port. Disabled, nothing listens and
 * {@code /api/health/detailed} and {@code /metrics} are served only on the public port, to an
 * admin credential.
 */
public record ManagementConfig(boolean enabled, String host, int port) {

  static ManagementConfig from(ConfigReader management) {
    String host = management.string("host", "127.0.0.1");
    if (host.isBlank()) {
      throw new ConfigException(management.key("host"), "must not be blank");
    }
    return new ManagementConfig(
        management.bool("enabled", true),
        host.trim(),
        management.integer("port", 9090, 0, 65535));
  }
}
