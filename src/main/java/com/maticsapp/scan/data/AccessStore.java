package com.maticsapp.scan.data;

import com.maticsapp.scan.auth.Caller;
import com.maticsapp.scan.auth.Permission;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * The caller's role on a table or in a workspace, for the operations that check it in a
 * statement of its own: reads send it together with the read on the pipelined connection (one
 * round trip, the read's result is dropped when the role does not allow it); writes wait for it
 * before writing. Scans and lookups check the role inside their own statement instead.
 */
final class AccessStore {

  /** See {@code matic_access} (V3, V13_1 migrations): a role, 'guest:&lt;column&gt;', 'ended', or NULL. */
  static final String TABLE_ROLE = "SELECT role FROM matic_access($1, $2, $3, $4)";

  static final String WORKSPACE_ROLE = """
      SELECT (SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2) AS role
      """;

  private final SqlClient client;

  AccessStore(SqlClient client) {
    this.client = client;
  }

  Future<String> tableRole(UUID tableId, Caller caller) {
    return client.preparedQuery(TABLE_ROLE).execute(Tuple.of(tableId, caller.memberId(), caller.pairingId(), caller.deviceId()))
        .map(rows -> rows.iterator().next().getString("role"));
  }

  /**
   * {@code work} on a table, done for {@code caller} only if their role there grants
   * {@code needed}: the access statement and the work's statements are sent together on the
   * pipeline (one round trip), and the work's result — or failure — is handed out only once the
   * role allows it, so a caller without access learns nothing from it. Only for work that
   * writes nothing (reads), or whose writes are themselves conditioned on the role.
   */
  <T> Future<T> whenAllowed(Caller caller, UUID tableId, Permission needed, Supplier<Future<T>> work) {
    needed.requireCallerKind(caller);
    return guarded(tableRole(tableId, caller), needed, "table " + tableId + " does not exist", work);
  }

  /** The same for work in a workspace, by the caller's membership role there. */
  <T> Future<T> whenAllowedInWorkspace(Caller caller, UUID workspaceId, Permission needed, Supplier<Future<T>> work) {
    needed.requireCallerKind(caller);
    return guarded(workspaceRole(workspaceId, caller), needed, "workspace " + workspaceId + " does not exist", work);
  }

  private static <T> Future<T> guarded(Future<String> role, Permission needed, String notFound, Supplier<Future<T>> work) {
    Future<T> result = work.get();
    return Future.join(role, result).transform(done -> {
      if (role.failed()) {
        return Future.failedFuture(role.cause());
      }
      needed.require(role.result(), null, notFound);
      return result;
    });
  }

  Future<String> workspaceRole(UUID workspaceId, Caller caller) {
    if (caller.isGuest()) {
      return Future.succeededFuture(null);
    }
    return client.preparedQuery(WORKSPACE_ROLE).execute(Tuple.of(workspaceId, caller.memberId()))
        .map(rows -> rows.iterator().next().getString("role"));
  }
}
