package com.maticsapp.scan.config;

import com.maticsapp.scan.support.ProductionSecrets;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The auth section: what production insists on, and that secrets never show. */
class AuthConfigTest extends ConfigTestBase {






  @Test
  void productionWithAuthSwitchedOffRefusesToStart() {
    ConfigException refused = failureExactly(ProductionSecrets.added(Map.of("ENVIRONMENT", "production", "AUTH_ENABLED", "false")));
    assertThat(refused.getMessage()).contains("auth.enabled").contains("AUTH_ENABLED").contains("production");
  }

  @Test
  void productionNeedsAWayToVerifyUsersAndAGuestSecret() {
    assertThat(failureExactly(Map.of("ENVIRONMENT", "production", "GUEST_TOKEN_SECRET", ProductionSecrets.GUEST_SECRET)).getMessage())
        .contains("auth.jwtSecret").contains("auth.jwksUrl");
    assertThat(failureExactly(Map.of("ENVIRONMENT", "production", "AUTH_JWT_SECRET", ProductionSecrets.JWT_SECRET)).getMessage())
        .contains("auth.guestTokenSecret");
    AppConfig withJwksOnly = loadExactly(Map.of("ENVIRONMENT", "production", "AUTH_JWKS_URL", "https://idp.example.com/.well-known/jwks.json",
        "GUEST_TOKEN_SECRET", ProductionSecrets.GUEST_SECRET, "DATABASE_URL", ProductionSecrets.DATABASE_URL,
        "PUBLIC_URL", ProductionSecrets.PUBLIC_URL));
    assertThat(withJwksOnly.auth().enabled()).isTrue();
    assertThat(withJwksOnly.auth().hasUserKeys()).isTrue();
  }

  @Test
  void productionFetchesKeysOverHttpsOnly() {
    ConfigException plain = failureExactly(ProductionSecrets.added(Map.of("ENVIRONMENT", "production",
        "AUTH_JWKS_URL", "http://idp.example.com/jwks.json")));
    assertThat(plain.getMessage()).contains("auth.jwksUrl").contains("AUTH_JWKS_URL").contains("https");
    assertThat(failureExactly(Map.of("ENVIRONMENT", "test", "AUTH_JWKS_URL", "ftp://x/jwks")).getMessage()).contains("auth.jwksUrl");
  }

  @Test
  void secretsMustBeLongAndDistinct() {
    ConfigException shortSecret = failureExactly(Map.of("ENVIRONMENT", "test", "AUTH_JWT_SECRET", "too-short-7"));
    assertThat(shortSecret.getMessage()).contains("auth.jwtSecret").contains("AUTH_JWT_SECRET").doesNotContain("too-short-7");
    ConfigException shortAdmin = failureExactly(Map.of("ENVIRONMENT", "test", "ADMIN_TOKEN", "admin-123"));
    assertThat(shortAdmin.getMessage()).contains("auth.adminToken").doesNotContain("admin-123");
    String same = "the-same-secret-for-both-0123456789abcdef";
    assertThat(failureExactly(Map.of("ENVIRONMENT", "test", "AUTH_JWT_SECRET", same, "GUEST_TOKEN_SECRET", same)).getMessage())
        .contains("must differ").doesNotContain(same);
  }

  @Test
  void developmentSwitchesAuthOffExplicitlyAndTheTestProfileKeepsItOn() {
    assertThat(loadExactly(Map.of("ENVIRONMENT", "development")).auth().enabled()).isFalse();
    AppConfig test = loadExactly(Map.of("ENVIRONMENT", "test"));
    assertThat(test.auth().enabled()).isTrue();
    assertThat(test.auth().audience()).containsExactly("authenticated");
    assertThat(test.auth().adminRoles()).containsExactly("service_role");
    assertThat(test.auth().pairing().maxFailedClaims()).isEqualTo(5);
  }

  @Test
  void theConfigurationNeverPrintsASecret() {
    AppConfig config = loadExactly(Map.of("ENVIRONMENT", "test", "ADMIN_TOKEN", "admin-token-that-must-not-show-0123456789"));
    assertThat(config.toString()).contains("jwtSecret=(set)").contains("adminToken=<set>")
        .doesNotContain("admin-token-that-must-not-show").doesNotContain("test-only-user-token-secret")
        .doesNotContain("test-only-guest-token-secret");
  }
}
