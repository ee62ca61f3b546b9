package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.contract.ServiceFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Changing what a table is: deleting rows and tables for real, a workspace's retention of
 * history copies (docs/security.md), renaming a table, adding and removing columns.
 */
final class ErasureRoutes {

  private final DataClient data;
  private final Responses responses;
  private final int jsonMaxDepth;

  ErasureRoutes(DataClient data, Responses responses, int jsonMaxDepth) {
    this.data = data;
    this.responses = responses;
    this.jsonMaxDepth = jsonMaxDepth;
  }

  /** DELETE /api/tables/:table_id/rows/:row_id */
  void deleteRow(RoutingContext ctx) {
    String rowId = Requests.pathId(ctx, "row_id").toString();
    JsonObject request = new JsonObject().put("table_id", Requests.pathId(ctx, "table_id").toString())
        .put("row_ids", new JsonArray().add(rowId));
    data.request(ctx, Addresses.ROWS_DELETE, request).onComplete(outcome -> {
      if (outcome.failed()) {
        responses.failure(ctx, outcome.cause());
      } else if (outcome.result().getLong("deleted") == 0) {
        responses.problem(ctx, ServiceFailure.notFound("row " + rowId + " does not exist in this table"));
      } else {
        responses.json(ctx, 200, outcome.result());
      }
    });
  }

  /** POST /api/tables/:table_id/rows/delete {row_ids} */
  void deleteRows(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, jsonMaxDepth);
    data.forward(ctx, Addresses.ROWS_DELETE, body.copy().put("table_id", Requests.pathId(ctx, "table_id").toString()), 200);
  }

  /** DELETE /api/tables/:table_id */
  void deleteTable(RoutingContext ctx) {
    data.forward(ctx, Addresses.TABLES_DELETE, new JsonObject().put("table_id", Requests.pathId(ctx, "table_id").toString()), 200);
  }

  /** PUT /api/workspaces/:workspace_id/retention {history_copies_days} */
  void setRetention(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, jsonMaxDepth);
    data.forward(ctx, Addresses.WORKSPACES_RETENTION,
        body.copy().put("workspace_id", Requests.pathId(ctx, "workspace_id").toString()), 200);
  }

  /** PATCH /api/tables/:table_id {name} */
  void renameTable(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, jsonMaxDepth);
    data.forward(ctx, Addresses.TABLES_UPDATE, body.copy().put("table_id", Requests.pathId(ctx, "table_id").toString()), 200);
  }

  /** POST /api/tables/:table_id/columns {name, label?, column_type, settings?, position?} */
  void addColumn(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, jsonMaxDepth);
    data.forward(ctx, Addresses.COLUMNS_ADD, body.copy().put("table_id", Requests.pathId(ctx, "table_id").toString()), 201);
  }

  /** DELETE /api/tables/:table_id/columns/:column_id */
  void removeColumn(RoutingContext ctx) {
    data.forward(ctx, Addresses.COLUMNS_REMOVE, new JsonObject().put("table_id", Requests.pathId(ctx, "table_id").toString())
        .put("column_id", Requests.pathId(ctx, "column_id").toString()), 200);
  }
}
