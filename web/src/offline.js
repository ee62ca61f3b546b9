// Offline decisions: the phone keeps a copy of its column (the snapshot, brought up to date with
// deltas, docs/offline.md) and decides with the shared reference rules (rules.js) when the
// service cannot be reached. Each scan decided here changes the copy as the service would (a
// once ticket accepted offline is refused offline the second time); the service's own decision,
// when the scan syncs, is the one that counts, and a difference is shown as a conflict.
import { api, Unreachable } from './api.js';
import { applyAccepted, decide } from './rules.js';
import { reasonText } from './decisions.js';
import * as queue from './queue.js';

/** How often the copy is brought up to date while online. */
const REFRESH_MS = 30000;
let refreshing = false;

function snapshotPath(pairing) {
  return `/api/tables/${pairing.table.id}/columns/${pairing.column.id}/snapshot`;
}

/** Downloads the column's copy, or its delta since the copy's cursor; true when the copy is current. */
export async function refreshCopy(pairing, deviceId) {
  if (refreshing || !pairing || !pairing.token) return false;
  refreshing = true;
  try {
    const copy = await queue.copy(pairing.column.id);
    const query = new URLSearchParams({ device_id: deviceId });
    if (copy && copy.pairing_id === pairing.pairing_id) {
      const r = await api(`${snapshotPath(pairing)}?${query}&since=${encodeURIComponent(copy.cursor)}`, { token: pairing.token });
      if (r.status === 200) {
        applyDelta(copy, r.body);
        await queue.saveCopy(copy);
        return true;
      }
      if (r.status !== 410) return false; // 410: the copy cannot be brought up to date; take a new one
    }
    const r = await api(`${snapshotPath(pairing)}?${query}`, { token: pairing.token });
    if (r.status !== 200) return false;
    await queue.saveCopy({ ...r.body, column_id: pairing.column.id, pairing_id: pairing.pairing_id });
    return true;
  } catch (e) {
    if (e instanceof Unreachable) return false;
    throw e;
  } finally {
    refreshing = false;
  }
}

/** Keeps the copy current while the page is open and online; onCopy(rows) after each refresh. */
export function keepCopyCurrent(pairing, deviceId, onCopy) {
  const refresh = async () => {
    const current = pairing();
    if (!current) return;
    if (navigator.onLine) await refreshCopy(current, deviceId);
    const copy = await queue.copy(current.column.id);
    if (copy) onCopy(copy.rows.length);
  };
  refresh();
  setInterval(refresh, REFRESH_MS);
}

/** docs/offline.md: replace rows by id, drop removed rows, drop removed values; keep column and cursor. */
function applyDelta(copy, delta) {
  const byId = new Map(copy.rows.map((row) => [row.id, row]));
  for (const row of delta.rows || []) byId.set(row.id, row);
  for (const id of delta.removed_rows || []) byId.delete(id);
  for (const { row_id: id, value } of delta.removed_values || []) {
    const row = byId.get(id);
    if (row) row.values = row.values.filter((v) => v !== value);
  }
  copy.rows = [...byId.values()];
  copy.column = delta.column || copy.column;
  copy.cursor = delta.cursor;
  copy.server_time = delta.server_time;
}

/**
 * The decision for a scan the service could not be asked about, from the copy; null when the
 * phone has no copy of the column yet.
 */
export async function decideOffline(pairing, request) {
  const copy = pairing && await queue.copy(pairing.column.id);
  if (!copy) return null;
  const scan = { ...request, scanned_by: pairing.scanner_name };
  const now = new Date().toISOString();
  const outcome = decide(copy, scan, now);
  applyAccepted(copy, outcome, scan, now);
  await queue.saveCopy(copy);
  const row = copy.rows.find((r) => outcome.row_ids && r.id === outcome.row_ids[0]);
  const decided = { decision: outcome.decision, direction: outcome.direction,
    decision_detail: outcome.earlier_scan ? { earlier_scan: outcome.earlier_scan } : null };
  return {
    accepted: outcome.decision === 'accepted',
    decision: outcome.decision,
    direction: outcome.direction ?? null,
    reason_text: reasonText(decided),
    cells: row ? row.cells : null,
  };
}
