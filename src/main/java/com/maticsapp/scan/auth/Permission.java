package com.maticsapp.scan.auth;

import com.maticsapp.scan.contract.ServiceFailure;

import java.util.UUID;

/**
 * What an operation needs, and the one place that decides whether a caller's role on a table
 * or workspace grants it. Workspace roles are ranked: owner ⊃ editor ⊃ scanner ⊃ viewer.
 * Guests may only look up, record scans and sync the offline copy, on their pairing's column.
 *
 * <p>The role comes from the statement that does the work ({@code matic_access} in the V3
 * migration), so the check and the data are read at the same moment.
 */
public enum Permission {
  /** Rows, search, scan history, the live stream, members list. */
  READ(4, false),
  /** A barcode lookup: readers, and guests on their column. */
  LOOKUP(4, true),
  /** A barcode column's offline snapshot and its deltas: readers, and guests on their column. */
  SNAPSHOT(4, true),
  /** Recording scans: scanners and up, and guests on their column. */
  SCAN(3, true),
  /** Tables, rows, pairings. */
  EDIT(2, false),
  /** Adding, changing and removing members. */
  MANAGE_MEMBERS(1, false);

  /** The lowest rank (1 = owner … 4 = viewer) that holds this permission. */
  private final int lowestRank;
  private final boolean guests;

  Permission(int lowestRank, boolean guests) {
    this.lowestRank = lowestRank;
    this.guests = guests;
  }

  /**
   * The member roles that hold this permission, for statements that decide in SQL (bound as a
   * parameter, so the SQL cannot disagree with this enum).
   */
  public String[] roles() {
    return java.util.stream.Stream.of("owner", "editor", "scanner", "viewer")
        .filter(role -> rank(role) <= lowestRank).toArray(String[]::new);
  }

  /** 1 for owner … 4 for viewer; 0 for anything else. */
  public static int rank(String role) {
    if (role == null) {
      return 0;
    }
    return switch (role) {
      case "owner" -> 1;
      case "editor" -> 2;
      case "scanner" -> 3;
      case "viewer" -> 4;
      default -> 0;
    };
  }

  /**
   * Null when {@code role} grants this permission; otherwise the failure to answer:
   * 404 when there is no role at all (the thing's existence is not revealed to non-members),
   * 401 when a guest's pairing ended, 403 when the role is too low or a guest used another column.
   *
   * @param role     the caller's role as the access statement reported it (see {@code matic_access})
   * @param columnId the column the operation resolved (guests are bound to one); null if none
   * @param notFound the 404 detail, e.g. "table … does not exist"
   */
  public ServiceFailure check(String role, UUID columnId, String notFound) {
    if (role == null) {
      return ServiceFailure.notFound(notFound);
    }
    if (role.equals("ended")) {
      return ServiceFailure.unauthorized("the pairing this guest token belongs to (or the device it was claimed on) was revoked, or it expired");
    }
    if (role.startsWith("guest:")) {
      if (!guests) {
        return ServiceFailure.forbidden("a guest token may only look up, scan and sync its column");
      }
      if (columnId != null && !role.substring("guest:".length()).equals(columnId.toString())) {
        return ServiceFailure.forbidden("this guest token is for another column of the table");
      }
      return null;
    }
    int rank = rank(role);
    if (rank == 0 || rank > lowestRank) {
      return ServiceFailure.forbidden("your role in this workspace (" + role + ") does not allow this");
    }
    return null;
  }

  /** Throwing form of {@link #check}. */
  public void require(String role, UUID columnId, String notFound) {
    ServiceFailure failure = check(role, columnId, notFound);
    if (failure != null) {
      throw failure;
    }
  }

  /** Guests are refused everything but lookups and scans before any statement runs. */
  public void requireCallerKind(Caller caller) {
    if (caller.isGuest() && !guests) {
      throw ServiceFailure.forbidden("a guest token may only look up, scan and sync its column");
    }
  }
}
