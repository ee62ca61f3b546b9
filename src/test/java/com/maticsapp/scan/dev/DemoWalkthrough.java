package com.maticsapp.scan.dev;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.List;
import java.util.function.Predicate;

/**
 * The demo table and the walkthrough the development server prints on every start: the whole
 * loop a door runs, as commands to paste into a terminal — look up, scan, replay, pair, claim,
 * scan as the guest, watch the live stream, read the history. {@code DemoWalkthroughTest} runs
 * every printed command against a service, so the text cannot drift from the API.
 */
public final class DemoWalkthrough {

  /** Stands for the code the pairing step printed; the reader pastes it in. */
  public static final String CODE = "<code>";
  /** Stands for the {@code token} the claim step printed. */
  public static final String GUEST_TOKEN = "<guest token>";

  /**
   * One step: what it shows, the command, and what its answer must hold (for the test). A
   * command that never ends by itself (the live stream) is {@code streaming}.
   */
  public record Step(String title, String command, boolean streaming, Predicate<String> answered) {}

  private final String base;
  private final String workspaceId;
  private final String tableId;

  DemoWalkthrough(String base, String workspaceId, String tableId) {
    this.base = base;
    this.workspaceId = workspaceId;
    this.tableId = tableId;
  }

  /**
   * The demo table, made through the API on the first start and found again on every later one
   * (by the workspace slug "demo" among the caller's workspaces).
   */
  static DemoWalkthrough seed(WebClient http, String base) {
    HttpResponse<?> created = http.post("/api/workspaces")
        .sendJsonObject(new JsonObject().put("name", "Demo").put("slug", "demo")).await();
    if (created.statusCode() == 409) {
      return findAgain(http, base);
    }
    String workspaceId = created.bodyAsJsonObject().getString("id");
    JsonObject table = http.post("/api/tables").sendJsonObject(new JsonObject()
        .put("workspace_id", workspaceId)
        .put("name", "Event attendees")
        .put("columns", new JsonArray()
            .add(new JsonObject().put("name", "ticket").put("label", "Ticket").put("column_type", "barcode"))
            .add(new JsonObject().put("name", "name").put("label", "Name").put("column_type", "text"))
            .add(new JsonObject().put("name", "email").put("label", "Email").put("column_type", "email"))
            .add(new JsonObject().put("name", "badge").put("label", "Badge GTIN").put("column_type", "barcode")
                .put("settings", new JsonObject().put("normalization", "gtin")))))
        .await().bodyAsJsonObject();
    JsonArray rows = new JsonArray();
    String[] names = {"Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"};
    for (int i = 1; i <= 25; i++) {
      String name = names[(i - 1) % names.length] + (i > names.length ? " " + i : "");
      rows.add(new JsonObject().put("data", new JsonObject()
          .put("ticket", String.format("TICKET-%04d", i))
          .put("name", name)
          .put("email", "guest" + i + "@example.com")
          .put("badge", i == 1 ? "036000291452" : null)));
    }
    http.post("/api/tables/" + table.getString("id") + "/rows/bulk")
        .sendJsonObject(new JsonObject().put("rows", rows)).await();
    return new DemoWalkthrough(base, workspaceId, table.getString("id"));
  }

  private static DemoWalkthrough findAgain(WebClient http, String base) {
    JsonObject workspace = http.get("/api/workspaces").send().await().bodyAsJsonObject().getJsonArray("workspaces")
        .stream().map(JsonObject.class::cast).filter(w -> "demo".equals(w.getString("slug"))).findFirst()
        .orElseThrow(() -> new IllegalStateException("the workspace 'demo' exists but is not the development user's"));
    String workspaceId = workspace.getString("id");
    JsonObject table = http.get("/api/workspaces/" + workspaceId + "/tables").send().await().bodyAsJsonObject()
        .getJsonArray("tables").stream().map(JsonObject.class::cast)
        .filter(t -> "Event attendees".equals(t.getString("name"))).findFirst()
        .orElseThrow(() -> new IllegalStateException("the demo workspace has no table 'Event attendees'"));
    return new DemoWalkthrough(base, workspaceId, table.getString("id"));
  }

  String tableId() {
    return tableId;
  }

