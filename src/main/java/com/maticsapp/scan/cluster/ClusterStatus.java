package com.maticsapp.scan.cluster;

import com.maticsapp.scan.config.ClusterConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;

/**
 * What this instance sees of the cluster, for the detailed health document. Reporting only:
 * an instance that has lost the cluster still serves its own HTTP clients from its own pool,
 * so nothing here ever turns the service's status DOWN.
 *
 * <p>{@code status}: {@code UP} while the member runs and sees another member (or was given no
 * other to look for); {@code ALONE} while it runs but sees only itself although the member list
 * names others (a network split, or the others are all down); {@code DOWN} once its Hazelcast
 * member has stopped: scans recorded here then reach only this instance's own consumers.
 */
public final class ClusterStatus {

  private final ClusterConfig config;
  private final HazelcastClusterManager manager;

  private ClusterStatus(ClusterConfig config, HazelcastClusterManager manager) {
    this.config = config;
    this.manager = manager;
  }

  /** For an instance that is not clustered. */
  public static ClusterStatus disabled(ClusterConfig config) {
    return new ClusterStatus(config, null);
  }

  public static ClusterStatus of(ClusterConfig config, HazelcastClusterManager manager) {
    return new ClusterStatus(config, manager);
  }

  /** Reads local membership state only (no remote call), so it is safe on an event loop. */
  public JsonObject toJson() {
    if (manager == null) {
      return new JsonObject().put("enabled", false);
    }
    boolean running = running();
    List<String> members = running ? members() : List.of();
    int expected = config.expectedInstances();
    String status = !running ? "DOWN" : members.size() <= 1 && expected > 1 ? "ALONE" : "UP";
    return new JsonObject()
        .put("enabled", true)
        .put("status", status)
        .put("node_id", manager.getNodeId())
        .put("members", new JsonArray(List.copyOf(members)))
        .put("member_count", members.size())
        .put("expected_members", expected)
        .put("cluster_name", config.clusterName());
  }

  private boolean running() {
    try {
      return manager.getHazelcastInstance() != null && manager.getHazelcastInstance().getLifecycleService().isRunning();
    } catch (RuntimeException stopped) {
      return false;
    }
  }

  private List<String> members() {
    try {
      return manager.getNodes();
    } catch (RuntimeException stopped) {
      // Hazelcast stopped between the two reads.
      return List.of();
    }
  }
}
