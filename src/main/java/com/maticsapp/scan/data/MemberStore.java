package com.maticsapp.scan.data;

import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.UUID;

/**
 * Workspace members and their roles. A workspace always keeps at least one owner: the
 * statements that demote or remove a member refuse to touch the last one.
 */
final class MemberStore {

  static final String SELECT_MEMBERS = """
      SELECT user_id, role, added_by, created_at, updated_at
      FROM workspace_members WHERE workspace_id = $1
      ORDER BY created_at, user_id
      LIMIT $2
      """;

  /**
   * Adds a member or changes their role; not when that would leave the workspace without an
   * owner. Reports whether the row was written and whether it is new.
   */
  static final String UPSERT_MEMBER = """
      WITH owners AS (
        SELECT count(*) AS n FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'
      ), written AS (
        INSERT INTO workspace_members AS m (workspace_id, user_id, role, added_by) VALUES ($1, $2, $3, $4)
        ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role, updated_at = now()
          WHERE NOT (m.role = 'owner' AND EXCLUDED.role <> 'owner' AND (SELECT n FROM owners) <= 1)
        RETURNING m.user_id, m.role, m.added_by, m.created_at, m.updated_at, (xmax = 0) AS inserted
      )
      SELECT w.* FROM (SELECT 1) AS one LEFT JOIN written w ON true
      """;

  static final String DELETE_MEMBER = """
      WITH target AS (
        SELECT role, (SELECT count(*) FROM workspace_members WHERE workspace_id = $1 AND role = 'owner') AS owners
        FROM workspace_members WHERE workspace_id = $1 AND user_id = $2
      ), removed AS (
        DELETE FROM workspace_members m USING target
        WHERE m.workspace_id = $1 AND m.user_id = $2 AND NOT (target.role = 'owner' AND target.owners <= 1)
        RETURNING m.user_id
      )
      SELECT (SELECT role FROM target) AS role, (SELECT count(*) FROM removed) AS removed
      """;

  private final SqlClient client;

  MemberStore(SqlClient client) {
    this.client = client;
  }

  Future<JsonObject> list(UUID workspaceId, int limit) {
    return client.preparedQuery(SELECT_MEMBERS).execute(Tuple.of(workspaceId, limit)).map(rows -> {
      JsonArray members = new JsonArray();
      rows.forEach(row -> members.add(toJson(row)));
      return new JsonObject().put("members", members);
    });
  }

  /** {@code {created, member}}; 409 when it would demote the last owner. */
  Future<JsonObject> put(UUID workspaceId, String userId, String role, String addedBy) {
    return client.preparedQuery(UPSERT_MEMBER).execute(Tuple.of(workspaceId, userId, role, addedBy)).map(rows -> {
      Row row = rows.iterator().next();
      if (row.getString("user_id") == null) {
        throw ServiceFailure.conflict("user " + userId + " is the workspace's last owner; make someone else owner first");
      }
      return new JsonObject().put("created", row.getBoolean("inserted")).put("member", toJson(row));
    });
  }

  /** 404 when not a member, 409 for the last owner. */
  Future<Void> remove(UUID workspaceId, String userId) {
    return client.preparedQuery(DELETE_MEMBER).execute(Tuple.of(workspaceId, userId)).map(rows -> {
      Row row = rows.iterator().next();
      if (row.getString("role") == null) {
        throw ServiceFailure.notFound("user " + userId + " is not a member of this workspace");
      }
      if (row.getLong("removed") == 0) {
        throw ServiceFailure.conflict("user " + userId + " is the workspace's last owner; make someone else owner first");
      }
      return null;
    });
  }

  private static JsonObject toJson(Row row) {
    return new JsonObject()
        .put("user_id", row.getString("user_id"))
        .put("role", row.getString("role"))
        .put("added_by", row.getString("added_by"))
        .put("created_at", SqlValues.time(row, "created_at"))
        .put("updated_at", SqlValues.time(row, "updated_at"));
  }
}
