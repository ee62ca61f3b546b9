// The phone: claims a pairing, scans (camera, keyboard wedge, typing), shows each decision full
// screen, and keeps every scan in a durable queue until the service has it (queue.js).
import { $, api, el, timeOf, Unreachable, uuid } from './api.js';
import * as queue from './queue.js';
import { Camera } from './scanner.js';
import { decideOffline, keepCopyCurrent, refreshCopy } from './offline.js';
import { accepted, decisionOf, reasonText } from './decisions.js';

const PAIRING_KEY = 'matic.pairing';
const DEVICE_KEY = 'matic.device';
const RECENT_KEY = 'matic.recent';
/** A scan sent online waits this long for the service before it counts as offline. */
const SEND_TIMEOUT_MS = 5000;
const RESULT_MS = 2500;
const MAX_BACKOFF_MS = 30000;
const BATCH_MAX = 500;

let pairing = load(PAIRING_KEY);
let recent = load(RECENT_KEY) || [];
let camera;
let online = navigator.onLine;
let syncing = false;
let backoffMs = 0;
let retryTimer;
let resultTimer;
let lastAccepted = null;
let copyKept = false;
let conflicts = 0;
const inflight = new Set();

function load(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch { return null; }
}
function save(key, value) {
  if (value === null) localStorage.removeItem(key); else localStorage.setItem(key, JSON.stringify(value));
}

function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) { id = `web-${uuid()}`; localStorage.setItem(DEVICE_KEY, id); }
  return id;
}

function show(section) {
  for (const id of ['claim', 'scanner', 'ended']) $(id).hidden = id !== section;
}

// ---- pairing --------------------------------------------------------------------------

function start() {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  }
  window.addEventListener('online', () => { setOnline(true); sync(); });
  window.addEventListener('offline', () => setOnline(false));
  $('claim-form').addEventListener('submit', claim);
  $('wedge-form').addEventListener('submit', typed);
  $('result').addEventListener('click', hideResult);
  $('camera-toggle').addEventListener('click', toggleCamera);
  $('unpair').addEventListener('click', unpair);
  $('undo').addEventListener('click', undoLast);
  $('ended-again').addEventListener('click', () => { save(PAIRING_KEY, null); pairing = null; claimScreen(''); });
  setOnline(online);
  if (code) {
    claimScreen(code);
  } else if (!pairing) {
    claimScreen('');
  } else if (Date.parse(pairing.expires_at) <= Date.now()) {
    ended('This pairing expired. Ask the desk for a new code.');
  } else {
    scannerScreen();
  }
  renderQueue();
  sync();
}

function claimScreen(code) {
  $('claim-code').value = code;
  const name = load(PAIRING_KEY)?.scanner_name || localStorage.getItem('matic.scanner-name') || '';
  $('claim-name').value = name;
  show('claim');
  (code ? $('claim-name') : $('claim-code')).focus();
}

async function claim(event) {
  event.preventDefault();
  const error = $('claim-error');
  error.hidden = true;
  const code = $('claim-code').value.trim();
  const scannerName = $('claim-name').value.trim();
  $('claim-submit').disabled = true;
  try {
    const r = await api('/api/pairings/claim', { method: 'POST', body: { code, scanner_name: scannerName } });
    if (r.status === 201) {
      pairing = { ...r.body, scanner_name: scannerName };
      save(PAIRING_KEY, pairing);
      localStorage.setItem('matic.scanner-name', scannerName);
      // The code was the credential: it leaves the address bar (and the history) now.
      history.replaceState(null, '', '/pair');
      scannerScreen();
      sync();
      return;
    }
    error.textContent = {
      404: 'That code is not known. Check it against the desk.',
      410: 'That pairing has expired or was revoked. Ask the desk for a new code.',
      429: 'Too many wrong codes from this phone. Wait a minute and try again.',
    }[r.status] || (r.body && r.body.detail) || `The service answered ${r.status}.`;
  } catch (e) {
    error.textContent = e instanceof Unreachable ? 'No connection to the service. Pairing needs the network once.' : String(e);
  } finally {
    $('claim-submit').disabled = false;
  }
  error.hidden = false;
}

