// Offline decisions: with the column's snapshot kept on the phone and the shared reference rules,
// the phone can tell OK from NO without the service. Until the phone keeps a snapshot, it has
// nothing to decide with and answers null (the scan is queued and decided when it syncs).
export async function decideOffline(/* pairing, request */) {
  return null;
}
