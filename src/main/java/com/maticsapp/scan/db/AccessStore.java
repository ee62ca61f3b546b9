package com.maticsapp.scan.db;

import com.maticsapp.scan.auth.Caller;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * The caller's role on a table or in a workspace, for the operations that check it in a
 * statement of its own: reads send it together with the read on the pipelined connection (one
 * round trip, the read's result is dropped when the role does not allow it); writes wait for it
 * before writing. Scans and lookups check the role inside their own statement instead.
 */
final class AccessStore {

  /** See {@code matic_role} (V3 migration): a role, 'guest:&lt;column&gt;', 'ended', or NULL. */
  static final String TABLE_ROLE = "SELECT matic_role($1, $2, $3) AS role";

  static final String WORKSPACE_ROLE = """
      SELECT (SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2) AS role
      """;

  private final SqlClient client;

  AccessStore(SqlClient client) {
    this.client = client;
  }

  Future<String> tableRole(UUID tableId, Caller caller) {
    return client.preparedQuery(TABLE_ROLE).execute(Tuple.of(tableId, caller.memberId(), caller.pairingId()))
        .map(rows -> rows.iterator().next().getString("role"));
  }

  Future<String> workspaceRole(UUID workspaceId, Caller caller) {
    if (caller.isGuest()) {
      return Future.succeededFuture(null);
    }
    return client.preparedQuery(WORKSPACE_ROLE).execute(Tuple.of(workspaceId, caller.memberId()))
        .map(rows -> rows.iterator().next().getString("role"));
  }
}
