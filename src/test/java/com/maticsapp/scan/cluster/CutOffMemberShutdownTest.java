package com.maticsapp.scan.cluster;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.maticsapp.scan.config.ClusterConfig;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A member whose Hazelcast instance has already stopped (cut off from the others) shuts down
 * cleanly: no "Failed to leave cluster" ERROR with a stack trace, one WARN saying why.
 */
class CutOffMemberShutdownTest {

  @Test
  void closingVertxAfterTheHazelcastMemberStoppedLogsNoError() {
    ClusterConfig alone = new ClusterConfig(true, "cut-off-" + System.nanoTime(), "127.0.0.1", 0, List.of(),
        "127.0.0.1", 0);
    HazelcastClusterManager manager = HazelcastMember.clusterManager(alone);
    Vertx vertx = Vertx.builder().withClusterManager(manager)
        .with(new io.vertx.core.VertxOptions().setEventBusOptions(HazelcastMember.eventBus(alone)))
        .buildClustered().await();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    root.addAppender(logged);
    try {
      manager.getHazelcastInstance().getLifecycleService().terminate();
      vertx.close().await();
    } finally {
      root.detachAppender(logged);
    }
    assertThat(logged.list).noneMatch(event -> event.getLevel().isGreaterOrEqual(Level.ERROR));
    assertThat(logged.list).anyMatch(event -> event.getLevel() == Level.WARN
        && event.getFormattedMessage().contains("nothing to leave"));
  }
}
