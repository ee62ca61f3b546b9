package com.maticsapp.scan.http;

import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.ConfigLoader;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.TestDatabase;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * src/main/resources/openapi.yaml against the router HttpVerticle really builds: every served
 * (method, path) is documented, every documented operation is served, and the document is
 * served verbatim at /api/openapi.yaml.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentTest {

  private static final Set<String> OPERATION_KEYS =
      Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static final Pattern VERTX_PARAM = Pattern.compile(":([A-Za-z0-9_]+)");
  private static final Pattern OPENAPI_PARAM = Pattern.compile("\\{([^}/]+)}");

  private Vertx vertx;
  private HttpVerticle http;
  private Map<String, Object> document;

  @BeforeAll
  void start() throws IOException {
    vertx = Vertx.vertx();
    AppConfig config = ConfigLoader.load(vertx, Map.of(
        "ENVIRONMENT", "test",
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")).await();
    // Only the router is needed: no database, data or health verticle is deployed.
    http = new HttpVerticle(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        new Gate(new Authenticator(vertx, config.auth()), RateLimiter.create(config.rateLimit()),
            new ClaimGuard(10, 60_000, System::currentTimeMillis), new StreamSlots(1, 1)));
    vertx.deployVerticle(http).await();
    try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
      assertThat(in).as("openapi.yaml on the class path").isNotNull();
      document = new Yaml().load(in);
    }
  }

  @AfterAll
  void stop() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void everyServedRouteIsDocumentedAndEveryDocumentedOperationIsServed() {
    Set<String> served = servedOperations();
    Set<String> documented = documentedOperations().keySet();

    assertThat(served).as("routes of HttpVerticle").isNotEmpty();
    assertSoftly(softly -> {
      softly.assertThat(difference(served, documented)).as("served but not in openapi.yaml").isEmpty();
      softly.assertThat(difference(documented, served)).as("in openapi.yaml but not served").isEmpty();
    });
    assertThat(new TreeSet<>(served)).isEqualTo(new TreeSet<>(documented));
  }

  @Test
  void everyRouteWithAPathIsBoundToMethods() {
    // A path route without methods would answer every method, which the document cannot say.
    for (Route route : http.routes()) {
      if (route.getPath() != null) {
        assertThat(route.methods()).as(route.getPath()).isNotEmpty();
      }
    }
  }

  @Test
  void theDocumentIsOpenApi31WithUniqueOperationIds() {
    assertThat(String.valueOf(document.get("openapi"))).matches("3\\.1\\.\\d+");
    assertThat(document.get("info")).isInstanceOf(Map.class);

    Map<String, Map<String, Object>> operations = documentedOperations();
    List<String> ids = new ArrayList<>();
    operations.forEach((operation, definition) -> {
      Object id = definition.get("operationId");
      assertThat(id).as("operationId of " + operation).isInstanceOf(String.class);
      assertThat((String) id).as("operationId of " + operation).isNotBlank();
      ids.add((String) id);
    });
    assertThat(ids).doesNotHaveDuplicates().hasSameSizeAs(operations.keySet());
  }

  @Test
  void everyPathTemplateParameterIsDeclaredAsAPathParameter() {
    Map<String, Object> paths = map(document.get("paths"), "paths");
    paths.forEach((path, value) -> {
      Map<String, Object> item = map(value, path);
      Set<String> inTemplate = new TreeSet<>();
      Matcher matcher = OPENAPI_PARAM.matcher(path);
      while (matcher.find()) {
        inTemplate.add(matcher.group(1));
      }
      Set<String> shared = pathParameters(item.get("parameters"));
      item.forEach((key, operation) -> {
        if (OPERATION_KEYS.contains(key)) {
          Set<String> declared = new TreeSet<>(shared);
          declared.addAll(pathParameters(map(operation, key + " " + path).get("parameters")));
          assertThat(declared).as("path parameters of " + key.toUpperCase(Locale.ROOT) + " " + path)
              .isEqualTo(inTemplate);
        }
      });
    });
  }

  @Test
  void theRunningServiceServesThisDocumentVerbatim() throws IOException {
    byte[] resource;
    try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
      resource = in.readAllBytes();
    }
    try (TestDatabase database = TestDatabase.create(); RunningService service = RunningService.start(database)) {
      HttpResponse<Buffer> response = service.get("/api/openapi.yaml");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.getHeader("Content-Type")).isEqualTo("application/yaml");
      assertThat(response.body().getBytes()).isEqualTo(resource);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** "METHOD /path" for every route with a path, Vert.x ":param" written as "{param}". */
  private Set<String> servedOperations() {
    Set<String> operations = new HashSet<>();
    for (Route route : http.routes()) {
      String path = route.getPath();
      if (path == null) {
        continue; // the catch-all failure route
      }
      String template = VERTX_PARAM.matcher(path).replaceAll("{$1}");
      Set<HttpMethod> methods = route.methods();
      if (methods != null) {
        for (HttpMethod method : methods) {
          operations.add(method.name().toUpperCase(Locale.ROOT) + " " + template);
        }
      }
    }
    return operations;
  }

  /** "METHOD /path" → operation object, for every operation under "paths". */
  private Map<String, Map<String, Object>> documentedOperations() {
    Map<String, Map<String, Object>> operations = new TreeMap<>();
    map(document.get("paths"), "paths").forEach((path, item) ->
        map(item, path).forEach((key, operation) -> {
          if (OPERATION_KEYS.contains(key)) {
            operations.put(key.toUpperCase(Locale.ROOT) + " " + path, map(operation, key + " " + path));
          }
        }));
    return operations;
  }

  /** Names of the "in: path" parameters of a parameter list, following local $refs. */
  private Set<String> pathParameters(Object parameters) {
    Set<String> names = new TreeSet<>();
    if (parameters == null) {
      return names;
    }
    assertThat(parameters).isInstanceOf(List.class);
    for (Object each : (List<?>) parameters) {
      Map<String, Object> parameter = resolve(map(each, "parameter"));
      if ("path".equals(parameter.get("in"))) {
        assertThat(parameter.get("required")).as("path parameter " + parameter.get("name") + " is required")
            .isEqualTo(true);
        names.add((String) parameter.get("name"));
      }
    }
    return names;
  }

  private Map<String, Object> resolve(Map<String, Object> node) {
    Object ref = node.get("$ref");
    if (!(ref instanceof String pointer)) {
      return node;
    }
    assertThat(pointer).as("only local references are used").startsWith("#/");
    Object target = document;
    for (String segment : pointer.substring(2).split("/")) {
      target = map(target, pointer).get(segment.replace("~1", "/").replace("~0", "~"));
      assertThat(target).as("$ref " + pointer + " resolves").isNotNull();
    }
    return resolve(map(target, pointer));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node, String what) {
    assertThat(node).as(what + " is a mapping").isInstanceOf(Map.class);
    return (Map<String, Object>) node;
  }

  private static Set<String> difference(Set<String> a, Set<String> b) {
    Set<String> rest = new TreeSet<>(a);
    rest.removeAll(b);
    return rest;
  }
}