function scannerScreen() {
  $('where').textContent = `${pairing.table?.name || 'Table'} · ${pairing.column?.name || ''} · ${pairing.scanner_name || ''}`;
  show('scanner');
  renderRecent();
  $('wedge').focus();
  if (!copyKept) {
    copyKept = true;
    keepCopyCurrent(() => pairing, deviceId(), (rows) => { $('copy-state').textContent = `Offline copy: ${rows} rows`; });
  }
  if (!camera) camera = new Camera($('video'), (code) => submit(code, 'camera'), (s) => { $('camera-state').textContent = s; });
  camera.start().then(() => { $('camera-toggle').textContent = camera.running ? 'Stop camera' : 'Start camera'; });
}

function toggleCamera() {
  if (camera.running) camera.stop(); else camera.start();
  setTimeout(() => { $('camera-toggle').textContent = camera.running ? 'Stop camera' : 'Start camera'; }, 0);
  $('wedge').focus();
}

function unpair() {
  if (camera) camera.stop();
  save(PAIRING_KEY, null);
  pairing = null;
  claimScreen('');
}

function ended(reason) {
  if (camera) camera.stop();
  $('ended-reason').textContent = reason;
  show('ended');
  queue.all().then((items) => {
    $('ended-queue').hidden = items.length === 0;
    $('ended-queue').textContent = `${items.length} scan(s) on this phone could not be sent with this pairing.`;
  });
}

// ---- scanning -------------------------------------------------------------------------

function typed(event) {
  event.preventDefault();
  const input = $('wedge');
  const value = input.value.trim();
  input.value = '';
  input.focus();
  // Bluetooth/USB scanners type the code and Enter into the focused field: this one.
  if (value) submit(value, 'keyboard');
}

async function submit(barcode, source) {
  if (!pairing) return;
  const request = {
    id: uuid(),
    table_id: pairing.table.id,
    column_id: pairing.column.id,
    barcode,
    scanned_at: new Date().toISOString(),
    source: `web-${source}`,
    device_id: deviceId(),
  };
  const item = { id: request.id, request, queued_at: Date.now() };
  await queue.put(item); // durable before anything is sent
  renderQueue();
  if (!online) { await decideLocally(item); return; }
  inflight.add(item.id);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SEND_TIMEOUT_MS);
  try {
    const r = await api('/api/scans', { method: 'POST', body: request, token: pairing.token, signal: abort.signal });
    if (r.status === 200 || r.status === 201) {
      await queue.remove(item.id);
      setOnline(true);
      verdict(r.body, false);
      refreshCopy(pairing, deviceId()); // the copy learns this decision from the next delta
    } else if (r.status === 401) {
      ended('The desk revoked this pairing, or it expired. Ask the desk for a new code.');
    } else if (r.status === 429 || r.status >= 500) {
      await decideLocally(item);
      retryLater();
    } else {
      await queue.remove(item.id);
      refused(barcode, r.body && r.body.detail ? r.body.detail : `refused (${r.status})`);
    }
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    setOnline(false);
    await decideLocally(item);
    retryLater();
  } finally {
    clearTimeout(timer);
    inflight.delete(item.id);
    renderQueue();
  }
}

/** No answer from the service: decide with the column's snapshot, if the phone has one. */
async function decideLocally(item) {
  const local = await decideOffline(pairing, item.request);
  if (local) {
    item.local = local;
    await queue.put(item);
  }
  const title = local ? (local.accepted ? 'OK' : 'NO') : 'SAVED';
  showResult(local ? (local.accepted ? 'ok' : 'bad') : 'wait', title,
    local ? `${local.reason_text} · decided offline, will sync` : `${item.request.barcode} · offline, will be checked when the phone is back online`,
    local ? local.cells : null);
  remember({ barcode: item.request.barcode, at: item.request.scanned_at, tag: 'queued',
    text: local ? `${local.reason_text} (offline) · waiting to sync` : 'waiting to sync' });
}

