package com.maticsapp.scan.http;

import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ProductionSecrets;
import com.maticsapp.scan.support.ServiceTest;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The management port serves health and metrics without credentials, on loopback only; the
 * public port serves the probes to anyone and the detailed document and the metrics to the
 * admin token only.
 */
class ManagementPortTest extends ServiceTest {

  private static final List<String> MANAGEMENT_ROUTES = List.of(
      "/api/health", "/api/health/live", "/api/health/ready", "/api/health/database", "/api/health/detailed", "/metrics");

  @Test
  void theManagementPortAnswersEveryHealthRouteAndTheMetricsWithoutCredentials() {
    assertThat(service.managementPort()).isPositive().isNotEqualTo(service.port());
    for (String path : MANAGEMENT_ROUTES) {
      HttpResponse<Buffer> response = service.getManagement(path);
      assertThat(response.statusCode()).as(path + ": " + response.bodyAsString()).isEqualTo(200);
    }
    assertThat(service.getManagement("/api/health/detailed").bodyAsJsonObject().getJsonObject("pool")).isNotNull();
    assertThat(service.getManagement("/metrics").bodyAsString()).contains("vertx_pool_in_use");
  }

  @Test
  void theManagementPortServesNothingElse() {
    HttpResponse<Buffer> api = service.getManagement("/api/scans");
    HttpResponse<Buffer> document = service.getManagement("/api/openapi.yaml");

    assertThat(api.statusCode()).isEqualTo(404);
    assertThat(api.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(document.statusCode()).isEqualTo(404);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/api/health", "/api/health/live", "/api/health/ready", "/api/health/database"})
  void theProbesStayOpenOnThePublicPort(String path) {
    HttpResponse<Buffer> response = service.get(path);

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/api/health/detailed", "/metrics"})
  void onThePublicPortTheDetailedDocumentAndTheMetricsNeedTheAdminToken(String path) {
    WebClient anonymous = RunningService.as(service.vertx(), service.port(), null);
    HttpResponse<Buffer> missing = anonymous.get(path).send().await();
    HttpResponse<Buffer> wrong = anonymous.get(path).bearerTokenAuthentication("not-the-admin-token").send().await();
    HttpResponse<Buffer> ordinaryUser = service.get(path);
    HttpResponse<Buffer> right = service.getAsAdmin(path);
    anonymous.close();

    assertThat(ordinaryUser.statusCode()).as("a signed-in user without an admin role").isEqualTo(403);

    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"matic-scan\"");
    assertThat(missing.getHeader("Content-Type")).isEqualTo("application/problem+json");
    assertThat(missing.bodyAsString()).doesNotContain("vertx_pool").doesNotContain("\"pool\"");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.getHeader("WWW-Authenticate")).startsWith("Bearer realm=\"matic-scan\"");
    assertThat(right.statusCode()).as(right.bodyAsString()).isEqualTo(200);
  }

  @Test
  void theManagementServerBindsLoopbackByDefault() throws IOException {
    for (String environment : AppConfig.ENVIRONMENTS) {
      AppConfig config = ConfigLoader.load(ProductionSecrets.added(Map.of("ENVIRONMENT", environment))).await();
      assertThat(config.management().enabled()).as(environment).isTrue();
      assertThat(config.management().host()).as(environment).isEqualTo("127.0.0.1");
    }
    assertThat(service.config().management().host()).isEqualTo("127.0.0.1");

    int port = service.managementPort();
    try (Socket loopback = new Socket()) {
      loopback.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
    }
    // Bound to loopback only: the same port on any other address of this machine refuses.
    for (InetAddress address : nonLoopbackAddresses()) {
      assertThatThrownBy(() -> {
        try (Socket other = new Socket()) {
          other.connect(new InetSocketAddress(address, port), 2_000);
        }
      }).as("management port on %s", address).isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void aDisabledManagementServerListensNowhereAndThePublicPortStillServesTheAdmin() {
    try (RunningService disabled = RunningService.start(database.url(), Map.of("MANAGEMENT_ENABLED", "false"))) {
      assertThat(disabled.managementPort()).isEqualTo(-1);
      assertThat(disabled.getAsAdmin("/api/health/detailed").statusCode()).isEqualTo(200);
      assertThat(disabled.get("/api/health/ready").statusCode()).isEqualTo(200);
    }
  }

  private static List<InetAddress> nonLoopbackAddresses() throws SocketException {
    return NetworkInterface.networkInterfaces()
        .filter(network -> {
          try {
            return network.isUp() && !network.isLoopback();
          } catch (SocketException e) {
            return false;
          }
        })
        .flatMap(NetworkInterface::inetAddresses)
        .filter(address -> !address.isLinkLocalAddress())
        .toList();
  }
}
