// Decides every case of a decision table with the phones' reference rules (web/src/rules.js).
// Usage: node run-rules.mjs <rules.js> <cases.json>  →  one JSON line: [{name, decision, ...}, ...]
// Each case carries the column's copy as the snapshot route returned it, and the scan.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [rulesPath, casesPath] = process.argv.slice(2);
const rules = await import(pathToFileURL(rulesPath).href);
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const out = cases.map(c => {
  const outcome = rules.decide(c.copy, c.scan, c.now);
  return {
    name: c.name,
    decision: outcome.decision,
    direction: outcome.direction ?? null,
    row_ids: outcome.row_ids,
    failed_index: outcome.failed_condition ? outcome.failed_condition.index : null,
    input: outcome.input ?? null,
    earlier_scan_id: outcome.earlier_scan ? outcome.earlier_scan.id : null,
  };
});
process.stdout.write(JSON.stringify(out) + '\n');
