package com.maticsapp.scan.auth;

import java.util.UUID;

/**
 * Who is asking, as proven by their token ({@link Authenticator}): a user of the identity
 * provider, or a guest holding a token for one pairing. Every operation is done on behalf of
 * a caller; the acting user recorded in {@code created_by} is {@link #actor()}, never anything
 * the request body says.
 *
 * @param userId the token's {@code sub}; null for a guest
 * @param email  the token's {@code email} claim, when it has one
 * @param role   the identity provider's {@code role} claim (e.g. {@code authenticated}), not a
 *               workspace role
 * @param guest  the pairing a guest token was issued for; null for a user
 */
public record Caller(String userId, String email, String role, Guest guest) {

  /**
   * What a guest token carries: one pairing, one table, one barcode column, the scanner's name,
   * and the device that claimed it (revoking that device ends the token; null in tokens issued
   * before devices were recorded).
   */
  public record Guest(UUID pairingId, UUID tableId, UUID columnId, String scannerName, String scannerEmail,
                      String deviceId) {

    public Guest(UUID pairingId, UUID tableId, UUID columnId, String scannerName, String scannerEmail) {
      this(pairingId, tableId, columnId, scannerName, scannerEmail, null);
    }
  }

  public static Caller user(String userId, String email, String role) {
    return new Caller(userId, email, role, null);
  }

  public static Caller guest(Guest guest) {
    return new Caller(null, null, null, guest);
  }

  public boolean isGuest() {
    return guest != null;
  }

  /** The author recorded with what this caller writes: the user id, or {@code guest:<pairing id>}. */
  public String actor() {
    return guest == null ? userId : "guest:" + guest.pairingId();
  }

  /** The user id the access statements look up in workspace_members; null for a guest. */
  public String memberId() {
    return userId;
  }

  /** The device a guest token is bound to, which the access statements check; null for a user. */
  public String deviceId() {
    return guest == null ? null : guest.deviceId();
  }

  /** The pairing the access statements check; null for a user. */
  public UUID pairingId() {
    return guest == null ? null : guest.pairingId();
  }
}