/** The service's decision on a scan, full screen. */
function verdict(scan, synced) {
  const row = scan.matched_rows && scan.matched_rows[0];
  const ok = accepted(scan);
  if (ok && !synced) {
    lastAccepted = scan;
    $('undo').hidden = false;
    $('undo').disabled = false;
  }
  const reason = reasonText(scan);
  if (!synced) {
    showResult(ok ? 'ok' : 'bad', ok ? 'OK' : 'NO', `${reason} · ${scan.barcode}`, row ? row.data : null);
  }
  remember({ id: scan.id, barcode: scan.barcode, at: scan.scanned_at, tag: ok ? 'ok' : 'bad', text: synced ? `${reason} (synced)` : reason });
}

/** Undoes the last scan this phone had accepted (the service decides whether it still may). */
async function undoLast() {
  if (!lastAccepted) return;
  const scan = lastAccepted;
  $('undo').disabled = true;
  try {
    const r = await api(`/api/scans/${scan.id}/undo`, { method: 'POST', body: { reason: 'undone on the phone' }, token: pairing.token });
    if (r.status === 200) {
      lastAccepted = null;
      $('undo').hidden = true;
      showResult('wait', 'UNDONE', `${scan.barcode} · the check-in was taken back`, null);
      remember({ id: scan.id, barcode: scan.barcode, at: scan.scanned_at, tag: 'undone', text: 'undone' });
    } else if (r.status === 401) {
      ended('The desk revoked this pairing, or it expired. Ask the desk for a new code.');
    } else {
      $('undo').disabled = false;
      showResult('bad', 'NOT UNDONE', (r.body && r.body.detail) || `refused (${r.status})`, null);
    }
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    $('undo').disabled = false;
    showResult('wait', 'OFFLINE', 'Undo needs the network: try again when the phone is online', null);
  }
}

function refused(barcode, detail) {
  showResult('bad', 'NO', detail, null);
  remember({ barcode, at: new Date().toISOString(), tag: 'bad', text: detail });
}

function showResult(kind, title, reason, cells) {
  const box = $('result');
  box.className = `result ${kind}`;
  $('result-title').textContent = title;
  $('result-reason').textContent = reason;
  const list = $('result-cells');
  list.replaceChildren();
  if (cells) {
    for (const [key, value] of Object.entries(cells).slice(0, 8)) {
      if (value === null || value === '') continue;
      list.append(el('dt', { text: key }), el('dd', { text: value }));
    }
  }
  box.hidden = false;
  feedback(kind);
  clearTimeout(resultTimer);
  resultTimer = setTimeout(hideResult, RESULT_MS);
}

function hideResult() {
  $('result').hidden = true;
  if (!$('scanner').hidden) $('wedge').focus();
}

let audio;
function feedback(kind) {
  if (navigator.vibrate) navigator.vibrate(kind === 'ok' ? 80 : [60, 60, 60, 60, 60]);
  try {
    audio = audio || new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = kind === 'ok' ? 880 : 220;
    gain.gain.value = 0.15;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + (kind === 'ok' ? 0.12 : 0.4));
  } catch { /* no sound allowed yet */ }
}

function remember(entry) {
  recent = [entry, ...recent.filter((e) => !entry.id || e.id !== entry.id)].slice(0, 15);
  save(RECENT_KEY, recent);
  renderRecent();
}

function renderRecent() {
  $('recent-list').replaceChildren(...recent.map((e) => el('li', {},
    el('span', { cls: `tag ${e.tag === 'conflict' ? 'bad' : e.tag}`, text: e.tag === 'ok' ? 'OK' : e.tag === 'bad' ? 'NO' : e.tag }),
    el('span', { cls: 'grow', text: `${e.barcode} · ${e.text}` }),
    el('span', { text: timeOf(e.at) }))));
}

// ---- queue and sync -------------------------------------------------------------------