  public List<Step> steps() {
    String scan = "-d '{\"id\":\"7b0c6c1e-8d7a-4a55-9e59-2b7c6f0e0001\",\"table_id\":\"" + tableId
        + "\",\"column_name\":\"ticket\",\"barcode\":\"TICKET-0007\",\"source\":\"curl\"}'";
    String guestScan = "-d '{\"table_id\":\"" + tableId + "\",\"column_name\":\"ticket\",\"barcode\":\"TICKET-0012\"}'";
    String json = "-H 'Content-Type: application/json'";
    String guest = "-H 'Authorization: Bearer " + GUEST_TOKEN + "'";
    return List.of(
        new Step("List the workspace's tables (find the demo again any time)",
            "curl -s '" + base + "/api/workspaces/" + workspaceId + "/tables'", false,
            answer -> answer.contains("\"Event attendees\"") && answer.contains("\"row_count\":")),
        new Step("Look up a ticket",
            "curl -s '" + base + "/api/tables/" + tableId + "/rows/search?column_name=ticket&value=ticket-0007'", false,
            answer -> answer.contains("TICKET-0007")),
        new Step("Record a scan (201: recorded)",
            "curl -s -w ' %{http_code}' -X POST " + base + "/api/scans " + json + " \\\n      " + scan, false,
            answer -> answer.endsWith(" 201") || answer.endsWith(" 200")),
        new Step("Send it again: the same id is a replay (200), counted once",
            "curl -s -w ' %{http_code}' -X POST " + base + "/api/scans " + json + " \\\n      " + scan, false,
            answer -> answer.endsWith(" 200")),
        new Step("Let a phone scan as a guest: open a pairing (its code is what the QR code shows)",
            "curl -s -X POST " + base + "/api/tables/" + tableId + "/pairings " + json + " -d '{\"column_name\":\"ticket\",\"label\":\"Door 1\"}'",
            false, answer -> answer.contains("\"code\":\"") && answer.contains("\"claim_url\":\"")),
        new Step("Claim it as the phone would (paste the code): the answer's token is the guest's",
            "curl -s -X POST " + base + "/api/pairings/claim " + json + " \\\n      -d '{\"code\":\"" + CODE
                + "\",\"scanner_name\":\"Front desk\"}'",
            false, answer -> answer.contains("\"token\":\"")),
        new Step("Scan as the guest (paste the token)",
            "curl -s -w ' %{http_code}' -X POST " + base + "/api/scans " + json + " " + guest + " \\\n      " + guestScan, false,
            answer -> answer.endsWith(" 201") && answer.contains("guest:")),
        new Step("Look up as the guest: its own column only",
            "curl -s " + guest + " '" + base + "/api/tables/" + tableId + "/rows/search?column_name=ticket&value=TICKET-0012'",
            false, answer -> answer.contains("TICKET-0012")),
        new Step("Watch scans live (in a second terminal; scan again to see one arrive)",
            "curl -N '" + base + "/api/tables/" + tableId + "/scans/stream'", true,
            answer -> answer.contains("event: ready")),
        new Step("Read the history, newest first",
            "curl -s '" + base + "/api/scans?table_id=" + tableId + "&limit=5'", false,
            answer -> answer.contains("TICKET-0012") && answer.contains("TICKET-0007")));
  }

  /** The text printed at start-up. */
  String render(String management) {
    StringBuilder text = new StringBuilder(System.lineSeparator())
        .append("  matic-scan is running on ").append(base).append(" with a demo table \"Event attendees\" (table ")
        .append(tableId).append(").").append(System.lineSeparator())
        .append("  Auth is off in development: requests without a token act as 'local-developer'.")
        .append(System.lineSeparator()).append(System.lineSeparator())
        .append("  Scan from your phone: open the desk, press \"Pair a phone\" and point the phone at its QR code")
        .append(System.lineSeparator())
        .append("  (same network and HTTPS: see the README):").append(System.lineSeparator())
        .append("    ").append(base).append("/desk?table=").append(tableId).append(System.lineSeparator());
    int n = 1;
    for (Step step : steps()) {
      text.append(System.lineSeparator()).append("  ").append(n++).append(". ").append(step.title()).append(':')
          .append(System.lineSeparator()).append("    ").append(step.command()).append(System.lineSeparator());
    }
    return text.append(System.lineSeparator())
        .append("  Health: ").append(management).append("/api/health/detailed    Metrics: ").append(management)
        .append("/metrics    API: ").append(base).append("/api/openapi.yaml").append(System.lineSeparator())
        .toString();
  }
}
