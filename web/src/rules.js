// The scan rules of docs/scan-rules.md, decided on the phone from a column's offline copy
// (docs/offline.md): the same decision the service would make on the same inputs. A plain ES
// module without dependencies, for the page and for node alike. The server's decisions and these
// are held to one table of cases (src/test/resources/decisions/), run by the test suite.
//
// A copy is what GET /api/tables/{table}/columns/{column}/snapshot returned (rows in the order
// it sent them), brought up to date with its deltas.

const WHITE_SPACE = ' \t\r\n\f\v';

function trim(text, characters) {
  let start = 0;
  let end = text.length;
  while (start < end && characters.includes(text[start])) start++;
  while (end > start && characters.includes(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * A scanned code normalised with the column's `normalization`, or null when it is not a usable
 * barcode (then the service refuses the scan as invalid, 422).
 *   exact: white space (space, \t, \r, \n, \f, \v) trimmed at both ends, lower-cased; empty is unusable.
 *   gtin:  spaces, '-', \t, \r, \n dropped; 8, 12, 13 or 14 digits with a valid GS1 check digit,
 *          left-padded with 0 to 14 digits.
 */
export function normalize(mode, raw) {
  if (typeof raw !== 'string') return null;
  if (mode === 'gtin') {
    const digits = raw.replace(/[ \-\t\r\n]/g, '');
    if (!/^[0-9]+$/.test(digits) || ![8, 12, 13, 14].includes(digits.length)) return null;
    const v = digits.padStart(14, '0');
    let sum = 0;
    for (let i = 0; i < 13; i++) sum += (v.charCodeAt(i) - 48) * (i % 2 === 0 ? 3 : 1);
    return (10 - (sum % 10)) % 10 === v.charCodeAt(13) - 48 ? v : null;
  }
  // PostgreSQL's lower() on a UTF-8 database; toLowerCase agrees for the characters barcodes use.
  const v = trim(raw, WHITE_SPACE).toLowerCase();
  return v === '' ? null : v;
}

/** JSON equality as PostgreSQL's jsonb compares: numbers by value, strings exactly, no coercion. */
export function jsonEquals(a, b) {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return a === b;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    return a.length === b.length && a.every((item, i) => jsonEquals(item, b[i]));
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every(k => Object.hasOwn(b, k) && jsonEquals(a[k], b[k]));
}

function cell(cells, column) {
  return Object.hasOwn(cells, column) ? cells[column] : undefined;
}

/** Does one `accept_if` condition hold for a row's cells? (absent and null differ only where the doc says) */
export function conditionHolds(condition, cells) {
  const value = cell(cells, condition.column);
  switch (condition.op) {
    case 'equals':
      return value !== undefined && jsonEquals(value, condition.value);
    case 'in':
      return (condition.values || []).some(candidate => jsonEquals(candidate, value === undefined ? null : value));
    case 'not_empty':
      if (value === undefined || value === null) return false;
      return typeof value !== 'string' || trim(value, WHITE_SPACE) !== '';
    case 'is_true':
      return value === true;
    case 'is_false':
      return value === undefined || value === null || value === false;
    default:
      return false;
  }
}

/** Does a value a scan carries fit a column of this type? (date columns take no scan input) */
export function cellFits(columnType, value) {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string' && [...value].length > 10000) return false;
  const kind = typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean'
    : typeof value === 'string' ? 'string' : 'other';
  switch (columnType) {
    case 'number': return kind === 'number';
    case 'boolean': return kind === 'boolean';
    case 'text':
    case 'barcode': return kind === 'string' || kind === 'number';
    case 'select': return kind === 'string';
    case 'email': return kind === 'string' && /^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+$/.test(value);
    case 'url': return kind === 'string' && /^https?:\/\/[^ \t\n\r\f\v]+$/i.test(value);
    default: return false;
  }
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/** Microseconds since the epoch of an ISO-8601 timestamp with an offset (as BigInt), or null. */
export function micros(text) {
  const m = typeof text === 'string' ? TIMESTAMP.exec(text) : null;
  if (!m) return null;
  const millis = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  const fraction = BigInt(((m[7] || '') + '000000').slice(0, 6));
  let offset = 0;
  if (m[8] !== 'Z' && m[8] !== 'z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  }
  return BigInt(millis) * 1000n + fraction - BigInt(offset) * 60000000n;
}

/** A timestamp as the service writes one: UTC, microseconds, Z. */
export function formatMicros(value) {
  const millis = Number(value / 1000n);
  const iso = new Date(millis).toISOString(); // ...SS.mmmZ
  const micro = String(((value % 1000000n) + 1000000n) % 1000000n).padStart(6, '0');
  return iso.slice(0, 19) + '.' + micro + 'Z';
}

function isArray(value) {
  return Array.isArray(value);
}

/** A column in `count` mode without conditions and actions accepts and counts every matched row. */
export function isPlain(settings) {
  return (settings.mode || 'count') === 'count'
    && !(isArray(settings.accept_if) && settings.accept_if.length > 0)
    && !(isArray(settings.on_accept) && settings.on_accept.length > 0);
}

/**
 * The decision for `scan` ({barcode, scanned_at?, direction?, row_id?, inputs?}) against `copy`,
 * at `now` (an ISO timestamp, used when the scan carries no scanned_at):
 * {decision, direction, row_ids, failed_condition?, earlier_scan?, candidates?, input?}, where
 * decision is 'accepted' or the reason (docs/scan-rules.md), or 'invalid_barcode' when the code
 * is no barcode of the column (the service answers that with a 422 and records nothing).
 */
export function decide(copy, scan, now) {
  const settings = copy.column.settings || {};
  const mode = settings.mode || 'count';
  const entryExit = mode === 'entry_exit';
  const normalized = normalize(settings.normalization || 'exact', scan.barcode);
  if (normalized === null) {
    return { decision: 'invalid_barcode', direction: null, row_ids: [] };
  }
  const matched = copy.rows.filter(row => row.values.includes(normalized)
    && (scan.row_id === undefined || scan.row_id === null || row.id === scan.row_id));
  const asked = entryExit && scan.direction ? scan.direction : null;
  if (matched.length === 0) {
    return { decision: 'not_found', direction: asked, row_ids: [] };
  }
  const plain = isPlain(settings);
  if (!plain && matched.length > 1) {
    return {
      decision: 'ambiguous', direction: asked, row_ids: matched.map(row => row.id),
      candidates: matched.map(row => ({ id: row.id, display: row.cells })),
    };
  }
  const t = micros(scan.scanned_at || now);
  const from = settings.valid_from ? micros(settings.valid_from) : null;
  const until = settings.valid_until ? micros(settings.valid_until) : null;
  if ((from !== null && from > t) || (until !== null && until <= t)) {
    return { decision: 'outside_window', direction: asked, row_ids: matched.map(row => row.id) };
  }
  if (plain) {
    return { decision: 'accepted', direction: null, row_ids: matched.map(row => row.id) };
  }
  const row = matched[0];
  const state = row.state || {};
  const inside = state.inside === true;
  const direction = entryExit ? (scan.direction || (inside ? 'exit' : 'entry')) : null;
  const refused = reason => ({ decision: reason, direction, row_ids: [row.id] });
  if (mode === 'once' && (state.accepted || 0) > 0) {
    return {
      ...refused('already_scanned'),
      earlier_scan: {
        id: state.last_scan_id ?? null, scanned_at: state.last_accepted_at ?? null,
        device_id: state.last_device_id ?? null, scanned_by: state.last_scanned_by ?? null,
      },
    };
  }
  if (direction === 'entry' && inside) return refused('already_inside');
  if (direction === 'exit' && !inside) return refused('not_inside');
  const conditions = isArray(settings.accept_if) ? settings.accept_if : [];
  for (let index = 0; index < conditions.length; index++) {
    if (!conditionHolds(conditions[index], row.cells)) {
      return { ...refused('rule'), failed_condition: { ...conditions[index], index } };
    }
  }
  const actions = isArray(settings.on_accept) ? settings.on_accept : [];
  const inputs = scan.inputs || {};
  const types = copy.column.column_types || {};
  for (const action of actions) {
    if (action.from !== 'input') continue;
    const key = action.input || action.column;
    if (Object.hasOwn(inputs, key) && Object.hasOwn(types, action.column) && !cellFits(types[action.column], inputs[key])) {
      return { ...refused('invalid_input'), input: key };
    }
  }
  return { decision: 'accepted', direction, row_ids: [row.id] };
}

/**
 * Applies an accepted decision to the copy, as the service will when the scan syncs: each row's
 * scan state (accepted + 1, inside for entry_exit, last_* = this scan), scan_count and
 * last_scanned_at. `scan` needs its id, scanned_at (or `now`), device_id and the scanner's name.
 */
export function applyAccepted(copy, outcome, scan, now) {
  if (outcome.decision !== 'accepted') return;
  const at = micros(scan.scanned_at || now);
  for (const id of outcome.row_ids) {
    const row = copy.rows.find(candidate => candidate.id === id);
    if (!row) continue;
    const before = row.state || {};
    row.state = {
      accepted: (before.accepted || 0) + 1,
      inside: outcome.direction ? outcome.direction === 'entry' : before.inside === true,
      last_scan_id: scan.id ?? null,
      last_accepted_at: formatMicros(at),
      last_device_id: scan.device_id ?? null,
      last_scanned_by: scan.scanned_by ?? null,
    };
    row.scan_count = (row.scan_count || 0) + 1;
    const last = row.last_scanned_at ? micros(row.last_scanned_at) : null;
    row.last_scanned_at = last !== null && last > at ? row.last_scanned_at : formatMicros(at);
  }
}
