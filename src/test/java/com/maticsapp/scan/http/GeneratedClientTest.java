package com.maticsapp.scan.http;

import com.google.gson.ToNumberPolicy;
import com.maticsapp.scan.client.ApiClient;
import com.maticsapp.scan.client.ApiException;
import com.maticsapp.scan.client.ApiResponse;
import com.maticsapp.scan.client.JSON;
import com.maticsapp.scan.client.api.AccessApi;
import com.maticsapp.scan.client.api.RowsApi;
import com.maticsapp.scan.client.api.ScansApi;
import com.maticsapp.scan.client.api.TablesApi;
import com.maticsapp.scan.client.api.WorkspacesApi;
import com.maticsapp.scan.client.auth.HttpBearerAuth;
import com.maticsapp.scan.client.model.BatchResult;
import com.maticsapp.scan.client.model.BatchResultItem;
import com.maticsapp.scan.client.model.BatchScanRequest;
import com.maticsapp.scan.client.model.BulkCreateRowsRequest;
import com.maticsapp.scan.client.model.ClaimPairingRequest;
import com.maticsapp.scan.client.model.Column;
import com.maticsapp.scan.client.model.ColumnDefinition;
import com.maticsapp.scan.client.model.ColumnType;
import com.maticsapp.scan.client.model.CreateRowRequest;
import com.maticsapp.scan.client.model.CreateTableRequest;
import com.maticsapp.scan.client.model.CreateWorkspaceRequest;
import com.maticsapp.scan.client.model.GuestToken;
import com.maticsapp.scan.client.model.LookupResult;
import com.maticsapp.scan.client.model.Normalization;
import com.maticsapp.scan.client.model.OpenPairingRequest;
import com.maticsapp.scan.client.model.OpenedPairing;
import com.maticsapp.scan.client.model.Role;
import com.maticsapp.scan.client.model.Row;
import com.maticsapp.scan.client.model.Scan;
import com.maticsapp.scan.client.model.ScanPage;
import com.maticsapp.scan.client.model.ScanRequest;
import com.maticsapp.scan.client.model.Table;
import com.maticsapp.scan.client.model.UpdateRowRequest;
import com.maticsapp.scan.client.model.Workspace;
import com.maticsapp.scan.support.RunningService;
import com.maticsapp.scan.support.ServiceTest;
import com.maticsapp.scan.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Java client the build generates from openapi.yaml (okhttp-gson, what Android projects
 * get), driven through what a phone app and its desk do, against the running service: Gson
 * refuses any property a model does not declare, so every answer here must match the document.
 */
class GeneratedClientTest extends ServiceTest {

  @Test
  void aWholeDoorScenarioRunsThroughTheGeneratedClient() throws ApiException {
    // Cells are free-form values (Object): whole numbers stay Long instead of Gson's Double.
    JSON.setGson(JSON.getGson().newBuilder().setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE).create());
    ApiClient desk = client(Tokens.user(RunningService.USER));

    Workspace workspace = new WorkspacesApi(desk).createWorkspace(new CreateWorkspaceRequest()
        .name("Front door").slug("door-" + UUID.randomUUID().toString().substring(0, 8)));
    assertThat(workspace.getRole()).isEqualTo(Role.OWNER);
    assertThat(workspace.getCreatedBy()).isEqualTo(RunningService.USER);

    Table table = new TablesApi(desk).createTable(new CreateTableRequest()
        .workspaceId(workspace.getId())
        .name("Guests")
        .columns(List.of(
            new ColumnDefinition().name("code").columnType(ColumnType.BARCODE),
            new ColumnDefinition().name("name").columnType(ColumnType.TEXT),
            new ColumnDefinition().name("seats").columnType(ColumnType.NUMBER))));
    assertThat(table.getCreatedBy()).isEqualTo(RunningService.USER);
    assertThat(column(table, "code").getSettings().getNormalization()).isEqualTo(Normalization.EXACT);
    // The generated model sends no normalization it was not given: the text column has none.
    assertThat(column(table, "name").getSettings().getNormalization()).isNull();

    RowsApi rows = new RowsApi(desk);
    Row ada = rows.createRow(table.getId(), new CreateRowRequest().data(cells("code", "A-1", "name", "Ada", "seats", 12345)));
    assertThat(ada.getData()).containsEntry("seats", 12345L).containsEntry("name", "Ada");
    assertThat(ada.getCreatedBy()).isEqualTo(RunningService.USER);
    assertThat(rows.createRowsBulk(table.getId(), new BulkCreateRowsRequest().rows(List.of(
        new CreateRowRequest().data(cells("code", "B-2", "name", "Bob")),
        new CreateRowRequest().data(cells("code", "C-3", "name", "Cy"))))).getInserted()).isEqualTo(2);
    assertThat(rows.updateRow(table.getId(), ada.getId(), new UpdateRowRequest().data(cells("name", "Ada L."))).getData())
        .containsEntry("name", "Ada L.").containsEntry("code", "A-1");

