package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.SseStream;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.SoftAssertions.assertSoftly;

/**
 * What each workspace role may touch, route by route: non-members get 404 for everything in
 * the workspace (as for something that does not exist), members with too low a role get 403,
 * and a refused request writes nothing. The same rules hold on the event bus.
 */
class AccessTest extends ServiceTest {

  private String workspaceId;
  private String tableId;
  private String rowId;
  private String codeColumnId;

  @BeforeAll
  void createData() {
    JsonObject table = fixtures.table();
    tableId = table.getString("id");
    workspaceId = table.getString("workspace_id");
    codeColumnId = Fixtures.columnId(table, "code");
    rowId = fixtures.row(tableId, new JsonObject().put("code", "AC-1").put("name", "first")).getString("id");
  }

  /** One request of each kind on the workspace's data, by name, with the body it sends. */
  private Map<String, Object[]> everyOperation() {
    Map<String, Object[]> operations = new LinkedHashMap<>();
    operations.put("get table", op(HttpMethod.GET, "/api/tables/" + tableId, null));
    operations.put("list rows", op(HttpMethod.GET, "/api/tables/" + tableId + "/rows", null));
    operations.put("get row", op(HttpMethod.GET, "/api/tables/" + tableId + "/rows/" + rowId, null));
    operations.put("search", op(HttpMethod.GET, "/api/tables/" + tableId + "/rows/search?column_name=code&value=AC-1", null));
    operations.put("list scans", op(HttpMethod.GET, "/api/scans?table_id=" + tableId, null));
    operations.put("list members", op(HttpMethod.GET, "/api/workspaces/" + workspaceId + "/members", null));
    operations.put("list tables", op(HttpMethod.GET, "/api/workspaces/" + workspaceId + "/tables", null));
    operations.put("record scan", op(HttpMethod.POST, "/api/scans", Fixtures.scan(tableId, "code", "AC-1")));
    operations.put("record batch", op(HttpMethod.POST, "/api/scans/batch",
        new JsonObject().put("scans", new JsonArray().add(Fixtures.scan(tableId, "code", "AC-1")))));
    operations.put("create row", op(HttpMethod.POST, "/api/tables/" + tableId + "/rows",
        new JsonObject().put("data", new JsonObject().put("code", "NEW"))));
    operations.put("bulk rows", op(HttpMethod.POST, "/api/tables/" + tableId + "/rows/bulk",
        new JsonObject().put("rows", new JsonArray().add(new JsonObject().put("data", new JsonObject().put("code", "NEW"))))));
    operations.put("update row", op(HttpMethod.PATCH, "/api/tables/" + tableId + "/rows/" + rowId,
        new JsonObject().put("data", new JsonObject().put("name", "changed"))));
    operations.put("create table", op(HttpMethod.POST, "/api/tables", new JsonObject().put("workspace_id", workspaceId)
        .put("name", "Another").put("columns", new JsonArray().add(new JsonObject().put("name", "c").put("column_type", "barcode")))));
    operations.put("open pairing", op(HttpMethod.POST, "/api/tables/" + tableId + "/pairings", new JsonObject().put("column_name", "code")));
    operations.put("list pairings", op(HttpMethod.GET, "/api/tables/" + tableId + "/pairings", null));
    operations.put("add member", op(HttpMethod.PUT, "/api/workspaces/" + workspaceId + "/members/zed", new JsonObject().put("role", "viewer")));
    return operations;
  }

  private static Object[] op(HttpMethod method, String path, JsonObject body) {
    return new Object[] {method, path, body};
  }

  private static HttpResponse<Buffer> send(WebClient client, Object[] operation) {
    var request = client.request((HttpMethod) operation[0], (String) operation[1]);
    JsonObject body = (JsonObject) operation[2];
    return (body == null ? request.send() : request.putHeader("Content-Type", "application/json").sendJsonObject(body)).await();
  }