async function renderQueue() {
  const items = await queue.all();
  $('queue-size').textContent = String(items.length);
  $('queue-count').textContent = `${items.length} to sync`;
  $('queue-count').hidden = items.length === 0;
  $('queue-list').replaceChildren(...items.map((item) => el('li', { attrs: { 'data-id': item.id } },
    el('span', { cls: `tag ${item.conflict ? 'bad' : ''}`, text: item.conflict ? 'conflict' : 'queued' }),
    el('span', { cls: 'grow', text: item.conflict ? `${item.request.barcode} · ${item.conflict}` : item.request.barcode }),
    el('span', { text: timeOf(item.request.scanned_at) }))));
}

function setOnline(value) {
  online = value;
  const pill = $('connection');
  pill.textContent = value ? 'Online' : 'Offline';
  pill.classList.toggle('offline', !value);
}

function retryLater() {
  clearTimeout(retryTimer);
  backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs ? backoffMs * 2 : 1000);
  const wait = backoffMs / 2 + Math.random() * backoffMs / 2; // jitter: phones at one door do not retry in step
  retryTimer = setTimeout(sync, wait);
}

/**
 * A queued scan as uploaded: what the door decided offline, if it did (with the direction it
 * decided), and the phone's clock now, so the service can correct the scan time for a wrong
 * clock (docs/offline.md).
 */
function uploaded(item) {
  const request = { ...item.request, device_time: new Date().toISOString() };
  if (item.local && item.local.decision !== 'invalid_barcode') {
    request.decided_offline = item.local.decision;
    if (item.local.direction && !request.direction) request.direction = item.local.direction;
  }
  return request;
}

/**
 * Sends every queued scan with the batch route. Each item is idempotent on its id, so a batch
 * repeated after a lost answer records nothing twice. Unsent items stay queued; a failure of
 * the whole request (offline, 5xx, 429) retries with exponential backoff.
 */
async function sync() {
  if (syncing || !pairing || !pairing.token) return;
  syncing = true;
  clearTimeout(retryTimer);
  try {
    const items = (await queue.all()).filter((i) => !i.conflict && !inflight.has(i.id));
    for (let start = 0; start < items.length; start += BATCH_MAX) {
      const chunk = items.slice(start, start + BATCH_MAX);
      const r = await api('/api/scans/batch', { method: 'POST', body: { scans: chunk.map(uploaded) }, token: pairing.token });
      if (r.status === 401) {
        ended('The desk revoked this pairing, or it expired. Ask the desk for a new code.');
        return;
      }
      if (r.status !== 200) {
        retryLater();
        return;
      }
      setOnline(true);
      for (const result of r.body.results) {
        const item = chunk[result.index];
        if (result.status === 200 || result.status === 201) {
          await queue.remove(item.id);
          verdict(result.scan, true);
          const conflict = result.scan.conflict;
          if (item.local && (conflict || item.local.decision !== decisionOf(result.scan))) {
            // Let in offline where the service would have refused (another door scanned it
            // first): recorded as it happened, and a conflict the desk settles. Or decided
            // offline one way and stored another (a replay of what reached the service online).
            conflicts += 1;
            $('conflict-count').textContent = `${conflicts} conflict${conflicts === 1 ? '' : 's'}`;
            $('conflict-count').hidden = false;
            const says = conflict ? reasonText({ decision: conflict.reason, decision_detail: conflict }) : reasonText(result.scan);
            remember({ id: result.scan.id, barcode: item.request.barcode, at: item.request.scanned_at, tag: 'conflict',
              text: `conflict: decided offline as ${item.local.accepted ? 'OK' : 'NO'}, the service says ${says}` });
          }
        } else if (result.status === 409) {
          await queue.put({ ...item, conflict: result.error?.detail || 'conflict' });
        } else {
          await queue.remove(item.id);
          remember({ barcode: item.request.barcode, at: item.request.scanned_at, tag: 'bad', text: result.error?.detail || `refused (${result.status})` });
        }
      }
    }
    backoffMs = 0;
  } catch (e) {
    if (!(e instanceof Unreachable)) throw e;
    setOnline(false);
    retryLater();
  } finally {
    syncing = false;
    renderQueue();
  }
}

start();
