package com.maticsapp.scan.config;

import com.maticsapp.scan.cluster.ConnectionBudget;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The {@code cluster} section: defaults, environment overrides, validation, the budget line. */
class ClusterConfigTest extends ConfigTestBase {




  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "test", "production"})
  void clusteringIsOffByDefaultInEveryEnvironment(String environment) {
    ClusterConfig cluster = load(Map.of("ENVIRONMENT", environment)).cluster();

    assertThat(cluster.enabled()).isFalse();
    assertThat(cluster.clusterName()).isEqualTo("matic-scan");
    assertThat(cluster.host()).isEqualTo("127.0.0.1");
    assertThat(cluster.port()).isEqualTo(5701);
    assertThat(cluster.members()).isEmpty();
    assertThat(cluster.eventBusHost()).isEqualTo("127.0.0.1");
    assertThat(cluster.eventBusPort()).isZero();
    assertThat(cluster.expectedInstances()).isEqualTo(1);
  }

  @Test
  void environmentVariablesSetEveryClusterKey() {
    ClusterConfig cluster = load(Map.of("ENVIRONMENT", "production",
        "CLUSTER_ENABLED", "TRUE",
        "CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2:5702,[fd00::3]:5701,",
        "CLUSTER_HOST", "10.0.0.1",
        "CLUSTER_PORT", "0",
        "EVENT_BUS_HOST", "10.0.0.9",
        "EVENT_BUS_PORT", "17001")).cluster();

    assertThat(cluster.enabled()).isTrue();
    assertThat(cluster.members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5702", "[fd00::3]:5701");
    assertThat(cluster.host()).isEqualTo("10.0.0.1");
    assertThat(cluster.port()).isZero();
    assertThat(cluster.eventBusHost()).isEqualTo("10.0.0.9");
    assertThat(cluster.eventBusPort()).isEqualTo(17001);
    assertThat(cluster.expectedInstances()).isEqualTo(3);
  }

  @Test
  void theEventBusBindsTheClusterHostUnlessToldOtherwise() {
    ClusterConfig cluster = load(Map.of("CLUSTER_HOST", "10.1.2.3")).cluster();

    assertThat(cluster.eventBusHost()).isEqualTo("10.1.2.3");
  }

  @Test
  void theFilesGiveMembersAsAJsonArray() {
    JsonObject files = new JsonObject().put("cluster", new JsonObject()
        .put("enabled", true)
        .put("clusterName", "scan-eu")
        .put("members", new JsonArray().add("scan-1.internal:5701").add("scan-2.internal:5701")))
        .put("auth", new JsonObject().put("enabled", false));

    ClusterConfig cluster = ConfigLoader.fromJson("test", files, Map.of()).cluster();

    assertThat(cluster.clusterName()).isEqualTo("scan-eu");
    assertThat(cluster.members()).containsExactly("scan-1.internal:5701", "scan-2.internal:5701");
  }

  @Test
  void everyClusterVariableIsAnOverride() {
    assertThat(ConfigLoader.ENV_OVERRIDES).containsAllEntriesOf(Map.of(
        "CLUSTER_ENABLED", "cluster.enabled",
        "CLUSTER_MEMBERS", "cluster.members",
        "CLUSTER_HOST", "cluster.host",
        "CLUSTER_PORT", "cluster.port",
        "EVENT_BUS_HOST", "cluster.eventBusHost",
        "EVENT_BUS_PORT", "cluster.eventBusPort"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "CLUSTER_ENABLED | yes               | cluster.enabled",
      "CLUSTER_PORT    | 70000             | cluster.port",
      "CLUSTER_PORT    | -1                | cluster.port",
      "EVENT_BUS_PORT  | abc               | cluster.eventBusPort",
      "CLUSTER_MEMBERS | 10.0.0.1          | cluster.members",
      "CLUSTER_MEMBERS | 10.0.0.1:0        | cluster.members",
      "CLUSTER_MEMBERS | 10.0.0.1:99999    | cluster.members",
      "CLUSTER_MEMBERS | 10.0.0.1:5701,:80 | cluster.members",
      "CLUSTER_MEMBERS | fd00::3:5701      | cluster.members",
      "CLUSTER_MEMBERS | a b:5701          | cluster.members"})
  void invalidClusterValuesFailNamingTheKeyAndTheVariable(String variable, String value, String key) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production", variable, value));

    assertThat(failure.key()).isEqualTo(key);
    assertThat(failure.getMessage()).contains("'" + key + "'").contains(variable);
  }

  @Test
  void aBadMemberIsNamedByItsPosition() {
    ConfigException failure = configFailure(Map.of("CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2"));

    assertThat(failure.getMessage()).contains("entry 2").contains("'10.0.0.2'").contains("host:port");
  }

  @Test
  void fileValuesOfTheWrongShapeFail() {
    JsonObject notStrings = new JsonObject().put("cluster", new JsonObject().put("members", new JsonArray().add(5701)));
    JsonObject blankHost = new JsonObject().put("cluster", new JsonObject().put("host", " "));
    JsonObject blankName = new JsonObject().put("cluster", new JsonObject().put("clusterName", ""));
    JsonObject notASection = new JsonObject().put("cluster", true);

    assertThat(fromJsonFailure(notStrings).getMessage()).contains("cluster.members").contains("list of strings");
    assertThat(fromJsonFailure(blankHost).key()).isEqualTo("cluster.host");
    assertThat(fromJsonFailure(blankName).key()).isEqualTo("cluster.clusterName");
    assertThat(fromJsonFailure(notASection).key()).isEqualTo("cluster");
  }

  @Test
  void theConnectionBudgetCountsTheConfiguredMembersAndOneMoreForARollingDeploy() {
    AppConfig clustered = load(Map.of("ENVIRONMENT", "production", "DB_POOL_MAX_SIZE", "3",
        "CLUSTER_ENABLED", "true", "CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701,10.0.0.3:5701"));
    ConnectionBudget budget = ConnectionBudget.of(clustered);

    assertThat(budget.steady()).isEqualTo(9);
    assertThat(budget.rolling()).isEqualTo(12);
    assertThat(budget.describe())
        .contains("at most 3 connections").contains("with 3 instances, 3 x 3 = 9").contains("at 12 or more");

    // Not clustered: one instance, whatever the member list says.
    AppConfig single = load(Map.of("ENVIRONMENT", "production", "CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701"));
    assertThat(ConnectionBudget.of(single).describe()).contains("at most 1 connection (").contains("1 x 1 = 1")
        .contains("at 2 or more");
  }



  private static ConfigException fromJsonFailure(JsonObject files) {
    Throwable thrown = catchThrowable(() -> ConfigLoader.fromJson("test", files, Map.of()));
    assertThat(thrown).isInstanceOf(ConfigException.class);
    return (ConfigException) thrown;
  }
}
