package com.maticsapp.scan.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The sections of the HTTP front door: {@code management}, {@code http.cors}, {@code rateLimit}, {@code auth.adminToken}. */
class FrontDoorConfigTest extends ConfigTestBase {

  private static final String TOKEN = "0123456789abcdef0123456789abcdef-admin";




  @Test
  void everyVariableIsAnOverride() {
    Map<String, String> expected = new HashMap<>();
    expected.put("MANAGEMENT_ENABLED", "management.enabled");
    expected.put("MANAGEMENT_HOST", "management.host");
    expected.put("MANAGEMENT_PORT", "management.port");
    expected.put("ADMIN_TOKEN", "auth.adminToken");
    expected.put("CORS_ALLOWED_ORIGINS", "http.cors.allowedOrigins");
    expected.put("CORS_ALLOW_CREDENTIALS", "http.cors.allowCredentials");
    expected.put("CORS_MAX_AGE", "http.cors.maxAge");
    expected.put("RATE_LIMIT_ENABLED", "rateLimit.enabled");
    expected.put("RATE_LIMIT_RPS", "rateLimit.requestsPerSecond");
    expected.put("RATE_LIMIT_BURST", "rateLimit.burst");
    expected.put("RATE_LIMIT_UNAUTHENTICATED_RPS", "rateLimit.unauthenticatedRequestsPerSecond");
    expected.put("RATE_LIMIT_UNAUTHENTICATED_BURST", "rateLimit.unauthenticatedBurst");
    expected.put("RATE_LIMIT_MAX_KEYS", "rateLimit.maxKeys");

    assertThat(ConfigLoader.ENV_OVERRIDES).containsAllEntriesOf(expected);
  }

