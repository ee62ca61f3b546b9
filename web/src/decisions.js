// What a scan's decision means to the person at the door: one place for the phone and the desk.
import { timeOf } from './api.js';

/** The scan's decision: `decision` where the service sends one, else success/failure as found/not found. */
export function decisionOf(scan) {
  return scan.decision || (scan.status === 'success' ? 'accepted' : 'not_found');
}

export function accepted(scan) {
  return decisionOf(scan) === 'accepted';
}

/** One line: "Checked in", "Already scanned at 10:02 by Door 2", … */
export function reasonText(scan) {
  const detail = scan.decision_detail || {};
  switch (decisionOf(scan)) {
    case 'accepted':
      return scan.direction === 'exit' ? 'Checked out' : 'Checked in';
    case 'not_found':
      return 'Not found in this table';
    case 'already_scanned': {
      const earlier = detail.earlier_scan;
      if (!earlier) return 'Already scanned';
      const by = earlier.scanned_by || earlier.device_id;
      return `Already scanned at ${timeOf(earlier.scanned_at)}${by ? ` by ${by}` : ''}`;
    }
    case 'already_inside':
      return 'Already inside';
    case 'not_inside':
      return 'Not inside: cannot check out';
    case 'outside_window':
      return 'Outside the scanning window';
    case 'rule': {
      const c = detail.failed_condition;
      return c ? `Refused by rule: ${c.column} ${c.op} ${c.value ?? (c.values || []).join(', ')}` : 'Refused by rule';
    }
    case 'ambiguous':
      return 'Several rows match this code';
    case 'invalid_input':
      return `Invalid input${detail.input ? `: ${detail.input}` : ''}`;
    default:
      return decisionOf(scan).replaceAll('_', ' ');
  }
}

/** Short name of a refusal for the desk's counts. */
export function reasonKey(scan) {
  return decisionOf(scan).replaceAll('_', ' ');
}
