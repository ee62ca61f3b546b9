package com.maticsapp.scan.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.maticsapp.scan.config.ClusterConfig;
import io.vertx.core.eventbus.EventBusOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Hazelcast member configuration built from the cluster section, without starting Hazelcast. */
class HazelcastMemberTest {

  private static final ClusterConfig CLUSTER = new ClusterConfig(true, "scan-test", "10.0.0.1", 5701,
      List.of("10.0.0.1:5701", "10.0.0.2:5701"), "10.0.0.1", 17001);

  @Test
  void discoveryIsTcpIpFromTheMemberListOnlyWithNoMulticastAndNoCloudProbing() {
    JoinConfig join = HazelcastMember.config(CLUSTER).getNetworkConfig().getJoin();

    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    // Kubernetes discovery (docs/operations.md) ships in the Hazelcast core jar; it stays off.
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
  }

  @Test
  void theMemberBindsExactlyTheConfiguredAddressAndNameAndNeverCallsHome() {
    Config config = HazelcastMember.config(CLUSTER);
    NetworkConfig network = config.getNetworkConfig();

    assertThat(config.getClusterName()).isEqualTo("scan-test");
    assertThat(network.getPort()).isEqualTo(5701);
    assertThat(network.isPortAutoIncrement()).isFalse();
    assertThat(network.getPublicAddress()).isEqualTo("10.0.0.1");
    assertThat(network.getInterfaces().isEnabled()).isTrue();
    assertThat(network.getInterfaces().getInterfaces()).containsExactly("10.0.0.1");
    assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(config.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    assertThat(config.getMultiMapConfig("__vertx.subs").getBackupCount()).isEqualTo(1);
  }

  @Test
  void portZeroLetsHazelcastPickAndAHostNameIsOnlyAdvertised() {
    ClusterConfig named = new ClusterConfig(true, "scan-test", "scan-1.internal", 0, List.of(), "scan-1.internal", 0);
    NetworkConfig network = HazelcastMember.config(named).getNetworkConfig();

    assertThat(network.getPort()).isZero();
    assertThat(network.isPortAutoIncrement()).isTrue();
    assertThat(network.getPublicAddress()).isEqualTo("scan-1.internal");
    assertThat(network.getInterfaces().isEnabled()).isFalse();
  }

  @Test
  void theEventBusListensWhereConfiguredAndAdvertisesThatHost() {
    EventBusOptions bus = HazelcastMember.eventBus(CLUSTER);

    assertThat(bus.getHost()).isEqualTo("10.0.0.1");
    assertThat(bus.getPort()).isEqualTo(17001);
    assertThat(bus.getClusterPublicHost()).isEqualTo("10.0.0.1");
  }
}
