// A phone without a network, deciding a queue of scans one after the other from its copy of
// the column, with the phones' reference rules (web/src/rules.js): each accepted scan is applied
// to the copy before the next is decided, as web/src/offline.js does at the door.
// Usage: node simulate-phone.mjs <rules.js> <input.json>
//   input: {copy, now, scans: [{id, barcode, scanned_at, device_id, scanned_by, direction?}]}
//   output (one JSON line): [{id, decision, direction, row_ids}, ...] in queue order
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [rulesPath, inputPath] = process.argv.slice(2);
const rules = await import(pathToFileURL(rulesPath).href);
const { copy, now, scans } = JSON.parse(readFileSync(inputPath, 'utf8'));
const out = scans.map(scan => {
  const outcome = rules.decide(copy, scan, now);
  rules.applyAccepted(copy, outcome, scan, now);
  return { id: scan.id, decision: outcome.decision, direction: outcome.direction ?? null, row_ids: outcome.row_ids };
});
process.stdout.write(JSON.stringify(out) + '\n');