  /** Expected status of each operation for a role (null: not a member). */
  private static int expected(String role, String operation) {
    if (role == null) {
      return 404;
    }
    int rank = switch (role) {
      case "owner" -> 1;
      case "editor" -> 2;
      case "scanner" -> 3;
      default -> 4;
    };
    int needed = switch (operation) {
      case "record scan", "record batch" -> 3;
      case "create row", "bulk rows", "update row", "create table", "open pairing", "list pairings" -> 2;
      case "add member" -> 1;
      default -> 4;
    };
    if (rank > needed) {
      return 403;
    }
    return switch (operation) {
      case "record scan", "create row", "bulk rows", "create table", "open pairing" -> 201;
      case "add member" -> 201;
      default -> 200;
    };
  }

  private void setRole(String userId, String role) {
    HttpResponse<Buffer> put = service.raw(HttpMethod.PUT, "/api/workspaces/" + workspaceId + "/members/" + userId,
        "application/json", new JsonObject().put("role", role).toBuffer());
    assertThat(put.statusCode()).as(put.bodyAsString()).isIn(200, 201);
  }

  @Test
  void eachRoleGetsExactlyWhatItMayDoAndRefusalsWriteNothing() throws Exception {
    for (String role : new String[] {null, "viewer", "scanner", "editor"}) {
      String user = "role-" + (role == null ? "none" : role);
      if (role != null) {
        setRole(user, role);
      }
      WebClient client = service.clientWithToken(Tokens.user(user));
      long[] before = counts();
      int refusedWrites = 0;
      for (Map.Entry<String, Object[]> operation : everyOperation().entrySet()) {
        HttpResponse<Buffer> response = send(client, operation.getValue());
        int expected = expected(role, operation.getKey());
        if (operation.getKey().equals("record batch")) {
          // A batch always answers 200 with a status per item; a refused item is refused there.
          assertThat(response.statusCode()).as("batch as %s: %s", role, response.bodyAsString()).isEqualTo(200);
          int item = response.bodyAsJsonObject().getJsonArray("results").getJsonObject(0).getInteger("status");
          assertThat(item).as("batch item as %s", role).isEqualTo(expected == 200 ? 201 : expected);
          continue;
        }
        assertThat(response.statusCode()).as("%s as %s: %s", operation.getKey(), role, response.bodyAsString())
            .isEqualTo(expected);
        if (expected >= 400) {
          assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
          if (operation.getValue()[2] != null) {
            refusedWrites++;
          }
        }
      }
      if (role == null || role.equals("viewer")) {
        assertThat(counts()).as("nothing written by the refused requests of %s (%d of them)", role, refusedWrites)
            .isEqualTo(before);
      }
    }
  }

  @Test
  void aNonMemberCannotTellAnExistingTableFromAMissingOne() {
    WebClient stranger = service.clientWithToken(Tokens.user("stranger"));
    String missing = UUID.randomUUID().toString();
    HttpResponse<Buffer> real = stranger.get("/api/tables/" + tableId + "/rows").send().await();
    HttpResponse<Buffer> none = stranger.get("/api/tables/" + missing + "/rows").send().await();
    assertThat(real.statusCode()).isEqualTo(none.statusCode()).isEqualTo(404);
    assertThat(real.bodyAsJsonObject().getString("detail").replace(tableId, "ID"))
        .isEqualTo(none.bodyAsJsonObject().getString("detail").replace(missing, "ID"));
    // Not even through a scan naming a column only members could know.
    HttpResponse<Buffer> scan = stranger.post("/api/scans").putHeader("Content-Type", "application/json")
        .sendJsonObject(Fixtures.scan(tableId, "no-such-column", "X")).await();
    assertThat(scan.statusCode()).isEqualTo(404);
    assertThat(scan.bodyAsJsonObject().getString("detail")).contains("table").doesNotContain("column");
  }

