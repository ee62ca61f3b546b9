package com.maticsapp.scan.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi31;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * What {@code openapi.yaml} promises about responses, checked on every response a test receives
 * through the test support ({@link RunningService}, {@link SseStream}): the status is documented
 * for the operation, the content type is one the operation declares, and a JSON body is valid
 * against its schema, with every object closed (no property the document does not declare)
 * unless the schema says {@code additionalProperties} or {@code unevaluatedProperties} itself.
 * Validation uses the JSON Schema 2020-12 dialect of OpenAPI 3.1, with format assertions on
 * (uuid, date-time).
 */
public final class ApiContract {

  /** The one instance, built from the document on the class path (target/classes/openapi.yaml). */
  private static volatile ApiContract shared;

  /**
   * Requests that are deliberately outside the document, each with the reason. A path is
   * matched by prefix.
   */
  private static final List<Outside> OUTSIDE_THE_DOCUMENT = List.of(
      new Outside("OPTIONS", "", "CORS preflight: answered by the CORS handler for any path, never an API operation"),
      new Outside("GET", "/api/docs", "Swagger UI: the browsable HTML/JS/CSS pages around the document"));

  /**
   * Answers that have no operation: a path without a route (404), a known path with another
   * method (405), a request Netty could not decode (400, 414, 431), an {@code Expect} the server
   * cannot meet (417). Each is a problem document.
   */
  private static final Set<Integer> WITHOUT_AN_OPERATION = Set.of(400, 404, 405, 414, 417, 431);

  /** Answers any request may get before an operation sees it, documented once in info.description. */
  private static final Set<Integer> BEFORE_ANY_OPERATION = Set.of(417);

  /** Which server answered: the public port serves every operation, the management port only these. */
  public enum Server {
    PUBLIC, MANAGEMENT;

    boolean serves(String path) {
      return this == PUBLIC || path.startsWith("/api/health") || path.equals("/metrics");
    }
  }

  private static final String DOCUMENT_IRI = "https://matic-scan.invalid/openapi.json";
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

  private record Outside(String method, String pathPrefix, String reason) {
    boolean covers(String method, String path) {
      return this.method.equalsIgnoreCase(method) && path.startsWith(pathPrefix);
    }
  }

  private record Operation(String method, String template, Pattern pattern, int literalSegments, String pointer,
                           JsonNode node) {
  }

  private final JsonNode document;
  private final List<Operation> operations;
  private final JsonSchemaFactory schemas;
  private final SchemaValidatorsConfig validation;
  private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();
  private final ObjectMapper json = new ObjectMapper();

