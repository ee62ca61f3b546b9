package com.maticsapp.scan.config;

import com.maticsapp.scan.support.ProductionSecrets;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Loading configurations as {@code Main} does (the files of conf/ and an environment), for the
 * configuration tests. {@link #load} and {@link #configFailure} add the production auth secrets
 * where the environment does not set them ({@link ProductionSecrets}): tests about other keys
 * should not fail on those; {@link #loadExactly} and {@link #failureExactly} take the
 * environment as it is.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConfigTestBase {

  protected Vertx vertx;

  @BeforeAll
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  void closeVertx() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  protected AppConfig load(Map<String, String> env) {
    return loadExactly(ProductionSecrets.added(env));
  }

  protected ConfigException configFailure(Map<String, String> env) {
    return failureExactly(ProductionSecrets.added(env));
  }

  protected AppConfig loadExactly(Map<String, String> env) {
    return ConfigLoader.load(vertx, new HashMap<>(env)).await();
  }

  /** The ConfigException the environment is refused with; fails the test when it is accepted. */
  protected ConfigException failureExactly(Map<String, String> env) {
    Future<AppConfig> loading = ConfigLoader.load(vertx, new HashMap<>(env));
    Throwable thrown = catchThrowable(loading::await);
    assertThat(loading.failed()).as("configuration should have been rejected: %s", env.keySet()).isTrue();
    assertThat(thrown).isSameAs(loading.cause());
    assertThat(loading.cause()).isInstanceOf(ConfigException.class);
    return (ConfigException) loading.cause();
  }
}
