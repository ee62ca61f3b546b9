package com.maticsapp.scan.scanrules;

import com.maticsapp.scan.support.Fixtures;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Scan rules as column settings: set at creation, changed with PATCH, checked against the
 * table's columns (a bad definition is a 422 naming the field and changes nothing).
 */
class ScanRuleDefinitionTest extends ServiceTest {

  private static JsonObject goodRules() {
    return new JsonObject()
        .put("mode", "once")
        .put("valid_from", "2026-01-01T18:00:00Z")
        .put("valid_until", "2027-01-01T02:00:00+01:00")
        .put("accept_if", new JsonArray()
            .add(new JsonObject().put("column", "paid").put("op", "is_true"))
            .add(new JsonObject().put("column", "ticket_type").put("op", "in").put("values", new JsonArray().add("VIP").add("Staff")))
            .add(new JsonObject().put("column", "email").put("op", "not_empty"))
            .add(new JsonObject().put("column", "seats").put("op", "equals").put("value", 2)))
        .put("display_columns", new JsonArray().add("name").add("ticket_type"))
        .put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "checked_in").put("value", true))
            .add(new JsonObject().put("column", "checked_in_at").put("from", "scanned_at"))
            .add(new JsonObject().put("column", "checked_in_by").put("from", "scanner"))
            .add(new JsonObject().put("column", "gate").put("from", "input").put("input", "gate")));
  }

  @Test
  void rulesSetAtCreationAreStoredAsGiven() {
    JsonObject table = fixtures.eventTable(goodRules());
    JsonObject settings = column(table, "ticket").getJsonObject("settings");
    assertThat(settings.copy().put("normalization", (Object) null)).isEqualTo(goodRules().put("normalization", (Object) null));
    assertThat(settings.getString("normalization")).isEqualTo("exact");
  }

  @Test
  void patchMergesIntoTheSettingsAndNullGoesBackToTheDefault() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    String path = columnPath(table, "ticket");

    HttpResponse<Buffer> once = service.patch(path, new JsonObject().put("settings", goodRules()));
    assertThat(once.statusCode()).as(once.bodyAsString()).isEqualTo(200);
    assertThat(once.bodyAsJsonObject().getJsonObject("settings").getString("mode")).isEqualTo("once");

    HttpResponse<Buffer> back = service.patch(path, new JsonObject().put("settings", new JsonObject()
        .put("mode", "entry_exit").putNull("on_accept").putNull("valid_from")));
    assertThat(back.statusCode()).as(back.bodyAsString()).isEqualTo(200);
    JsonObject settings = back.bodyAsJsonObject().getJsonObject("settings");
    assertThat(settings.getString("mode")).isEqualTo("entry_exit");
    assertThat(settings.containsKey("on_accept")).isFalse();
    assertThat(settings.containsKey("valid_from")).isFalse();
    assertThat(settings.getJsonArray("accept_if")).hasSize(4);

    JsonObject stored = service.get("/api/tables/" + table.getString("id")).bodyAsJsonObject();
    assertThat(column(stored, "ticket").getJsonObject("settings")).isEqualTo(settings);
  }

  static Stream<org.junit.jupiter.params.provider.Arguments> badDefinitions() {
    JsonObject cond = new JsonObject().put("column", "paid").put("op", "is_true");
    return Stream.of(
        arguments("settings.mode", new JsonObject().put("mode", "twice")),
        arguments("settings.valid_until", new JsonObject().put("valid_from", "2026-12-02T10:00:00Z").put("valid_until", "2026-12-02T09:00:00Z")),
        arguments("settings.valid_from", new JsonObject().put("valid_from", "tomorrow")),
        arguments("settings.accept_if[0].column", new JsonObject().put("accept_if", new JsonArray().add(cond.copy().put("column", "nope")))),
        arguments("settings.accept_if[0].value", new JsonObject().put("accept_if", new JsonArray()
            .add(new JsonObject().put("column", "seats").put("op", "equals").put("value", "two")))),
        arguments("settings.accept_if[0].op", new JsonObject().put("accept_if", new JsonArray()
            .add(new JsonObject().put("column", "name").put("op", "is_true")))),
        arguments("settings.accept_if[0].op", new JsonObject().put("accept_if", new JsonArray()
            .add(new JsonObject().put("column", "name").put("op", "like").put("value", "A%")))),
        arguments("settings.accept_if[0].values", new JsonObject().put("accept_if", new JsonArray()
            .add(new JsonObject().put("column", "ticket_type").put("op", "in").put("values", new JsonArray())))),
        arguments("settings.display_columns[1]", new JsonObject().put("display_columns", new JsonArray().add("name").add("ghost"))),
        arguments("settings.on_accept[0].value", new JsonObject().put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "checked_in").put("value", "yes")))),
        arguments("settings.on_accept[0].from", new JsonObject().put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "seats").put("from", "scanned_at")))),
        arguments("settings.on_accept[0].column", new JsonObject().put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "nope").put("value", 1)))),
        arguments("settings.on_accept[1].column", new JsonObject().put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "gate").put("value", "A"))
            .add(new JsonObject().put("column", "gate").put("from", "device")))),
        arguments("settings.on_accept[0]", new JsonObject().put("on_accept", new JsonArray()
            .add(new JsonObject().put("column", "gate")))),
        arguments("settings.moed", new JsonObject().put("moed", "once")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badDefinitions")
  void aBadDefinitionIs422NamingTheFieldAndChangesNothing(String field, JsonObject settings) {
    JsonObject table = fixtures.eventTable(new JsonObject().put("mode", "count"));
    String path = columnPath(table, "ticket");
    HttpResponse<Buffer> refused = service.patch(path, new JsonObject().put("settings", settings));
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
    assertThat(refused.bodyAsJsonObject().getJsonArray("errors").stream()
        .map(e -> ((JsonObject) e).getString("field")).toList()).contains(field);
    JsonObject stored = service.get("/api/tables/" + table.getString("id")).bodyAsJsonObject();
    assertThat(column(stored, "ticket").getJsonObject("settings"))
        .isEqualTo(new JsonObject().put("mode", "count").put("normalization", "exact"));

    // The same definition is refused at creation too, under the column's path.
    HttpResponse<Buffer> create = service.post("/api/tables", new JsonObject()
        .put("workspace_id", table.getString("workspace_id")).put("name", "Bad")
        .put("columns", table.getJsonArray("columns").stream().map(c -> {
          JsonObject column = ((JsonObject) c).copy();
          JsonObject definition = new JsonObject().put("name", column.getString("name")).put("column_type", column.getString("column_type"));
          return column.getString("name").equals("ticket") ? definition.put("settings", settings) : definition;
        }).collect(JsonArray::new, JsonArray::add, JsonArray::addAll)));
    assertThat(create.statusCode()).as(create.bodyAsString()).isEqualTo(422);
    assertThat(create.bodyAsJsonObject().getJsonArray("errors").stream()
        .map(e -> ((JsonObject) e).getString("field")).toList()).contains(field.replace("settings", "columns[0].settings"));
  }

  @Test
  void scanRulesBelongToBarcodeColumnsOnly() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    HttpResponse<Buffer> refused = service.patch(columnPath(table, "name"), new JsonObject()
        .put("settings", new JsonObject().put("mode", "once")));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(refused.bodyAsString()).contains("settings.mode");
  }

  @Test
  void onlyTheColumnsOwnKeysChangeHere() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    HttpResponse<Buffer> refused = service.patch(columnPath(table, "ticket"), new JsonObject()
        .put("settings", new JsonObject()).put("workspace_id", table.getString("workspace_id")));
    assertThat(refused.statusCode()).isEqualTo(422);
    assertThat(refused.bodyAsString()).contains("\"workspace_id\"");
  }

  @Test
  void onlyEditorsChangeRules() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    String workspace = table.getString("workspace_id");
    for (String role : List.of("viewer", "scanner")) {
      fixtures.member(workspace, "rules-" + role, role);
      HttpResponse<Buffer> refused = service.clientWithToken(Tokens.user("rules-" + role)).patch(columnPath(table, "ticket"))
          .putHeader("Content-Type", "application/json")
          .sendBuffer(new JsonObject().put("settings", new JsonObject().put("mode", "once")).toBuffer()).await();
      assertThat(refused.statusCode()).as(role).isEqualTo(403);
    }
    fixtures.member(workspace, "rules-editor", "editor");
    HttpResponse<Buffer> allowed = service.clientWithToken(Tokens.user("rules-editor")).patch(columnPath(table, "ticket"))
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("settings", new JsonObject().put("mode", "once")).toBuffer()).await();
    assertThat(allowed.statusCode()).as(allowed.bodyAsString()).isEqualTo(200);
    HttpResponse<Buffer> stranger = service.clientWithToken(Tokens.user("rules-stranger")).patch(columnPath(table, "ticket"))
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("settings", new JsonObject()).toBuffer()).await();
    assertThat(stranger.statusCode()).isEqualTo(404);
  }

  @Test
  void anUnknownColumnIs404() {
    JsonObject table = fixtures.eventTable(new JsonObject());
    HttpResponse<Buffer> missing = service.patch("/api/tables/" + table.getString("id") + "/columns/" + java.util.UUID.randomUUID(),
        new JsonObject().put("settings", new JsonObject()));
    assertThat(missing.statusCode()).isEqualTo(404);
  }

  static JsonObject column(JsonObject table, String name) {
    return table.getJsonArray("columns").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("name").equals(name)).findFirst().orElseThrow();
  }

  static String columnPath(JsonObject table, String name) {
    return "/api/tables/" + table.getString("id") + "/columns/" + Fixtures.columnId(table, name);
  }
}
