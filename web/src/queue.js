// The phone's durable queue of scans (IndexedDB): a scan is written here, with its id, before
// it is sent, and leaves only when the service has answered for it. A reload, a closed tab or a
// dead battery loses nothing; sending again is harmless because the id makes it idempotent.

const DB = 'matic-scan';
const VERSION = 2;
const QUEUE = 'queue';
/** The offline copies of columns (offline.js), by column id. */
const COPIES = 'copies';

let opened;
function db() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, VERSION);
      request.onupgradeneeded = () => {
        const database = request.result;
        if (!database.objectStoreNames.contains(QUEUE)) {
          database.createObjectStore(QUEUE, { keyPath: 'id' }).createIndex('queued_at', 'queued_at');
        }
        if (!database.objectStoreNames.contains(COPIES)) {
          database.createObjectStore(COPIES, { keyPath: 'column_id' });
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return opened;
}

function run(mode, work, storeName = QUEUE) {
  return db().then((database) => new Promise((resolve, reject) => {
    const tx = database.transaction(storeName, mode);
    const result = work(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(result && 'result' in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}

/** Adds or replaces one queued scan ({id, request, queued_at, local?, conflict?}). */
export function put(item) {
  return run('readwrite', (store) => store.put(item));
}

export function remove(id) {
  return run('readwrite', (store) => store.delete(id));
}

/** Every queued scan, oldest first. */
export function all() {
  return run('readonly', (store) => store.index('queued_at').getAll());
}

/** The offline copy of a column, or undefined. */
export function copy(columnId) {
  return run('readonly', (store) => store.get(columnId), COPIES);
}

export function saveCopy(value) {
  return run('readwrite', (store) => store.put(value), COPIES);
}
