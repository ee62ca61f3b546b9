// Compiled with the generated TypeScript client under tsc --strict (check.sh): the calls a web
// or React Native app makes, so a document change that breaks them fails the build.
import {
  Configuration,
  AccessApi,
  RowsApi,
  ScansApi,
  TablesApi,
  WorkspacesApi,
  type CreateRowRequest,
  type Scan,
} from '../../target/generated-clients/typescript';

export async function doorScenario(basePath: string, accessToken: string): Promise<Scan> {
  const config = new Configuration({ basePath, accessToken });
  const workspace = await new WorkspacesApi(config).createWorkspace({
    createWorkspaceRequest: { name: 'Front door', slug: 'front-door' },
  });
  const table = await new TablesApi(config).createTable({
    createTableRequest: {
      workspaceId: workspace.id,
      name: 'Guests',
      columns: [
        { name: 'code', columnType: 'barcode' },
        { name: 'seats', columnType: 'number' },
      ],
    },
  });
  // Cells take any JSON value; null clears one.
  const row: CreateRowRequest = { data: { code: 'A-1', seats: 2, vip: true, note: null } };
  const created = await new RowsApi(config).createRow({ tableId: table.id, createRowRequest: row });
  await new RowsApi(config).updateRow({ tableId: table.id, rowId: created.id, updateRowRequest: { data: { note: null } } });
  const found = await new RowsApi(config).searchRows({ tableId: table.id, columnName: 'code', value: 'A-1' });
  const pairing = await new AccessApi(config).openPairing({ tableId: table.id, openPairingRequest: { columnName: 'code' } });
  const guest = await new AccessApi(new Configuration({ basePath })).claimPairing({
    claimPairingRequest: { code: pairing.code, scannerName: 'Phone 1' },
  });
  const phone = new ScansApi(new Configuration({ basePath, accessToken: guest.token }));
  const scan = await phone.recordScan({
    scanRequest: { tableId: table.id, columnName: 'code', barcode: found.rows[0]?.id ?? 'A-1' },
  });
  const when: Date = scan.scannedAt;
  return when.getTime() > 0 ? scan : scan;
}
