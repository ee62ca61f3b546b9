package com.maticsapp.scan.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import com.maticsapp.scan.config.ClusterConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Completable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Pattern;

/**
 * How this instance's Hazelcast member is configured: built in code from {@link ClusterConfig}
 * (no cluster.xml on the classpath to drift from the documented keys), TCP/IP discovery from
 * the member list only, bound to the configured host and port.
 */
public final class HazelcastMember {

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private static final Logger log = LoggerFactory.getLogger(HazelcastMember.class);

  private HazelcastMember() {}

  /**
   * The cluster manager Vert.x is built with. A member whose Hazelcast instance already stopped
   * (cut off, terminated) has no cluster left to leave: closing Vert.x then completes the leave
   * with one WARN line instead of Hazelcast's "instance is not active" ERROR and stack trace.
   */
  public static HazelcastClusterManager clusterManager(ClusterConfig cluster) {
    return new HazelcastClusterManager(config(cluster)) {
      @Override
      public void leave(Completable<Void> done) {
        HazelcastInstance instance = getHazelcastInstance();
        if (instance != null && !instance.getLifecycleService().isRunning()) {
          log.warn("the Hazelcast member had already stopped (cut off from the cluster): nothing to leave");
          done.succeed();
          return;
        }
        super.leave(done);
      }
    };
  }

  /** Where the clustered event bus listens, and the address the other members are told. */
  public static EventBusOptions eventBus(ClusterConfig cluster) {
    return new EventBusOptions()
        .setHost(cluster.eventBusHost())
        .setPort(cluster.eventBusPort())
        .setClusterPublicHost(cluster.eventBusHost());
  }

  static Config config(ClusterConfig cluster) {
    Config config = new Config().setClusterName(cluster.clusterName());

    // No traffic beyond the configured addresses: no phone-home to hazelcast.com, no bind on
    // every interface, no probing of cloud metadata endpoints (auto-detection), no multicast.
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Our SIGTERM sequence (Application.stop) leaves the cluster last, after the drain; a
    // Hazelcast hook of its own would leave first and cut the event bus mid-drain.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // A member that vanishes without leaving (crash, network cut) is dropped after 10 s
    // instead of 60 s, so requests routed to it stop timing out sooner.
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    // Members starting together settle in about a second, not the default five.
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "5");
    // After a network split heals, the halves merge within half a minute rather than five.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "30");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "30");
    config.getJetConfig().setEnabled(false);

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port());
    // An explicit port is exact: sliding to the next one could take another member's listed port.
    network.setPortAutoIncrement(cluster.port() == 0);
    network.setPublicAddress(cluster.host());
    if (isIpLiteral(cluster.host())) {
      // Hazelcast's interface list takes IP patterns only; a host name is advertised as the
      // public address and the bind address is left to Hazelcast.
      network.getInterfaces().setEnabled(true).addInterface(cluster.host());
    }

    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members()).setConnectionTimeoutSeconds(2);

    // What vertx-hazelcast's default-cluster.xml declares for its own structures: the event-bus
    // subscriptions and node information survive the loss of one member.
    config.addMultiMapConfig(new MultiMapConfig("__vertx.subs")
        .setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    config.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return config;
  }

  private static boolean isIpLiteral(String host) {
    return IPV4.matcher(host).matches() || host.contains(":");
  }
}
