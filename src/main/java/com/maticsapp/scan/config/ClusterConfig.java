package com.maticsapp.scan.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether and how this instance joins the other instances' Vert.x cluster (Hazelcast).
 *
 * <p>{@code members} are the Hazelcast addresses ({@code host:port}) tried at start-up: TCP/IP
 * discovery only, never multicast. {@code host}/{@code port} are where this instance's Hazelcast
 * member binds and what it tells the others ({@code port} 0 picks a free one).
 * {@code eventBusHost}/{@code eventBusPort} are where the clustered event bus listens for
 * messages from the other members; the host defaults to {@code host}, port 0 picks a free one.
 */
public record ClusterConfig(
    boolean enabled,
    String clusterName,
    String host,
    int port,
    List<String> members,
    String eventBusHost,
    int eventBusPort) {

  public ClusterConfig {
    members = List.copyOf(members);
  }

  static ClusterConfig from(ConfigReader cluster) {
    String host = nonBlank(cluster, "host", "127.0.0.1");
    String eventBusHost = cluster.string("eventBusHost", null);
    return new ClusterConfig(
        cluster.bool("enabled", false),
        nonBlank(cluster, "clusterName", "matic-scan"),
        host,
        cluster.integer("port", 5701, 0, 65535),
        members(cluster),
        eventBusHost == null || eventBusHost.isBlank() ? host : eventBusHost.trim(),
        cluster.integer("eventBusPort", 0, 0, 65535));
  }

  /**
   * How many instances the connection budget must allow for: the configured member list
   * (which should name every instance, this one included) when clustered, else this one.
   */
  public int expectedInstances() {
    return enabled ? Math.max(1, members.size()) : 1;
  }

  private static String nonBlank(ConfigReader cluster, String name, String fallback) {
    String value = cluster.string(name, fallback);
    if (value.isBlank()) {
      throw new ConfigException(cluster.key(name), "must not be blank");
    }
    return value.trim();
  }

  /** Each entry {@code host:port} (an IPv6 host in brackets), port 1–65535. */
  private static List<String> members(ConfigReader cluster) {
    List<String> entries = cluster.stringList("members");
    List<String> members = new ArrayList<>(entries.size());
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i).trim();
      if (!isHostAndPort(entry)) {
        throw new ConfigException(cluster.key("members"),
            "entry " + (i + 1) + " must be host:port with a port between 1 and 65535 (was '" + entry + "')");
      }
      members.add(entry);
    }
    return members;
  }

  private static boolean isHostAndPort(String entry) {
    int colon = entry.lastIndexOf(':');
    if (colon <= 0 || colon == entry.length() - 1) {
      return false;
    }
    String host = entry.substring(0, colon);
    String port = entry.substring(colon + 1);
    if (host.isBlank() || host.contains(" ") || (host.contains(":") && !(host.startsWith("[") && host.endsWith("]")))) {
      return false;
    }
    if (!port.matches("\\d{1,5}")) {
      return false;
    }
    int number = Integer.parseInt(port);
    return number >= 1 && number <= 65535;
  }
}
