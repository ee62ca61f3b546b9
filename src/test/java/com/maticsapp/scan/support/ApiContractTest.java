package com.maticsapp.scan.support;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The response validator itself: what it lets through and what it refuses, without a service. */
class ApiContractTest {

  private static final ApiContract CONTRACT = ApiContract.shared();
  private static final String WORKSPACE = """
      {"id":"0d6f0f8e-5a43-4c1b-8e4f-3f3f0b1c2d3e","name":"Door","slug":"door","role":"owner",
       "created_by":"user-1","created_at":"2026-11-27T14:03:00.123456Z"%s}""";

  @Test
  void aResponseAsDocumentedPasses() {
    assertThat(CONTRACT.violations("POST", "/api/workspaces", 201, "application/json", json(WORKSPACE.formatted(""))))
        .isEmpty();
  }

  @Test
  void anUndeclaredPropertyIsRefusedBecauseObjectsAreClosed() {
    assertThat(CONTRACT.violations("POST", "/api/workspaces", 201, "application/json",
        json(WORKSPACE.formatted(",\"debug\":true"))))
        .singleElement().asString().contains("debug").contains("unevaluated");
  }

  @Test
  void aWrongTypeAFormatAndAMissingRequiredPropertyAreRefused() {
    assertThat(CONTRACT.violations("POST", "/api/workspaces", 201, "application/json",
        json(WORKSPACE.formatted("").replace("\"0d6f0f8e-5a43-4c1b-8e4f-3f3f0b1c2d3e\"", "\"not-a-uuid\"")))).isNotEmpty();
    assertThat(CONTRACT.violations("POST", "/api/workspaces", 201, "application/json",
        json(WORKSPACE.formatted("").replace("\"role\":\"owner\",", "")))).isNotEmpty();
    assertThat(CONTRACT.violations("POST", "/api/workspaces", 201, "application/json",
        json(WORKSPACE.formatted("").replace("\"Door\"", "7")))).isNotEmpty();
  }

  @Test
  void aStatusTheOperationDoesNotListIsRefused() {
    assertThat(CONTRACT.violations("GET", "/api/workspaces", 418, "application/problem+json", json(problem(418))))
        .singleElement().asString().contains("418 is not documented");
  }

  @Test
  void aContentTypeTheResponseDoesNotDeclareIsRefused() {
    assertThat(CONTRACT.violations("POST", "/api/workspaces", 201, "text/plain", json(WORKSPACE.formatted(""))))
        .singleElement().asString().contains("text/plain");
  }

  @Test
  void aPathWithoutAnOperationMayOnlyAnswerAProblem() {
    assertThat(CONTRACT.violations("GET", "/api/nothing-here", 404, "application/problem+json", json(problem(404))))
        .isEmpty();
    assertThat(CONTRACT.violations("GET", "/api/nothing-here", 200, "application/json", json("{}"))).isNotEmpty();
    assertThat(CONTRACT.violations("DELETE", "/api/scans", 405, "application/problem+json", json(problem(405))))
        .isEmpty();
  }

  @Test
  void theManagementPortServesOnlyHealthAndMetrics() {
    assertThat(CONTRACT.violations(ApiContract.Server.MANAGEMENT, "GET", "/api/openapi.yaml", 404,
        "application/problem+json", json(problem(404)))).isEmpty();
    assertThat(CONTRACT.violations(ApiContract.Server.PUBLIC, "GET", "/api/openapi.yaml", 404,
        "application/problem+json", json(problem(404)))).isNotEmpty();
  }

  @Test
  void streamEventsAreCheckedByName() {
    String stream = "/api/tables/0d6f0f8e-5a43-4c1b-8e4f-3f3f0b1c2d3e/scans/stream";
    assertThat(CONTRACT.eventViolations(stream, "ready",
        "{\"table_id\":\"0d6f0f8e-5a43-4c1b-8e4f-3f3f0b1c2d3e\",\"replayed\":0}")).isEmpty();
    assertThat(CONTRACT.eventViolations(stream, "ready",
        "{\"table_id\":\"0d6f0f8e-5a43-4c1b-8e4f-3f3f0b1c2d3e\",\"replayed\":0,\"extra\":1}")).isNotEmpty();
    assertThat(CONTRACT.eventViolations(stream, "surprise", "{}")).singleElement().asString().contains("x-events");
  }

  private static String problem(int status) {
    return "{\"type\":\"about:blank\",\"title\":\"x\",\"status\":" + status + ",\"detail\":\"x\",\"instance\":\"/x\"}";
  }

  private static byte[] json(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
