package com.maticsapp.scan.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One source of configuration defaults: conf/base.json (the file operators read) and the
 * defaults the code falls back to when a key is absent (AppConfig) must say the same. Loaded
 * with an empty environment, the shipped base file and no file at all give the same
 * configuration, field for field; a default changed in one place only fails here.
 */
class ConfigDefaultsTest {

  @Test
  void theShippedBaseFileAndTheCodesDefaultsAgree() throws Exception {
    JsonObject base = new JsonObject(Files.readString(Path.of("conf", "base.json")));
    // The one setting neither side may default: a signing secret.
    Map<String, String> env = Map.of("AUTH_JWT_SECRET", "a-test-secret-of-at-least-32-characters!");
    AppConfig shipped = ConfigLoader.fromJson("development", base, env);
    AppConfig coded = ConfigLoader.fromJson("development", new JsonObject(), env);
    assertThat(shipped).usingRecursiveComparison().isEqualTo(coded);
  }
}