  // ---------------------------------------------------------------- management

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"development", "production"})
  void theManagementServerListensOnLoopbackPort9090ByDefault(String environment) {
    assertThat(load(Map.of("ENVIRONMENT", environment)).management())
        .isEqualTo(new ManagementConfig(true, "127.0.0.1", 9090));
  }

  @Test
  void theTestProfilePicksAFreeManagementPort() {
    assertThat(load(Map.of("ENVIRONMENT", "test")).management()).isEqualTo(new ManagementConfig(true, "127.0.0.1", 0));
  }

  @Test
  void managementVariablesSetEveryKey() {
    ManagementConfig management = load(Map.of("ENVIRONMENT", "production",
        "MANAGEMENT_ENABLED", "false", "MANAGEMENT_HOST", "0.0.0.0", "MANAGEMENT_PORT", "9464")).management();

    assertThat(management).isEqualTo(new ManagementConfig(false, "0.0.0.0", 9464));
  }

  // ---------------------------------------------------------------- auth.adminToken

  @Test
  void thereIsNoAdminTokenUnlessOneIsConfigured() {
    assertThat(load(Map.of("ENVIRONMENT", "production")).admin().hasAdminToken()).isFalse();
    assertThat(load(Map.of("ENVIRONMENT", "development")).admin().hasAdminToken()).isFalse();
  }

  @Test
  void adminTokenComesFromTheVariableAndIsNeverPrinted() {
    AppConfig config = load(Map.of("ENVIRONMENT", "production", "ADMIN_TOKEN", TOKEN));

    assertThat(config.admin().adminToken()).isEqualTo(TOKEN);
    assertThat(config.admin().toString()).doesNotContain(TOKEN);
    assertThat(config.toString()).doesNotContain(TOKEN);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"short-token", "has a space in it 0123456789abcdef0123", "quote\"0123456789abcdef0123456789abcdef"})
  void anUnusableAdminTokenFailsNamingTheVariableButNotTheValue(String token) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production", "ADMIN_TOKEN", token));

    assertThat(failure.key()).isEqualTo("auth.adminToken");
    assertThat(failure.getMessage()).contains("ADMIN_TOKEN").doesNotContain(token);
  }

  // ---------------------------------------------------------------- http.cors

  @Test
  void corsIsClosedByDefault() {
    CorsConfig cors = load(Map.of("ENVIRONMENT", "production")).http().cors();

    assertThat(cors.allowedOrigins()).isEmpty();
    assertThat(cors.enabled()).isFalse();
    assertThat(cors.allowCredentials()).isFalse();
    assertThat(cors.maxAge()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void allowedOriginsComeCommaSeparatedFromTheVariable() {
    CorsConfig cors = load(Map.of("ENVIRONMENT", "production",
        "CORS_ALLOWED_ORIGINS", "https://app.maticsapp.com, http://localhost:5173,https://[::1]:8443,http://192.168.1.20:8080,"
            + "https://admin.maticsapp.com:443,http://intranet.example:80",
        "CORS_ALLOW_CREDENTIALS", "true",
        "CORS_MAX_AGE", "1h")).http().cors();

    assertThat(cors.allowedOrigins())
        .as("a default port is dropped: browsers never send it")
        .containsExactly("https://app.maticsapp.com", "http://localhost:5173", "https://[::1]:8443", "http://192.168.1.20:8080",
            "https://admin.maticsapp.com", "http://intranet.example");
    assertThat(cors.allowCredentials()).isTrue();
    assertThat(cors.maxAge()).isEqualTo(Duration.ofHours(1));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "*",
      "https://*.maticsapp.com",
      "https://app.maticsapp.com/",
      "https://app.maticsapp.com/scan",
      "https://app.maticsapp.com?x=1",
      "app.maticsapp.com",
      "null",
      "ftp://app.maticsapp.com",
      "capacitor://localhost",
      "https://user@app.maticsapp.com",
      "https://app.maticsapp.com:0",
      "https://app.maticsapp.com:99999",
      "https://app_maticsapp.com",
      "https://.maticsapp.com"})
  void anOriginThatIsNotExactStopsStartUpNamingTheKeyAndTheVariable(String origin) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production",
        "CORS_ALLOWED_ORIGINS", "https://app.maticsapp.com," + origin));

    assertThat(failure.key()).isEqualTo("http.cors.allowedOrigins");
    assertThat(failure.getMessage()).contains("'http.cors.allowedOrigins'").contains("CORS_ALLOWED_ORIGINS").contains("entry 2");
  }

  @Test
  void aWildcardInTheFilesIsRefusedAsSuch() {
    JsonObject files = new JsonObject().put("http", new JsonObject().put("cors", new JsonObject()
        .put("allowedOrigins", new JsonArray().add("https://app.maticsapp.com").add("*"))));

    ConfigException failure = (ConfigException) catchThrowable(() -> ConfigLoader.fromJson("production", files, Map.of()));

    assertThat(failure.key()).isEqualTo("http.cors.allowedOrigins");
    assertThat(failure.getMessage()).contains("wildcard").contains("entry 2");
  }

  // ---------------------------------------------------------------- rateLimit

  @Test
  void rateLimitingIsOnWithModestDefaults() {
    assertThat(load(Map.of("ENVIRONMENT", "production")).rateLimit())
        .isEqualTo(new RateLimitConfig(true, 50, 200, 10, 40, 100_000));
  }

  @Test
  void theTestProfileRaisesTheLimitsOutOfTheWay() {
    RateLimitConfig rateLimit = load(Map.of("ENVIRONMENT", "test")).rateLimit();

    assertThat(rateLimit.unauthenticatedRequestsPerSecond()).isGreaterThanOrEqualTo(100_000);
    assertThat(rateLimit.unauthenticatedBurst()).isGreaterThanOrEqualTo(100_000);
    assertThat(rateLimit.requestsPerSecond()).isGreaterThanOrEqualTo(100_000);
  }

  @Test
  void rateLimitVariablesSetEveryKey() {
    RateLimitConfig rateLimit = load(Map.of("ENVIRONMENT", "production",
        "RATE_LIMIT_ENABLED", "false",
        "RATE_LIMIT_RPS", "5",
        "RATE_LIMIT_BURST", "10",
        "RATE_LIMIT_UNAUTHENTICATED_RPS", "2",
        "RATE_LIMIT_UNAUTHENTICATED_BURST", "4",
        "RATE_LIMIT_MAX_KEYS", "5000")).rateLimit();

    assertThat(rateLimit).isEqualTo(new RateLimitConfig(false, 5, 10, 2, 4, 5_000));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "RATE_LIMIT_RPS,                   0,     rateLimit.requestsPerSecond",
      "RATE_LIMIT_BURST,                 many,  rateLimit.burst",
      "RATE_LIMIT_ENABLED,               yes,   rateLimit.enabled",
      "RATE_LIMIT_UNAUTHENTICATED_RPS,   -1,    rateLimit.unauthenticatedRequestsPerSecond",
      "RATE_LIMIT_MAX_KEYS,              10,    rateLimit.maxKeys",
      "MANAGEMENT_PORT,                  70000, management.port",
      "MANAGEMENT_ENABLED,               maybe, management.enabled",
      "CORS_MAX_AGE,                     2d,    http.cors.maxAge",
      "CORS_ALLOW_CREDENTIALS,           1,     http.cors.allowCredentials"})
  void invalidValuesFailNamingTheKeyAndTheVariable(String variable, String value, String key) {
    ConfigException failure = configFailure(Map.of("ENVIRONMENT", "production", variable, value));

    assertThat(failure.key()).isEqualTo(key);
    assertThat(failure.getMessage()).contains("'" + key + "'").contains(variable);
  }

  // ---------------------------------------------------------------- helpers



  @Test
  void publicUrlIsAnHttpsOriginInProductionAndOptionalElsewhere() {
    assertThat(load(Map.of("ENVIRONMENT", "test")).http().publicUrl()).isEmpty();
    assertThat(load(Map.of("ENVIRONMENT", "test", "PUBLIC_URL", "http://10.0.0.5:8080/")).http().publicUrl())
        .as("trailing slash dropped").isEqualTo("http://10.0.0.5:8080");
    assertThat(load(Map.of("ENVIRONMENT", "production", "PUBLIC_URL", "https://scan.example.com/door")).http().publicUrl())
        .isEqualTo("https://scan.example.com/door");
    assertThat(configFailure(Map.of("ENVIRONMENT", "production", "PUBLIC_URL", "http://scan.example.com")).getMessage())
        .contains("http.publicUrl").contains("PUBLIC_URL").contains("https");
    assertThat(configFailure(Map.of("ENVIRONMENT", "test", "PUBLIC_URL", "ftp://x")).key()).isEqualTo("http.publicUrl");
    assertThat(configFailure(Map.of("ENVIRONMENT", "test", "PUBLIC_URL", "https://x/?a=1")).key()).isEqualTo("http.publicUrl");
  }
}
