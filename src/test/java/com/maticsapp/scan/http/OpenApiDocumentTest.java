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
import org.yaml.snakeyaml.LoaderOptions;
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
  void noKeyIsRepeatedWithinAMapping() throws IOException {
    // Generators and strict YAML parsers refuse a repeated key (a second components.responses
    // entry once made openapi-generator fail); SnakeYAML keeps the last one unless told not to.
    LoaderOptions strict = new LoaderOptions();
    strict.setAllowDuplicateKeys(false);
    try (InputStream in = getClass().getResourceAsStream("/openapi.yaml")) {
      assertThat((Object) new Yaml(strict).load(in)).isInstanceOf(Map.class);
    }
  }

  @Test
  void everySchemaAClientSeesIsNamed() {
    // An inline object schema becomes a generated class named after where it sits
    // (ListMyWorkspaces200Response, BulkCreateRowsRequestRowsInner): every body, and every
    // object inside a named schema, refers to a schema under components.schemas instead.
    List<String> inline = new ArrayList<>();
    documentedOperations().forEach((operation, definition) -> {
      Object body = definition.get("requestBody");
      if (body != null) {
        contentSchemas(resolve(map(body, operation))).forEach((media, schema) ->
            requireNamed(schema, operation + " request " + media, true, inline));
      }
      map(definition.get("responses"), operation).forEach((status, response) ->
          contentSchemas(resolve(map(response, operation + " " + status))).forEach((media, schema) ->
              requireNamed(schema, operation + " " + status + " " + media, true, inline)));
    });
    map(map(document.get("components"), "components").get("schemas"), "schemas").forEach((name, schema) ->
        nestedSchemas(map(schema, name)).forEach((where, nested) -> requireNamed(nested, name + where, false, inline)));
    assertThat(inline).as("inline object or composed schemas").isEmpty();
  }

  @Test
  void noSchemaHasADefaultAGeneratedClientWouldSend() {
    // A default on a schema property is pre-filled by generated models and sent back
    // (normalization: exact on select columns); defaults belong in descriptions or parameters.
    List<String> defaults = new ArrayList<>();
    map(map(document.get("components"), "components").get("schemas"), "schemas").forEach((name, schema) -> {
      if (map(schema, name).containsKey("default")) {
        defaults.add(name);
      }
      nestedSchemas(map(schema, name)).forEach((where, nested) -> {
        if (nested instanceof Map<?, ?> nestedMap && nestedMap.containsKey("default")) {
          defaults.add(name + where);
        }
      });
    });
    assertThat(defaults).isEmpty();
  }

  @Test
  void everyTimestampPropertyIsADateTime() {
    List<String> loose = new ArrayList<>();
    map(map(document.get("components"), "components").get("schemas"), "schemas").forEach((name, schema) -> {
      Object properties = map(schema, name).get("properties");
      if (properties == null) {
        return;
      }
      map(properties, name).forEach((property, definition) -> {
        if (property.endsWith("_at") && !isDateTime(map(definition, name + "." + property))) {
          loose.add(name + "." + property);
        }
      });
    });
    assertThat(loose).as("*_at properties without format: date-time").isEmpty();
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

  private boolean isDateTime(Map<String, Object> schema) {
    Map<String, Object> resolved = resolve(schema);
    if ("date-time".equals(resolved.get("format"))) {
      return true;
    }
    Object oneOf = resolved.get("oneOf");
    return oneOf instanceof List<?> choices && choices.stream().anyMatch(choice ->
        isDateTime(map(choice, "oneOf")));
  }

  /** media type → schema of a request body or response. */
  private static Map<String, Object> contentSchemas(Map<String, Object> bodyOrResponse) {
    Map<String, Object> schemas = new TreeMap<>();
    Object content = bodyOrResponse.get("content");
    if (content != null) {
      map(content, "content").forEach((media, definition) -> {
        Object schema = map(definition, media).get("schema");
        if (schema != null) {
          schemas.put(media, schema);
        }
      });
    }
    return schemas;
  }

  /** Where inside {@code schema} (".prop", ".items", ".anyOf[0]" …) → each schema nested in it. */
  private static Map<String, Object> nestedSchemas(Map<String, Object> schema) {
    Map<String, Object> nested = new TreeMap<>();
    Object properties = schema.get("properties");
    if (properties != null) {
      map(properties, "properties").forEach((name, property) -> {
        nested.put("." + name, property);
        map(property, name).forEach((keyword, value) -> {
          if (keyword.equals("items") || keyword.equals("additionalProperties")) {
            nested.put("." + name + "." + keyword, value);
          }
        });
      });
    }
    for (String keyword : List.of("items", "additionalProperties")) {
      if (schema.get(keyword) instanceof Map<?, ?>) {
        nested.put("." + keyword, schema.get(keyword));
      }
    }
    for (String keyword : List.of("allOf", "anyOf", "oneOf")) {
      if (schema.get(keyword) instanceof List<?> choices) {
        for (int i = 0; i < choices.size(); i++) {
          nested.put("." + keyword + "[" + i + "]", choices.get(i));
        }
      }
    }
    return nested;
  }

  /** A schema a client sees is a $ref, or a scalar, a free-form map, or a list of those. */
  private static void requireNamed(Object schema, String where, boolean body, List<String> inline) {
    if (!(schema instanceof Map<?, ?> raw)) {
      return;
    }
    Map<String, Object> node = map(raw, where);
    if (node.containsKey("$ref")) {
      return;
    }
    boolean composed = node.containsKey("allOf") || node.containsKey("anyOf") || node.containsKey("oneOf");
    if (node.containsKey("properties") || (composed && body)) {
      inline.add(where);
      return;
    }
    if (composed) {
      // Inside a named schema only "one of a $ref or null" is allowed (a nullable reference).
      for (String keyword : List.of("allOf", "anyOf", "oneOf")) {
        if (node.get(keyword) instanceof List<?> choices) {
          for (Object choice : choices) {
            Map<String, Object> option = map(choice, where);
            if (!option.containsKey("$ref") && !"null".equals(option.get("type"))) {
              inline.add(where + "." + keyword);
            }
          }
        }
      }
    }
    if (node.get("items") instanceof Map<?, ?> items) {
      requireNamed(items, where + ".items", false, inline);
    }
  }

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