  @Test
  void whatAMemberWritesIsRecordedAsTheirs() throws Exception {
    setRole("writer", "editor");
    WebClient writer = service.clientWithToken(Tokens.user("writer"));
    HttpResponse<Buffer> row = writer.post("/api/tables/" + tableId + "/rows").putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("data", new JsonObject().put("code", "W-1")).put("created_by", "mallory")).await();
    assertThat(row.statusCode()).as(row.bodyAsString()).isEqualTo(201);
    assertThat(row.bodyAsJsonObject().getString("created_by")).isEqualTo("writer");
    HttpResponse<Buffer> scan = writer.post("/api/scans").putHeader("Content-Type", "application/json")
        .sendJsonObject(Fixtures.scan(tableId, "code", "W-1").put("created_by", "mallory")).await();
    assertThat(scan.statusCode()).as(scan.bodyAsString()).isEqualTo(201);
    assertThat(scan.bodyAsJsonObject().getString("created_by")).isEqualTo("writer");
    assertThat(sql("SELECT created_by FROM scan_history WHERE id = '" + scan.bodyAsJsonObject().getString("id") + "'"))
        .isEqualTo("writer");
    assertThat(sql("SELECT created_by FROM table_rows WHERE id = '" + row.bodyAsJsonObject().getString("id") + "'"))
        .isEqualTo("writer");
  }

  @Test
  void ownersManageMembersAndTheLastOwnerStays() {
    String members = "/api/workspaces/" + workspaceId + "/members/";
    // The only owner (user-1) can neither demote nor remove themself.
    HttpResponse<Buffer> demote = service.raw(HttpMethod.PUT, members + RunningService.USER, "application/json",
        new JsonObject().put("role", "editor").toBuffer());
    assertThat(demote.statusCode()).as(demote.bodyAsString()).isEqualTo(409);
    assertThat(service.raw(HttpMethod.DELETE, members + RunningService.USER, null, null).statusCode()).isEqualTo(409);

    setRole("second-owner", "owner");
    HttpResponse<Buffer> list = service.get("/api/workspaces/" + workspaceId + "/members");
    assertThat(list.bodyAsJsonObject().getJsonArray("members").stream().map(m -> ((JsonObject) m).getString("user_id")))
        .contains(RunningService.USER, "second-owner");
    // With a second owner the first may step down, and is then an editor who cannot manage members.
    assertThat(service.raw(HttpMethod.PUT, members + RunningService.USER, "application/json",
        new JsonObject().put("role", "editor").toBuffer()).statusCode()).isEqualTo(200);
    assertThat(service.raw(HttpMethod.PUT, members + "someone", "application/json",
        new JsonObject().put("role", "viewer").toBuffer()).statusCode()).isEqualTo(403);
    WebClient second = service.clientWithToken(Tokens.user("second-owner"));
    assertThat(second.put(members + RunningService.USER).putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("role", "owner")).await().statusCode()).isEqualTo(200);

    // Removal takes effect at once: the removed member is a stranger again.
    setRole("leaving", "viewer");
    WebClient leaving = service.clientWithToken(Tokens.user("leaving"));
    assertThat(leaving.get("/api/tables/" + tableId).send().await().statusCode()).isEqualTo(200);
    assertThat(service.raw(HttpMethod.DELETE, members + "leaving", null, null).statusCode()).isEqualTo(204);
    assertThat(leaving.get("/api/tables/" + tableId).send().await().statusCode()).isEqualTo(404);
    assertThat(service.raw(HttpMethod.DELETE, members + "leaving", null, null).statusCode()).isEqualTo(404);

    assertSoftly(softly -> {
      softly.assertThat(service.raw(HttpMethod.PUT, members + "x", "application/json",
          new JsonObject().put("role", "admin").toBuffer()).statusCode()).as("unknown role").isEqualTo(422);
      softly.assertThat(service.raw(HttpMethod.PUT, members + "guest:abc", "application/json",
          new JsonObject().put("role", "viewer").toBuffer()).statusCode()).as("guest ids are not users").isEqualTo(422);
    });
  }

  @Test
  void myWorkspacesListsOnlyWhereIAmAMemberWithMyRole() {
    setRole("lister", "scanner");
    HttpResponse<Buffer> mine = service.clientWithToken(Tokens.user("lister")).get("/api/workspaces").send().await();
    assertThat(mine.statusCode()).isEqualTo(200);
    JsonArray workspaces = mine.bodyAsJsonObject().getJsonArray("workspaces");
    assertThat(workspaces).hasSize(1);
    assertThat(workspaces.getJsonObject(0).getString("id")).isEqualTo(workspaceId);
    assertThat(workspaces.getJsonObject(0).getString("role")).isEqualTo("scanner");
  }

  @Test
  void theLiveStreamTakesTheTokenFromTheQueryForBrowsersAndChecksTheRole() {
    String stream = "/api/tables/" + tableId + "/scans/stream?access_token=";
    try (SseStream viewer = SseStream.open(service.vertx(), service.port(), stream + viewerToken(), null)) {
      assertThat(viewer.status()).isEqualTo(200);
      viewer.events("ready", 1, Duration.ofSeconds(10));
      HttpResponse<Buffer> scan = service.post("/api/scans", Fixtures.scan(tableId, "code", "AC-1"));
      assertThat(scan.statusCode()).isEqualTo(201);
      SseStream.Frame event = viewer.events("scan", 1, Duration.ofSeconds(10)).get(0);
      assertThat(event.json().getString("id")).isEqualTo(scan.bodyAsJsonObject().getString("id"));
    }
    try (SseStream stranger = SseStream.open(service.vertx(), service.port(), stream + Tokens.user("stream-stranger"), null)) {
      assertThat(stranger.status()).isEqualTo(404);
    }
    try (SseStream forged = SseStream.open(service.vertx(), service.port(), stream + "not-a-token", null)) {
      assertThat(forged.status()).isEqualTo(401);
    }
  }

  private String viewerToken() {
    setRole("stream-viewer", "viewer");
    return Tokens.user("stream-viewer");
  }

  @Test
  void theEventBusAppliesTheSameRoles() {
    setRole("bus-viewer", "viewer");
    setRole("bus-scanner", "scanner");
    JsonObject scan = Fixtures.scan(tableId, "code", "AC-1");
    assertThat(busFailure(Addresses.SCANS_RECORD, scan, "bus-stranger")).isEqualTo(404);
    assertThat(busFailure(Addresses.SCANS_LOOKUP, scan, "bus-stranger")).isEqualTo(404);
    assertThat(busFailure(Addresses.SCANS_RECORD, scan, "bus-viewer")).isEqualTo(403);
    JsonObject batch = busReply(Addresses.SCANS_RECORD_BATCH, new JsonObject().put("scans", new JsonArray().add(scan)), "bus-viewer");
    assertThat(batch.getJsonArray("results").getJsonObject(0).getInteger("status")).isEqualTo(403);
    assertThat(busReply(Addresses.SCANS_LOOKUP, scan, "bus-viewer").getJsonArray("rows")).hasSize(1);
    JsonObject recorded = busReply(Addresses.SCANS_RECORD, scan, "bus-scanner");
    assertThat(recorded.getBoolean("created")).isTrue();
    assertThat(recorded.getJsonObject("scan").getString("created_by")).isEqualTo("bus-scanner");
    assertThat(recorded.getJsonObject("scan").getString("column_id")).isEqualTo(codeColumnId);
  }

  private int busFailure(String address, JsonObject body, String user) {
    Throwable failure = catchThrowable(() -> service.vertx().eventBus().request(address, body, as(user)).await());
    assertThat(failure).isInstanceOf(ReplyException.class);
    return ((ReplyException) failure).failureCode();
  }

  private JsonObject busReply(String address, JsonObject body, String user) {
    return (JsonObject) service.vertx().eventBus().request(address, body, as(user)).await().body();
  }

  private static DeliveryOptions as(String user) {
    return new DeliveryOptions().setSendTimeout(5_000).addHeader(Addresses.AUTHORIZATION, Tokens.bearer(Tokens.user(user)));
  }

  /** Rows, scans, scan counters, tables, members and pairings: what any write would change. */
  private long[] counts() throws Exception {
    try (Connection connection = database.connect(); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery("""
             SELECT (SELECT count(*) FROM table_rows), (SELECT count(*) FROM scan_history),
                    (SELECT coalesce(sum(scan_count), 0) FROM table_rows), (SELECT count(*) FROM data_tables),
                    (SELECT count(*) FROM workspace_members), (SELECT count(*) FROM pairings),
                    (SELECT count(*) FROM table_rows WHERE data ->> 'name' = 'changed')""")) {
      rows.next();
      long[] counts = new long[7];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = rows.getLong(i + 1);
      }
      return counts;
    }
  }

  private String sql(String query) throws Exception {
    try (Connection connection = database.connect(); Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery(query)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
