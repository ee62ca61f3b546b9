package com.maticsapp.scan.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a script of src/test/resources/decisions/ in node against the phones' reference rules
 * (web/src/rules.js, the code the phone page decides with): one JSON document in, one JSON
 * array out. Aborts the test, saying so, when no node is installed.
 */
public final class ReferenceRules {

  public static final Path RULES = Path.of("web", "src", "rules.js");

  private ReferenceRules() {}

  public static JsonArray run(String script, Object input) throws IOException, InterruptedException {
    Path inputFile = Files.createTempFile("reference-rules", ".json");
    Path scriptFile = Files.createTempFile("reference-rules", ".mjs");
    try {
      Files.writeString(inputFile, input instanceof JsonObject json ? json.encode() : ((JsonArray) input).encode());
      try (InputStream in = ReferenceRules.class.getClassLoader().getResourceAsStream("decisions/" + script)) {
        assertThat(in).as("decisions/%s on the test class path", script).isNotNull();
        Files.write(scriptFile, in.readAllBytes());
      }
      Process node;
      try {
        node = new ProcessBuilder("node", scriptFile.toString(), RULES.toAbsolutePath().toString(), inputFile.toString()).start();
      } catch (IOException noNode) {
        Assumptions.abort("node is not installed, so web/src/rules.js cannot be run: " + noNode.getMessage());
        throw noNode;
      }
      String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(node.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(node.exitValue()).as("node: %s", err).isZero();
      return new JsonArray(out.trim());
    } finally {
      Files.deleteIfExists(inputFile);
      Files.deleteIfExists(scriptFile);
    }
  }
}
