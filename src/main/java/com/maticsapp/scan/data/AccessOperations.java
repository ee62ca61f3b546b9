package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.Fields;
import com.maticsapp.scan.auth.Authenticator;
import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.PairingCodes;
import com.maticsapp.scan.auth.Permission;
import com.maticsapp.scan.contract.ServiceFailure;
import com.maticsapp.scan.config.AuthConfig;
import com.maticsapp.scan.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Who may do what: workspace members (owners manage them) and guest pairings (editors open
 * and revoke them; phones claim them with the code and get a guest token).
 */
final class AccessOperations {

  private static final Set<String> ROLES = Set.of("owner", "editor", "scanner", "viewer");
  /** Enough to refuse obvious garbage; the address is shown to the editor, never mailed. */
  private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]{1,189}");
  private static final int MAX_DRAWS = 3;

  private final MemberStore members;
  private final PairingStore pairings;
  private final AccessStore access;
  private final Retries retries;
  private final Authenticator authenticator;
  private final AuthConfig.PairingConfig pairing;
  private final int pageMax;

  AccessOperations(MemberStore members, PairingStore pairings, AccessStore access, Retries retries,
                   Authenticator authenticator, AuthConfig.PairingConfig pairing, int pageMax) {
    this.members = members;
    this.pairings = pairings;
    this.access = access;
    this.retries = retries;
    this.authenticator = authenticator;
    this.pairing = pairing;
    this.pageMax = pageMax;
  }

  // ---- members ----

  Future<JsonObject> listMembers(Caller caller, JsonObject body) {
    Permission.READ.requireCallerKind(caller);
    UUID workspaceId = Fields.requiredUuid(body, "workspace_id");
    return retries.idempotent(() -> access.whenAllowedInWorkspace(caller, workspaceId, Permission.READ,
        () -> members.list(workspaceId, pageMax)));
  }

  /** Adds a member or changes their role: owners only. {@code {created, member}}. */
  Future<JsonObject> putMember(Caller caller, JsonObject body) {
    Permission.MANAGE_MEMBERS.requireCallerKind(caller);
    Fields fields = Fields.of(body);
    UUID workspaceId = fields.uuid("workspace_id", true);
    String userId = userId(fields);
    String role = fields.string("role", true, 20);
    if (role != null && !ROLES.contains(role)) {
      fields.error("role", "must be one of owner, editor, scanner, viewer");
    }
    fields.throwIfInvalid();
    return ownerOf(workspaceId, caller).compose(owner -> members.put(workspaceId, userId, role, caller.actor()));
  }

  Future<JsonObject> removeMember(Caller caller, JsonObject body) {
    Permission.MANAGE_MEMBERS.requireCallerKind(caller);
    Fields fields = Fields.of(body);
    UUID workspaceId = fields.uuid("workspace_id", true);
    String userId = userId(fields);
    fields.throwIfInvalid();
    return ownerOf(workspaceId, caller)
        .compose(owner -> members.remove(workspaceId, userId))
        .map(removed -> new JsonObject().put("removed", userId));
  }

  private Future<Void> ownerOf(UUID workspaceId, Caller caller) {
    return access.workspaceRole(workspaceId, caller).map(role -> {
      Permission.MANAGE_MEMBERS.require(role, null, "workspace " + workspaceId + " does not exist");
      return null;
    });
  }

  private static String userId(Fields fields) {
    String userId = fields.string("user_id", true, 255);
    if (userId != null && (userId.startsWith("guest:") || userId.chars().anyMatch(Character::isISOControl))) {
      fields.error("user_id", "is not a user id");
      return null;
    }
    return userId;
  }

  // ---- pairings ----

  /**
   * Opens a pairing: {@code {table_id, column_id | column_name, expires_in?, label?}} →
   * the pairing with its {@code code} (shown once; only its hash is kept). The HTTP side adds the
   * {@code claim_url} (an address of its own).
   */
  Future<JsonObject> openPairing(Caller caller, JsonObject body) {
    Permission.EDIT.requireCallerKind(caller);
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID columnId = fields.uuid("column_id", false);
    String columnName = fields.string("column_name", false, 100);
    if (!fields.has("column_id") && !fields.has("column_name")) {
      fields.error("column_id", "column_id or column_name is required");
    }
    Duration ttl = expiresIn(fields, body);
    String label = fields.string("label", false, 100);
    fields.throwIfInvalid();
    return draw(caller, tableId, columnId, columnName, label, ttl, 1);
  }

  /**
   * {@code expires_in}: whole seconds, or a duration in the configuration's syntax ({@code 90m},
   * {@code 8h}); 60 s up to {@code auth.pairing.maxTtl}. Absent: {@code auth.pairing.defaultTtl}.
   */
  private Duration expiresIn(Fields fields, JsonObject body) {
    if (!(body.getValue("expires_in") instanceof String text)) {
      Long seconds = fields.integer("expires_in", 60, pairing.maxTtl().toSeconds());
      return seconds == null ? pairing.defaultTtl() : Duration.ofSeconds(seconds);
    }
    Duration ttl = ConfigLoader.duration(text);
    if (ttl == null || text.length() > 20) {
      fields.error("expires_in", "must be whole seconds or a duration such as 90m or 8h");
    } else if (ttl.toSeconds() < 60 || ttl.compareTo(pairing.maxTtl()) > 0) {
      fields.error("expires_in", "must be between 60s and " + pairing.maxTtl().toSeconds() + "s");
    }
    return ttl;
  }

  /** A selector collision (one in millions) inserts nothing: draw another code. */
  private Future<JsonObject> draw(Caller caller, UUID tableId, UUID columnId, String columnName, String label,
                                  Duration ttl, int attempt) {
    PairingCodes.Code code = PairingCodes.generate();
    return pairings.open(caller, tableId, columnId, columnName, label, ttl, code).compose(opened -> {
      if (opened != null) {
        return Future.succeededFuture(opened
            .put("code", code.display())
            .put("status", "active"));
      }
      if (attempt >= MAX_DRAWS) {
        return Future.failedFuture(ServiceFailure.conflict("no free pairing code was drawn; retry"));
      }
      return draw(caller, tableId, columnId, columnName, label, ttl, attempt + 1);
    });
  }

  Future<JsonObject> listPairings(Caller caller, JsonObject body) {
    UUID tableId = Fields.requiredUuid(body, "table_id");
    return retries.idempotent(() -> access.whenAllowed(caller, tableId, Permission.EDIT,
        () -> pairings.list(tableId, pageMax, pairing.maxFailedClaims())));
  }

  /** Revoking ends the pairing's guest tokens at once: every guest statement checks it. */
  Future<JsonObject> revokePairing(Caller caller, JsonObject body) {
    Fields fields = Fields.of(body);
    UUID tableId = fields.uuid("table_id", true);
    UUID pairingId = fields.uuid("pairing_id", true);
    fields.throwIfInvalid();
    Permission.EDIT.requireCallerKind(caller);
    return access.tableRole(tableId, caller).compose(role -> {
      Permission.EDIT.require(role, null, "table " + tableId + " does not exist");
      return pairings.revoke(tableId, pairingId, pairing.maxFailedClaims());
    });
  }

  /**
   * A phone claims a pairing: {@code {code, scanner_name, scanner_email?, device_id?,
   * device_label?}} → a guest token bound to the device (one is made up and returned when the
   * phone names none: the phone keeps it as its stable id).
   * Every way a code can be wrong answers the same 404, so a guesser learns nothing; a wrong
   * secret for a real selector counts against that pairing, which locks after
   * {@code maxFailedClaims}. Only the holder of the whole code hears that it expired, was
   * revoked or is locked (410).
   */
  Future<JsonObject> claim(JsonObject body) {
    Fields fields = Fields.of(body);
    String typed = fields.string("code", true, 64);
    String scannerName = fields.string("scanner_name", true, 100);
    String scannerEmail = fields.string("scanner_email", false, 254);
    if (scannerEmail != null && !EMAIL.matcher(scannerEmail).matches()) {
      fields.error("scanner_email", "is not an e-mail address");
    }
    String named = fields.string("device_id", false, 200);
    String deviceLabel = fields.string("device_label", false, 100);
    fields.throwIfInvalid();
    String deviceId = named != null && !named.isBlank() ? named : "device-" + UUID.randomUUID();
    PairingCodes.Code code = PairingCodes.parse(typed);
    if (code == null) {
      return Future.failedFuture(noSuchCode());
    }
    return pairings.forClaim(code.selector()).compose(found -> {
      if (found == null) {
        return Future.failedFuture(noSuchCode());
      }
      UUID pairingId = found.getUUID("id");
      if (!PairingCodes.matches(code, found.getBuffer("secret_hash").getBytes())) {
        return pairings.countFailedClaim(pairingId).transform(counted -> Future.failedFuture(noSuchCode()));
      }
      ServiceFailure ended = ended(found);
      if (ended != null) {
        return Future.failedFuture(ended);
      }
      String label = deviceLabel != null ? deviceLabel : scannerName.strip();
      return pairings.countClaim(pairingId, pairing.maxFailedClaims(), deviceId, label).map(counted -> switch (counted) {
        case ENDED -> throw gone("the pairing has just ended");
        case DEVICE_REVOKED -> throw gone("this device was revoked on the pairing's table");
        case COUNTED -> issue(found, scannerName.strip(), scannerEmail, deviceId);
      });
    });
  }

  private ServiceFailure ended(Row found) {
    if (found.getValue("revoked_at") != null) {
      return gone("the pairing was revoked; ask for a new code");
    }
    if (!found.getBoolean("live")) {
      return gone("the pairing has expired; ask for a new code");
    }
    if (found.getInteger("failed_claims") >= pairing.maxFailedClaims()) {
      return gone("the pairing was locked after too many wrong codes; ask for a new code");
    }
    return null;
  }

  private JsonObject issue(Row found, String scannerName, String scannerEmail, String deviceId) {
    Caller.Guest guest = new Caller.Guest(found.getUUID("id"), found.getUUID("table_id"), found.getUUID("column_id"),
        scannerName, scannerEmail, deviceId);
    var expiresAt = found.getOffsetDateTime("expires_at").toInstant();
    return new JsonObject()
        .put("token", authenticator.issueGuestToken(guest, expiresAt))
        .put("token_type", "Bearer")
        .put("expires_at", SqlValues.time(found, "expires_at"))
        .put("pairing_id", guest.pairingId().toString())
        .put("table", new JsonObject().put("id", guest.tableId().toString()).put("name", found.getString("table_name")))
        .put("column", new JsonObject().put("id", guest.columnId().toString()).put("name", found.getString("column_name")))
        .put("scanner_name", scannerName)
        .put("scanner_email", scannerEmail)
        .put("device_id", deviceId);
  }

  private static ServiceFailure noSuchCode() {
    return ServiceFailure.notFound("the code does not match a pairing");
  }

  private static ServiceFailure gone(String detail) {
    return new ServiceFailure(410, "Gone", detail, java.util.List.of());
  }

}