    LookupResult lookup = rows.searchRows(" a-1 ", table.getId(), null, "code");
    assertThat(lookup.getNormalizedValue()).isEqualTo("a-1");
    assertThat(lookup.getRows()).extracting(row -> row.getId()).containsExactly(ada.getId());

    ScansApi scans = new ScansApi(desk);
    ScanRequest door = new ScanRequest().id(UUID.randomUUID()).tableId(table.getId()).columnName("code").barcode("A-1");
    ApiResponse<Scan> first = scans.recordScanWithHttpInfo(door);
    assertThat(first.getStatusCode()).isEqualTo(201);
    assertThat(first.getData().getStatus()).isEqualTo(Scan.StatusEnum.SUCCESS);
    assertThat(first.getData().getMatchedRowIds()).containsExactly(ada.getId());
    assertThat(first.getData().getPairingId()).isNull();
    ApiResponse<Scan> replay = scans.recordScanWithHttpInfo(door);
    assertThat(replay.getStatusCode()).as("a replay of the same id").isEqualTo(200);
    assertThat(replay.getData().getId()).isEqualTo(door.getId());

    BatchResult batch = scans.recordScanBatch(new BatchScanRequest().scans(List.of(
        new ScanRequest().tableId(table.getId()).columnName("code").barcode("B-2"),
        new ScanRequest().tableId(table.getId()).columnName("code").barcode("NOBODY"),
        new ScanRequest().tableId(table.getId()).columnName("name").barcode("Ada"))));
    assertThat(batch.getResults()).extracting(item -> item.getStatus().getValue()).containsExactly(201, 201, 422);
    BatchResultItem unmatched = batch.getResults().get(1);
    assertThat(unmatched.getScan().getStatus()).isEqualTo(Scan.StatusEnum.FAILURE);
    assertThat(batch.getResults().get(2).getError().getErrors()).isNotEmpty();

    ScanPage history = scans.listScans(table.getId(), null, null, 10, null);
    assertThat(history.getScans()).hasSize(3);
    assertThat(history.getNextCursor()).isNull();

    AccessApi access = new AccessApi(desk);
    OpenedPairing pairing = access.openPairing(table.getId(), new OpenPairingRequest().columnName("code").label("Door 1"));
    assertThat(pairing.getCode()).matches("[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}");
    assertThat(access.listPairings(table.getId()).getPairings()).extracting(p -> p.getId()).containsExactly(pairing.getId());

    GuestToken guest = new AccessApi(client(null)).claimPairing(new ClaimPairingRequest()
        .code(pairing.getCode()).scannerName("Phone 1"));
    assertThat(guest.getTable().getId()).isEqualTo(table.getId());
    assertThat(guest.getColumn().getName()).isEqualTo("code");
    ApiClient phone = client(guest.getToken());
    assertThat(new RowsApi(phone).searchRows("C-3", table.getId(), null, "code").getRows()).hasSize(1);
    Scan guestScan = new ScansApi(phone).recordScan(new ScanRequest().tableId(table.getId()).columnName("code").barcode("C-3"));
    assertThat(guestScan.getPairingId()).isEqualTo(pairing.getId());
    assertThat(guestScan.getStatus()).isEqualTo(Scan.StatusEnum.SUCCESS);
    assertThatThrownBy(() -> new TablesApi(phone).getTable(table.getId()))
        .as("a guest token opens nothing but lookups and scans")
        .isInstanceOfSatisfying(ApiException.class, refused -> assertThat(refused.getCode()).isIn(403, 404));
  }

  private ApiClient client(String token) {
    ApiClient client = new ApiClient();
    client.setBasePath("http://127.0.0.1:" + service.port());
    if (token != null) {
      // By scheme name: setBearerToken(String) would set the first bearer scheme, which may be adminToken.
      ((HttpBearerAuth) client.getAuthentication("bearerAuth")).setBearerToken(token);
    }
    return client;
  }

  private static Column column(Table table, String name) {
    return table.getColumns().stream().filter(column -> column.getName().equals(name)).findFirst().orElseThrow();
  }

  private static Map<String, Object> cells(Object... keysAndValues) {
    Map<String, Object> cells = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      cells.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return cells;
  }
}
