package com.maticsapp.scan.http;

import com.maticsapp.scan.contract.Addresses;
import com.maticsapp.scan.config.AppConfig;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Handlers for workspaces, tables and rows: read what is HTTP's (a strict JSON body, path ids,
 * query parameters), ask the data verticle, which validates the request, and answer.
 */
final class TableRoutes {

  private final DataClient data;
  private final AppConfig.LimitsConfig limits;

  TableRoutes(DataClient data, AppConfig.LimitsConfig limits) {
    this.data = data;
    this.limits = limits;
  }

  /** POST /api/workspaces */
  void createWorkspace(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth());
    data.forward(ctx, Addresses.WORKSPACES_CREATE, body, 201);
  }

  /** GET /api/workspaces/:workspace_id/tables?limit&after */
  void listTables(RoutingContext ctx) {
    JsonObject query = new JsonObject()
        .put("workspace_id", Requests.pathId(ctx, "workspace_id").toString())
        .put("limit", Requests.intParam(ctx, "limit", 1, limits.pageMaxRows()))
        .put("after", ctx.queryParams().get("after"))
        .put("archived", Requests.boolParam(ctx, "archived"));
    data.forward(ctx, Addresses.TABLES_LIST, query, 200);
  }

  /** POST /api/tables */
  void createTable(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth());
    data.forward(ctx, Addresses.TABLES_CREATE, body, 201);
  }

  /** GET /api/tables/:table_id */
  void getTable(RoutingContext ctx) {
    data.forward(ctx, Addresses.TABLES_GET, tableRef(ctx), 200);
  }

  /** PATCH /api/tables/:table_id/columns/:column_id: settings only (scan rules, normalisation). */
  void updateColumn(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth());
    data.forward(ctx, Addresses.COLUMNS_UPDATE, body.mergeIn(tableRef(ctx)
        .put("column_id", Requests.pathId(ctx, "column_id").toString())), 200);
  }

  /** POST /api/tables/:table_id/rows */
  void createRow(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth());
    data.forward(ctx, Addresses.ROWS_CREATE, tableRef(ctx).put("data", body.getValue("data")), 201);
  }

  /** POST /api/tables/:table_id/rows/bulk */
  void createRows(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth());
    data.forward(ctx, Addresses.ROWS_BULK_CREATE, tableRef(ctx).put("rows", body.getValue("rows")), 201);
  }

  /** GET /api/tables/:table_id/rows?limit&after&include_archived */
  void listRows(RoutingContext ctx) {
    JsonObject query = tableRef(ctx)
        .put("limit", Requests.intParam(ctx, "limit", 1, limits.pageMaxRows()))
        .put("after", ctx.queryParams().get("after"))
        .put("include_archived", Requests.boolParam(ctx, "include_archived"));
    data.forward(ctx, Addresses.ROWS_LIST, query, 200);
  }

  /** GET /api/tables/:table_id/rows/:row_id */
  void getRow(RoutingContext ctx) {
    data.forward(ctx, Addresses.ROWS_GET, rowRef(ctx), 200);
  }

  /** PATCH /api/tables/:table_id/rows/:row_id */
  void updateRow(RoutingContext ctx) {
    JsonObject body = Requests.body(ctx, limits.jsonMaxDepth());
    data.forward(ctx, Addresses.ROWS_UPDATE, body.mergeIn(rowRef(ctx)), 200);
  }

  private static JsonObject tableRef(RoutingContext ctx) {
    return new JsonObject().put("table_id", Requests.pathId(ctx, "table_id").toString());
  }

  private static JsonObject rowRef(RoutingContext ctx) {
    return tableRef(ctx).put("row_id", Requests.pathId(ctx, "row_id").toString());
  }
}
