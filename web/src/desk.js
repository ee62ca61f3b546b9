// The desk: the door's live feed and numbers (both from the live stream), pairing phones (QR
// code), the table's pairings and devices with revoke.
import qrcode from 'qrcode-generator';
import { $, api, el, timeOf, Unreachable } from './api.js';
import { accepted, reasonText } from './decisions.js';

const TOKEN_KEY = 'matic.desk.token';
const FEED_MAX = 200;

let token = sessionStorage.getItem(TOKEN_KEY);
let table;
let stream;
const scans = new Map(); // scan id → scan, the feed's content
const statuses = new Map(); // column id → its latest numbers, from the stream's status events
let conflictsOfDevices = 0;
let devices = []; // the device list as last read
const pairingLabels = new Map(); // pairing id → its label, to name a guest's phone
let devicesTimer;

function show(...ids) {
  for (const id of ['signin', 'picker', 'door', 'devices']) $(id).hidden = !ids.includes(id);
}

async function call(path, options = {}) {
  const r = await api(path, { ...options, token });
  if (r.status === 401) {
    signIn('Your token was refused (expired, or from another identity provider). Paste a fresh one.');
    throw new Error('unauthorized');
  }
  return r;
}

function start() {
  // Supabase (and other OAuth implicit flows) redirect back with #access_token=…: keep it for
  // this tab only and take it out of the address bar.
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('access_token')) {
    token = hash.get('access_token');
    sessionStorage.setItem(TOKEN_KEY, token);
    history.replaceState(null, '', location.pathname + location.search);
  }
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token').value = '';
    route();
  });
  $('pair-form').addEventListener('submit', pair);
  $('pair-column').addEventListener('change', showNumbers);
  $('import-form').addEventListener('submit', importFile);
  $('import-mode').addEventListener('change', () => {
    const upsert = $('import-mode').value === 'upsert';
    $('import-key').hidden = !upsert;
    $('import-key-label').hidden = !upsert;
  });
  $('export-csv').addEventListener('click', () => download(`/api/tables/${table.id}/export?format=csv`, `${table.name}.csv`));
  $('export-xlsx').addEventListener('click', () => download(`/api/tables/${table.id}/export?format=xlsx`, `${table.name}.xlsx`));
  $('export-scans').addEventListener('click', () => download(`/api/scans/export?table_id=${table.id}&format=csv`, `${table.name} scans.csv`));
  route();
}

function signIn(message) {
  if (stream) stream.close();
  show('signin');
  $('signin-error').hidden = !message;
  $('signin-error').textContent = message || '';
}

async function route() {
  const tableId = new URLSearchParams(location.search).get('table');
  try {
    if (tableId) await openTable(tableId); else await pickTable();
  } catch (e) {
    if (e.message === 'unauthorized') return;
    $('stream-state').textContent = e instanceof Unreachable ? 'service unreachable' : String(e.message || e);
  }
}

async function pickTable() {
  show('picker');
  const workspaces = await call('/api/workspaces');
  const list = $('tables');
  list.replaceChildren();
  for (const workspace of workspaces.body?.workspaces || []) {
    const tables = await call(`/api/workspaces/${workspace.id}/tables`);
    for (const t of tables.body?.tables || []) {
      list.append(el('li', {}, el('a', { text: `${t.name}`, attrs: { href: `/desk?table=${t.id}` } }),
        el('span', { cls: 'small', text: `${workspace.name}` })));
    }
  }
  $('no-tables').hidden = list.children.length > 0;
}

async function openTable(tableId) {
  const r = await call(`/api/tables/${tableId}`);
  if (r.status !== 200) {
    show('picker');
    $('no-tables').hidden = false;
    $('no-tables').textContent = `Table ${tableId}: ${r.body?.detail || r.status}`;
    return;
  }
  table = r.body;
  $('table-name').textContent = table.name;
  document.title = `matic-scan · ${table.name}`;
  const columns = table.columns.filter((c) => c.column_type === 'barcode');
  $('pair-column').replaceChildren(...columns.map((c) => el('option', { text: c.label || c.name, attrs: { value: c.id } })));
  $('import-key').replaceChildren(...table.columns.map((c) => el('option', { text: c.label || c.name, attrs: { value: c.name } })));
  show('door', 'devices');
  connect();
  loadPairings();
  loadDevices();
}

