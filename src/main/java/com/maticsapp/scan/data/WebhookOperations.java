package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.config.WebhooksConfig;
import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.contract.WebhookEndpointRequest;
import com.maticsapp.scan.webhooks.Signature;
import com.maticsapp.scan.webhooks.TargetPolicy;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.UUID;

/**
 * Webhook endpoints, their delivery log and redelivery, for a workspace's owners and editors
 * ({@link Permission#EDIT}): an endpoint's URL and log say where the workspace's data goes, so
 * scanners and viewers see none of it. The request is checked in full before the role is asked;
 * writes wait for the role, reads are sent along with it.
 */
final class WebhookOperations {

  private static final Set<String> STATES = Set.of("pending", "delivered", "failed");
  /** Attempts shown per delivery in the log. */
  private static final int ATTEMPTS_SHOWN = 20;
  private static final Duration MAX_OVERLAP = Duration.ofDays(7);

  private final WebhookStore webhooks;
  private final AccessStore access;
  private final Retries retries;
  private final WebhooksConfig config;
  private final TargetPolicy policy;
  private final int pageMax;

  WebhookOperations(WebhookStore webhooks, AccessStore access, Retries retries, WebhooksConfig config, int pageMax) {
    this.webhooks = webhooks;
    this.access = access;
    this.retries = retries;
    this.config = config;
    this.policy = TargetPolicy.of(config);
    this.pageMax = pageMax;
  }

  /** {@code {workspace_id, url, event_types, table_id?, description?, enabled?}} → the endpoint with its secret. */
  Future<JsonObject> create(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    UUID workspaceId = Fields.requiredUuid(body, "workspace_id");
    WebhookEndpointRequest request = WebhookEndpointRequest.create(body, policy);
    return editorOf(workspaceId, caller).compose(allowed ->
        webhooks.create(workspaceId, request, Signature.newSecret(), caller.actor(), config.maxEndpointsPerWorkspace()));
  }

  Future<JsonObject> list(Caller caller, JsonObject body) {
    UUID workspaceId = Fields.requiredUuid(body, "workspace_id");
    return retries.idempotent(() -> access.whenAllowedInWorkspace(caller, workspaceId, Permission.EDIT,
        () -> webhooks.list(workspaceId, pageMax)));
  }

  Future<JsonObject> get(Caller caller, JsonObject body) {
    Ref ref = Ref.of(body);
    return retries.idempotent(() -> access.whenAllowedInWorkspace(caller, ref.workspace(), Permission.EDIT,
        () -> webhooks.get(ref.workspace(), ref.endpoint())));
  }

  /** Any subset of the definition; see {@link WebhookEndpointRequest}. */
  Future<JsonObject> update(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    Ref ref = Ref.of(body);
    WebhookEndpointRequest change = WebhookEndpointRequest.change(body, policy);
    return editorOf(ref.workspace(), caller).compose(allowed -> webhooks.update(ref.workspace(), ref.endpoint(), change));
  }

  Future<JsonObject> delete(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    Ref ref = Ref.of(body);
    return editorOf(ref.workspace(), caller)
        .compose(allowed -> webhooks.delete(ref.workspace(), ref.endpoint()))
        .map(deleted -> new JsonObject().put("deleted", ref.endpoint().toString()));
  }

  /**
   * {@code {overlap_seconds?}}: a new secret, shown once; the old one keeps signing beside it for
   * the overlap (webhooks.rotationOverlap by default, 0 to stop it at once).
   */
  Future<JsonObject> rotateSecret(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    Ref ref = Ref.of(body);
    Fields fields = Fields.of(body);
    Long overlap = fields.integer("overlap_seconds", 0, MAX_OVERLAP.toSeconds());
    fields.throwIfInvalid();
    long overlapMillis = overlap == null ? config.rotationOverlap().toMillis() : overlap * 1000;
    return editorOf(ref.workspace(), caller)
        .compose(allowed -> webhooks.rotate(ref.workspace(), ref.endpoint(), Signature.newSecret(), overlapMillis));
  }

  /** {@code {state?, limit?, before?}} → {@code {deliveries, next_cursor}}, newest first. */
  Future<JsonObject> deliveries(Caller caller, JsonObject body) {
    Ref ref = Ref.of(body);
    Fields fields = Fields.of(body);
    String state = fields.string("state", false, 20);
    if (state != null && !STATES.contains(state)) {
      fields.error("state", "must be one of pending, delivered, failed");
    }
    Long limit = fields.integer("limit", 1, pageMax);
    String before = fields.string("before", false, 300);
    fields.throwIfInvalid();
    Cursor.decode(before, "before"); // a bad cursor is a 422 before the role is asked
    // The endpoint's own row is read along with the page (same round trip): an unknown endpoint is a 404.
    return retries.idempotent(() -> access.whenAllowedInWorkspace(caller, ref.workspace(), Permission.EDIT, () -> {
      Future<JsonObject> endpoint = webhooks.get(ref.workspace(), ref.endpoint());
      Future<JsonObject> page = webhooks.deliveries(ref.workspace(), ref.endpoint(), state,
          limit == null ? 50 : limit.intValue(), before, ATTEMPTS_SHOWN);
      return Future.all(endpoint, page).map(both -> page.result());
    }));
  }

  /** {@code {delivery_id}}: that delivery again, same webhook-id. */
  Future<JsonObject> redeliver(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    Ref ref = Ref.of(body);
    UUID deliveryId = Fields.requiredUuid(body, "delivery_id");
    return editorOf(ref.workspace(), caller)
        .compose(allowed -> webhooks.redeliver(ref.workspace(), ref.endpoint(), deliveryId));
  }

  /** {@code {since}}: every settled delivery of the endpoint created since then, again. */
  Future<JsonObject> redeliverSince(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    Ref ref = Ref.of(body);
    Fields fields = Fields.of(body);
    OffsetDateTime since = fields.timestamp("since");
    if (since == null && !fields.has("since")) {
      fields.error("since", "is required");
    }
    fields.throwIfInvalid();
    return editorOf(ref.workspace(), caller)
        .compose(allowed -> webhooks.get(ref.workspace(), ref.endpoint()))
        .compose(exists -> webhooks.redeliverSince(ref.workspace(), ref.endpoint(), since));
  }

  private Future<Void> editorOf(UUID workspaceId, Caller caller) {
    return access.workspaceRole(workspaceId, caller).map(role -> {
      Permission.EDIT.require(role, null, "workspace " + workspaceId + " does not exist");
      return null;
    });
  }

  /** The workspace and endpoint a request names. */
  private record Ref(UUID workspace, UUID endpoint) {
    static Ref of(JsonObject body) {
      Fields fields = Fields.of(body);
      UUID workspace = fields.uuid("workspace_id", true);
      UUID endpoint = fields.uuid("webhook_id", true);
      fields.throwIfInvalid();
      return new Ref(workspace, endpoint);
    }
  }
}