  private ApiContract(JsonNode document) {
    this.document = document;
    this.operations = operations(document);
    byte[] closed = toBytes(closeObjects(document.deepCopy()));
    this.schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, builder -> builder
        .metaSchema(OpenApi31.getInstance())
        .defaultMetaSchemaIri(OpenApi31.getInstance().getIri())
        .schemaLoaders(loaders -> loaders.add(iri -> DOCUMENT_IRI.equals(iri.toString())
            ? () -> new ByteArrayInputStream(closed) : null)));
    this.validation = SchemaValidatorsConfig.builder()
        .formatAssertionsEnabled(true)
        .pathType(com.networknt.schema.PathType.JSON_PATH)
        .build();
  }

  public static ApiContract shared() {
    ApiContract contract = shared;
    if (contract == null) {
      synchronized (ApiContract.class) {
        if (shared == null) {
          shared = load();
        }
        contract = shared;
      }
    }
    return contract;
  }

  private static ApiContract load() {
    try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream("openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is not on the class path");
      }
      ApiContract contract = new ApiContract(new YAMLMapper().readTree(in));
      contract.compileAll();
      return contract;
    } catch (IOException e) {
      throw new UncheckedIOException("openapi.yaml could not be read", e);
    }
  }

  /**
   * Compiles every response schema up front, on the thread that first asks for the contract
   * (RunningService calls it before the service starts): checking a response then costs
   * microseconds on the client's event loop, which the service's own requests share.
   */
  private void compileAll() {
    for (Operation operation : operations) {
      operation.node().path("responses").fields().forEachRemaining(entry -> {
        JsonNode response = entry.getValue();
        String pointer = operation.pointer() + "/responses/" + escape(entry.getKey());
        resolve(response).path("content").fieldNames().forEachRemaining(media -> {
          if (isJson(media.toLowerCase(Locale.ROOT))) {
            compiled(responseSchemaPointer(pointer, response, media));
          }
        });
        resolve(response).path("content").path("text/event-stream").path("x-events")
            .forEach(event -> compiled(event.path("$ref").asText()));
      });
    }
    compiled(schema("Problem"));
  }

  private JsonSchema compiled(String pointer) {
    return compiled.computeIfAbsent(pointer, key -> {
      JsonSchema schema = schemas.getSchema(SchemaLocation.of(DOCUMENT_IRI + key), validation);
      schema.initializeValidators();
      return schema;
    });
  }

  /** The document as parsed (not closed): for tests that read it. */
  public JsonNode document() {
    return document;
  }

  /**
   * Everything this response breaks in the document; empty when it keeps every promise.
   *
   * @param uri         the request's path with its query, as sent
   * @param contentType the response's Content-Type header, or null
   * @param body        the response body, or null when the test streamed it elsewhere (not checked)
   */
  public List<String> violations(String method, String uri, int status, String contentType, byte[] body) {
    return violations(Server.PUBLIC, method, uri, status, contentType, body);
  }

  /** As {@link #violations(String, String, int, String, byte[])}, for a response from {@code server}. */
  public List<String> violations(Server server, String method, String uri, int status, String contentType,
                                 byte[] body) {
    String path = pathOf(uri);
    for (Outside outside : OUTSIDE_THE_DOCUMENT) {
      if (outside.covers(method, path)) {
        return List.of();
      }
    }
    String what = method + " " + path + " answered " + status;
    Operation operation = server.serves(path) ? find(method, path) : null;
    if (operation == null) {
      if (!WITHOUT_AN_OPERATION.contains(status)) {
        return List.of(what + ": the document has no operation " + method + " " + path);
      }
      return bodyViolations(what, "#/components/schemas/Problem", "application/problem+json", contentType, body);
    }
    JsonNode responses = operation.node().path("responses");
    String statusKey = Integer.toString(status);
    if (!responses.has(statusKey)) {
      statusKey = statusKey.charAt(0) + "XX";
    }
    if (!responses.has(statusKey)) {
      statusKey = "default";
    }
    if (!responses.has(statusKey) && BEFORE_ANY_OPERATION.contains(status)) {
      return bodyViolations(what, "#/components/schemas/Problem", "application/problem+json", contentType, body);
    }
    if (!responses.has(statusKey)) {
      return List.of(what + ": status " + status + " is not documented for " + operation.method().toUpperCase(Locale.ROOT)
          + " " + operation.template());
    }
    String responsePointer = operation.pointer() + "/responses/" + escape(statusKey);
    JsonNode response = resolve(responses.get(statusKey));
    if ("HEAD".equalsIgnoreCase(method) || body == null) {
      return List.of();
    }
    JsonNode content = response.path("content");
    if (content.isMissingNode() || content.isEmpty()) {
      return body.length == 0 ? List.of() : List.of(what + ": the document declares no body, but " + body.length
          + " bytes came (" + contentType + ")");
    }
    String mediaType = mediaType(contentType);
    if (mediaType == null) {
      return List.of(what + ": no Content-Type, the document declares " + fieldNames(content));
    }
    String declared = null;
    for (Iterator<String> names = content.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (name.equalsIgnoreCase(mediaType)) {
        declared = name;
      }
    }
    if (declared == null) {
      return List.of(what + ": Content-Type " + mediaType + " is not one of " + fieldNames(content));
    }
    if (!content.get(declared).has("schema") || !isJson(mediaType)) {
      return List.of();
    }
    String schemaPointer = responseSchemaPointer(responsePointer, responses.get(statusKey), declared);
    return bodyViolations(what, schemaPointer, declared, contentType, body);
  }

  /** Violations of one JSON value (e.g. an SSE event's data) against a schema, by document pointer. */
  public List<String> valueViolations(String what, String schemaPointer, String value) {
    JsonSchema schema = compiled(schemaPointer);
    Set<ValidationMessage> messages;
    try {
      messages = schema.validate(value, InputFormat.JSON);
    } catch (RuntimeException e) {
      return List.of(what + ": the body is not JSON (" + e.getMessage() + ")");
    }
    List<String> violations = new ArrayList<>();
    for (ValidationMessage message : messages) {
      violations.add(what + ": " + message.getMessage() + " (schema " + message.getSchemaLocation() + ")");
    }
    return violations;
  }

  /** The pointer of a named schema, e.g. {@code #/components/schemas/Scan}. */
  public static String schema(String name) {
    return "#/components/schemas/" + name;
  }

  /**
   * Violations of one Server-Sent Event of a GET stream: its name must be one the operation's
   * {@code text/event-stream} response lists in {@code x-events}, its data valid against that schema.
   */
  public List<String> eventViolations(String uri, String event, String data) {
    String path = pathOf(uri);
    Operation operation = find("GET", path);
    String what = "event '" + event + "' of GET " + path;
    if (operation == null) {
      return List.of(what + ": the document has no operation GET " + path);
    }
    JsonNode ref = operation.node().path("responses").path("200").path("content").path("text/event-stream")
        .path("x-events").path(event).path("$ref");
    if (!ref.isTextual()) {
      return List.of(what + ": not an event the document lists (x-events)");
    }
    return valueViolations(what, ref.asText(), data);
  }

  private List<String> bodyViolations(String what, String schemaPointer, String declared, String contentType, byte[] body) {
    if (body == null) {
      return List.of();
    }
    String mediaType = mediaType(contentType);
    if (mediaType == null || !mediaType.equalsIgnoreCase(declared)) {
      return List.of(what + ": Content-Type " + contentType + ", the document declares " + declared);
    }
    return valueViolations(what, schemaPointer, new String(body, java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Through a $ref to components.responses, the schema's pointer is where the response really lives. */
  private String responseSchemaPointer(String responsePointer, JsonNode response, String mediaType) {
    String base = response.has("$ref") ? response.get("$ref").asText() : responsePointer;
    return base + "/content/" + escape(mediaType) + "/schema";
  }

  private JsonNode resolve(JsonNode node) {
    while (node.has("$ref")) {
      node = document.at(node.get("$ref").asText().substring(1));
    }
    return node;
  }

  private Operation find(String method, String path) {
    for (Operation operation : operations) {
      if (operation.method().equalsIgnoreCase(method) && operation.pattern().matcher(path).matches()) {
        return operation;
      }
    }
    return null;
  }

  /** Every operation, the most literal path first (so /rows/search wins over /rows/{row_id}). */
  private static List<Operation> operations(JsonNode document) {
    List<Operation> operations = new ArrayList<>();
    document.path("paths").fields().forEachRemaining(path -> {
      String template = path.getKey();
      StringBuilder regex = new StringBuilder();
      int literal = 0;
      for (String segment : template.substring(1).split("/", -1)) {
        if (segment.startsWith("{") && segment.endsWith("}")) {
          regex.append("/[^/]+");
        } else {
          regex.append('/').append(Pattern.quote(segment));
          literal++;
        }
      }
      Pattern pattern = Pattern.compile(regex.toString());
      int literalSegments = literal;
      path.getValue().fields().forEachRemaining(entry -> {
        if (METHODS.contains(entry.getKey())) {
          operations.add(new Operation(entry.getKey(), template, pattern, literalSegments,
              "#/paths/" + escape(template) + "/" + entry.getKey(), entry.getValue()));
        }
      });
    });
    operations.sort(Comparator.comparingInt(Operation::literalSegments).reversed());
    return List.copyOf(operations);
  }

  /**
   * Closes every object schema that declares properties and says nothing about others: the
   * same reading Gson gives a generated model, where an undeclared field is an error.
   */
  static JsonNode closeObjects(JsonNode document) {
    document.path("components").path("schemas").forEach(ApiContract::closeSchema);
    document.path("components").path("responses").forEach(ApiContract::closeContent);
    document.path("paths").forEach(pathItem -> pathItem.fields().forEachRemaining(entry -> {
      if (METHODS.contains(entry.getKey())) {
        entry.getValue().path("responses").forEach(ApiContract::closeContent);
      }
    }));
    return document;
  }

  private static void closeContent(JsonNode response) {
    response.path("content").forEach(media -> closeSchema(media.path("schema")));
  }

  private static void closeSchema(JsonNode schema) {
    if (!(schema instanceof ObjectNode object) || object.has("$ref")) {
      return;
    }
    if (object.has("properties") && !object.has("additionalProperties") && !object.has("unevaluatedProperties")) {
      object.put("unevaluatedProperties", false);
    }
    object.path("properties").forEach(ApiContract::closeSchema);
    for (String keyword : List.of("items", "additionalProperties", "not", "contains")) {
      closeSchema(object.path(keyword));
    }
    for (String keyword : List.of("allOf", "anyOf", "oneOf", "prefixItems")) {
      object.path(keyword).forEach(ApiContract::closeSchema);
    }
  }

  private byte[] toBytes(JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String pathOf(String uri) {
    String path = uri;
    int scheme = path.indexOf("://");
    if (scheme >= 0) {
      int slash = path.indexOf('/', scheme + 3);
      path = slash < 0 ? "/" : path.substring(slash);
    }
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static String mediaType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return null;
    }
    int parameters = contentType.indexOf(';');
    return (parameters < 0 ? contentType : contentType.substring(0, parameters)).trim().toLowerCase(Locale.ROOT);
  }

  private static boolean isJson(String mediaType) {
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  private static String fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names.toString();
  }

  /** JSON Pointer escaping of one reference token. */
  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