// ---- the live feed --------------------------------------------------------------------

function connect() {
  // status=true: the stream also carries the door's numbers (status events), so the desk polls nothing.
  const query = `?status=true${token ? `&access_token=${encodeURIComponent(token)}` : ''}`;
  // EventSource reconnects by itself and sends Last-Event-ID: the stream replays what was missed.
  stream = new EventSource(`/api/tables/${table.id}/scans/stream${query}`);
  stream.addEventListener('open', () => state('live'));
  stream.addEventListener('error', () => state(stream.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting…'));
  stream.addEventListener('ready', () => { state('live'); loadHistory(); });
  stream.addEventListener('reset', () => loadHistory());
  stream.addEventListener('scan', (event) => {
    const scan = JSON.parse(event.data);
    add(scan);
    if (scan.device_id) deviceActive();
  });
  // A scan undone anywhere (a phone, another desk): its record with the undo filled in.
  stream.addEventListener('undone', (event) => add(JSON.parse(event.data), true));
  stream.addEventListener('status', (event) => {
    const numbers = JSON.parse(event.data);
    statuses.set(numbers.column_id, numbers);
    showNumbers();
  });
  for (const ended of ['overflow', 'shutdown']) {
    stream.addEventListener(ended, () => { stream.close(); state('reconnecting…'); setTimeout(connect, 1000); });
  }
}

function state(text) {
  $('stream-state').textContent = text;
}

async function loadHistory() {
  const r = await call(`/api/scans?table_id=${table.id}&limit=100`);
  if (r.status === 200) for (const scan of r.body.scans) add(scan, true);
}

function add(scan, quiet) {
  scans.set(scan.id, scan);
  if (scans.size > FEED_MAX * 2) {
    const oldest = [...scans.values()].sort(byTime).slice(0, scans.size - FEED_MAX);
    for (const s of oldest) scans.delete(s.id);
  }
  render();
  if (!quiet) $('feed').firstElementChild?.classList.add('fresh');
}

function byTime(a, b) {
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
}

function render() {
  const ordered = [...scans.values()].sort(byTime).reverse();
  $('feed').replaceChildren(...ordered.slice(0, FEED_MAX).map((scan) => {
    const ok = accepted(scan);
    const row = scan.matched_rows?.[0]?.data;
    const cells = row ? Object.entries(row).filter(([, v]) => v !== null && v !== '' && String(v) !== scan.barcode).slice(0, 3).map(([, v]) => v).join(' · ') : '';
    const undone = Boolean(scan.undo);
    let undo = null;
    if (ok && !undone) {
      undo = el('button', { cls: 'quiet undo', text: 'Undo', attrs: { type: 'button', 'data-id': scan.id } });
      undo.addEventListener('click', () => undoScan(scan));
    }
    // A conflict: let in offline where the service would have refused; the desk settles it.
    const conflict = scan.conflict;
    const why = conflict ? ` · conflict: ${reasonText({ decision: conflict.reason, decision_detail: conflict })}`
      : ok ? '' : ` · ${reasonText(scan)}`;
    return el('li', { attrs: { 'data-id': scan.id, 'data-status': scan.status, 'data-decision': undone ? 'undone' : (scan.decision || ''),
      'data-conflict': conflict ? conflict.reason : '' } },
      el('span', { cls: `tag ${undone ? '' : conflict ? 'conflict' : ok ? 'ok' : 'bad'}`, text: undone ? 'UNDONE' : conflict ? 'CONFLICT' : ok ? 'OK' : 'NO' }),
      el('span', { cls: 'grow', text: `${scan.barcode}${cells ? ` · ${cells}` : ''}${why}` }),
      el('span', { cls: 'small', text: scan.device_id ? `${scan.source || ''}` : (scan.source || '') }),
      el('span', { text: timeOf(scan.scanned_at) }), undo);
  }));
}

/**
 * A live scan from a device: its line in the device list (scans, last seen) is behind; the list
 * is read again at most once a second however fast scans arrive.
 */
function deviceActive() {
  if (devicesTimer) return;
  devicesTimer = setTimeout(() => { devicesTimer = null; loadDevices(); }, 1000);
}

async function undoScan(scan) {
  const r = await call(`/api/scans/${scan.id}/undo`, { method: 'POST', body: { reason: 'undone at the desk' } });
  if (r.status === 200) {
    scans.set(r.body.id, r.body);
    render(); // the numbers follow on the stream
  } else {
    state(`undo refused: ${r.body?.detail || r.status}`);
  }
}

/** The numbers of the column picked for pairing (else the first barcode column), as the stream last sent them. */
function showNumbers() {
  const column = table.columns.find((c) => c.id === $('pair-column').value) || table.columns.find((c) => c.column_type === 'barcode');
  const s = column && statuses.get(column.id);
  if (s) {
    $('stat-accepted').textContent = String(s.accepted);
    $('stat-refused').textContent = String(s.refused);
    $('stat-inside').textContent = s.mode === 'entry_exit' ? String(s.inside) : `${s.rows_accepted}/${s.rows_in_scope}`;
    $('stat-inside-label').textContent = s.mode === 'entry_exit' ? 'inside' : 'checked in';
    $('stat-reasons').replaceChildren(...Object.entries(s.refused_by_reason || {}).filter(([, n]) => n > 0)
      .map(([reason, n]) => el('li', { cls: 'tag bad', text: `${reason.replaceAll('_', ' ')}: ${n}` })));
  }
  // Offline scans the service decided otherwise than the phone: the status's own count when it
  // has one, else the devices' (each device counts the conflicts its uploads caused).
  $('stat-conflicts').textContent = String(typeof s?.conflicts === 'number' ? s.conflicts : conflictsOfDevices);
}

// ---- pairing phones -------------------------------------------------------------------

async function pair(event) {
  event.preventDefault();
  const body = { column_id: $('pair-column').value };
  if ($('pair-label').value.trim()) body.label = $('pair-label').value.trim();
  const r = await call(`/api/tables/${table.id}/pairings`, { method: 'POST', body });
  if (r.status !== 201) {
    $('pairing').hidden = false;
    $('pair-code').textContent = r.body?.detail || `refused (${r.status})`;
    return;
  }
  const qr = qrcode(0, 'M');
  qr.addData(r.body.claim_url);
  qr.make();
  const svg = new DOMParser().parseFromString(qr.createSvgTag({ cellSize: 6, margin: 4, scalable: true }), 'image/svg+xml');
  $('pair-qr').replaceChildren(document.importNode(svg.documentElement, true));
  $('pair-code').textContent = r.body.code;
  $('pair-url').textContent = r.body.claim_url;
  $('pair-url').href = r.body.claim_url;
  $('pairing').hidden = false;
  loadPairings();
}

async function loadPairings() {
  const r = await call(`/api/tables/${table.id}/pairings`);
  if (r.status !== 200) return;
  for (const p of r.body.pairings) if (p.label) pairingLabels.set(p.id, p.label);
  renderDevices();
  $('pairings').replaceChildren(...r.body.pairings.map((p) => {
    const revoke = el('button', { cls: 'quiet revoke', text: 'Revoke', attrs: { type: 'button', 'data-id': p.id } });
    revoke.disabled = p.status !== 'active';
    revoke.addEventListener('click', () => revokePairing(p.id));
    return el('li', { attrs: { 'data-id': p.id, 'data-status': p.status } },
      el('span', { cls: `tag ${p.status === 'active' ? 'ok' : ''}`, text: p.status }),
      el('span', { cls: 'grow', text: `${p.label || p.column_name || 'pairing'} · ${p.claims || 0} phone(s) · until ${timeOf(p.expires_at)}` }),
      revoke);
  }));
}

async function revokePairing(id) {
  await call(`/api/tables/${table.id}/pairings/${id}`, { method: 'DELETE' });
  loadPairings();
  loadDevices();
}

// ---- devices ----------------------------------------------------------------------------

/** The phones that scanned or synced on this table (GET /api/tables/{table_id}/devices). */
async function loadDevices() {
  const r = await call(`/api/tables/${table.id}/devices`);
  if (r.status !== 200) return;
  devices = r.body.devices || [];
  conflictsOfDevices = devices.reduce((sum, d) => sum + (d.conflicts_caused || 0), 0);
  renderDevices();
  showNumbers();
}

function renderDevices() {
  $('no-devices').hidden = devices.length > 0;
  $('device-list').replaceChildren(...devices.map((d) => {
    const revoke = el('button', { cls: 'quiet revoke', text: 'Revoke', attrs: { type: 'button', 'data-id': d.device_id } });
    revoke.disabled = d.status !== 'active';
    revoke.addEventListener('click', () => revokeDevice(d.device_id));
    const name = d.label || pairingLabels.get(d.pairing_id) || d.device_id;
    const seen = d.last_seen_at ? ` · seen ${timeOf(d.last_seen_at)}` : '';
    const conflicts = d.conflicts_caused ? ` · ${d.conflicts_caused} conflict(s)` : '';
    return el('li', { attrs: { 'data-id': d.device_id, 'data-status': d.status } },
      el('span', { cls: `tag ${d.status === 'active' ? 'ok' : ''}`, text: d.status }),
      el('span', { cls: 'grow', text: `${name} · ${d.kind} · ${d.scans_uploaded || 0} scan(s)${conflicts}${seen}` }),
      revoke);
  }));
}

async function revokeDevice(deviceId) {
  const r = await call(`/api/tables/${table.id}/devices/${encodeURIComponent(deviceId)}`, { method: 'DELETE' });
  if (r.status !== 200) state(`revoke refused: ${r.body?.detail || r.status}`);
  loadDevices();
}

// ---- import and export ----------------------------------------------------------------

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Uploads the file as the import's body (streamed by the service), then follows the job. */
async function importFile(event) {
  event.preventDefault();
  const file = $('import-file').files[0];
  if (!file) return;
  const xlsx = file.name.toLowerCase().endsWith('.xlsx');
  const query = new URLSearchParams({ format: xlsx ? 'xlsx' : 'csv', mode: $('import-mode').value });
  if ($('import-mode').value === 'upsert') query.set('key', $('import-key').value);
  const status = $('import-status');
  status.textContent = `Uploading ${file.name}…`;
  $('import-button').disabled = true;
  try {
    const response = await fetch(`/api/tables/${table.id}/import?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': xlsx ? XLSX : 'text/csv', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: file,
    });
    const job = await response.json().catch(() => ({}));
    if (response.status !== 200 && response.status !== 202) {
      status.textContent = `Import refused: ${job.detail || response.status}`;
      return;
    }
    await follow(job);
  } catch (e) {
    status.textContent = `Import failed: ${e.message || e}`;
  } finally {
    $('import-button').disabled = false;
  }
}

async function follow(job) {
  const status = $('import-status');
  for (;;) {
    status.textContent = progressText(job);
    if (job.status === 'succeeded' || job.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const r = await call(`/api/imports/${job.id}`);
    if (r.status !== 200) { status.textContent = `Import: ${r.body?.detail || r.status}`; return; }
    job = r.body;
  }
  const report = job.report || {};
  const counts = ['inserted', 'updated', 'archived'].filter((k) => typeof report[k] === 'number')
    .map((k) => `${report[k]} ${k}`).join(', ');
  status.textContent = job.status === 'succeeded'
    ? `Import succeeded${counts ? `: ${counts}` : ''}.`
    : `Import failed, nothing was written: ${report.failure || ''} ${(report.errors || []).slice(0, 3)
      .map((e) => `line ${e.line}${e.column ? ` (${e.column})` : ''}: ${e.message}`).join('; ')}`.trim();
  $('import-status').dataset.status = job.status;
}

/** A running job: reading and checking the file (nothing written yet), then applying it in chunks. */
function progressText(job) {
  if (job.status === 'running' && job.apply_phase === 'archiving') {
    return 'Import running: archiving the rows the file no longer has…';
  }
  if (job.status === 'running' && job.apply_phase === 'applying') {
    return `Import running: ${job.rows_applied} of ${job.rows_staged} rows applied`;
  }
  return `Import ${job.status}: ${job.rows_read} rows read, ${job.rows_staged} ready, ${job.error_count} errors`;
}

/** Downloads with the token in the header (a plain link cannot carry it). */
async function download(path, name) {
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (response.status === 401) { signIn('Your token was refused. Paste a fresh one.'); return; }
  if (!response.ok) { $('import-status').textContent = `Export: ${response.status}`; return; }
  const url = URL.createObjectURL(await response.blob());
  const link = el('a', { attrs: { href: url, download: name } });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

start();
