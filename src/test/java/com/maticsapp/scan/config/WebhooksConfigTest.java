package com.maticsapp.scan.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code webhooks} section: production keeps the SSRF rules and three days of retries. */
class WebhooksConfigTest extends ConfigTestBase {

  @Test
  void productionRefusesHttpAndPrivateTargetsAndDevelopmentAndTestAllowThem() {
    WebhooksConfig production = load(Map.of("ENVIRONMENT", "production")).webhooks();
    assertThat(production.allowHttp()).isFalse();
    assertThat(production.allowPrivateTargets()).isFalse();
    assertThat(production.retryFor()).isEqualTo(Duration.ofHours(72));
    assertThat(load(Map.of("ENVIRONMENT", "development")).webhooks().allowPrivateTargets()).isTrue();
    assertThat(load(Map.of("ENVIRONMENT", "test")).webhooks().allowHttp()).isTrue();
  }

  @Test
  void productionWillNotStartWithTheSsrfRulesLiftedOrShortRetries() {
    ConfigException refused = configFailure(Map.of("ENVIRONMENT", "production",
        "WEBHOOKS_ALLOW_PRIVATE_TARGETS", "true", "WEBHOOKS_ALLOW_HTTP", "true", "WEBHOOKS_RETRY_FOR", "1h"));
    assertThat(refused.problems()).extracting(ConfigException.Problem::key)
        .contains("webhooks.allowPrivateTargets", "webhooks.allowHttp", "webhooks.retryFor");
    assertThat(refused.getMessage()).contains("WEBHOOKS_ALLOW_PRIVATE_TARGETS");
  }

  @Test
  void aLeaseNoLongerThanAnAttemptIsRefused() {
    ConfigException refused = configFailure(Map.of("ENVIRONMENT", "test",
        "WEBHOOKS_ATTEMPT_TIMEOUT", "10s", "WEBHOOKS_LEASE", "10s"));
    assertThat(refused.problems()).extracting(ConfigException.Problem::key).contains("webhooks.lease");
  }
}
