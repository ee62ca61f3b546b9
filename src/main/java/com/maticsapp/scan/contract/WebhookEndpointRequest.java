package com.maticsapp.scan.contract;

import com.maticsapp.scan.webhooks.TargetPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * An endpoint's definition, {@code {url, event_types, table_id?, description?, enabled?}}: whole
 * for a new endpoint, any subset for a change (absent means unchanged; {@code table_id} and
 * {@code description} set to null clear them). Everything is checked here, before any statement
 * runs, against the {@link TargetPolicy} of the environment; all problems come back together as
 * one 422.
 */
public record WebhookEndpointRequest(String url, List<String> eventTypes, UUID tableId, boolean hasTableId,
                                     String description, boolean hasDescription, Boolean enabled) {

  public static final int MAX_DESCRIPTION = 500;
  private static final Set<String> FIELDS = Set.of("url", "event_types", "table_id", "description", "enabled");

  public static WebhookEndpointRequest create(JsonObject json, TargetPolicy policy) {
    return parse(json, policy, false);
  }

  public static WebhookEndpointRequest change(JsonObject json, TargetPolicy policy) {
    return parse(json, policy, true);
  }

  private static WebhookEndpointRequest parse(JsonObject json, TargetPolicy policy, boolean partial) {
    Fields fields = Fields.of(json);
    for (String key : json.fieldNames()) {
      if (!FIELDS.contains(key) && !key.equals("workspace_id") && !key.equals("webhook_id")) {
        fields.error(key, "is not a field of a webhook endpoint (url, event_types, table_id, description, enabled)");
      }
    }
    String url = fields.string("url", !partial, TargetPolicy.MAX_URL_LENGTH);
    if (url != null) {
      String problem = policy.problem(url);
      if (problem != null) {
        fields.error("url", problem);
      }
    }
    List<String> types = eventTypes(fields, json, !partial);
    UUID tableId = fields.uuid("table_id", false);
    String description = fields.string("description", false, MAX_DESCRIPTION);
    Boolean enabled = fields.bool("enabled");
    if (partial && json.getValue("enabled") == null && json.containsKey("enabled")) {
      fields.error("enabled", "must be true or false");
    }
    fields.throwIfInvalid();
    return new WebhookEndpointRequest(url, types, tableId, json.containsKey("table_id"), description,
        json.containsKey("description"), enabled);
  }

  private static List<String> eventTypes(Fields fields, JsonObject json, boolean required) {
    if (json.containsKey("event_types") && json.getValue("event_types") == null) {
      fields.error("event_types", "must be a non-empty array of event types");
      return null;
    }
    JsonArray array = fields.array("event_types", required, WebhookEvents.TYPES.size());
    if (array == null) {
      return null;
    }
    if (array.isEmpty()) {
      fields.error("event_types", "must name at least one event type");
      return null;
    }
    Set<String> types = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      Object type = array.getValue(i);
      if (!(type instanceof String name) || !WebhookEvents.TYPES.contains(name)) {
        fields.error("event_types[" + i + "]", "must be one of " + String.join(", ", WebhookEvents.TYPES));
      } else if (!types.add(name)) {
        fields.error("event_types[" + i + "]", "is listed twice");
      }
    }
    return List.copyOf(types);
  }
}
