// The kiosk's durable queue of finished surveys, in IndexedDB: one record per survey,
// `{id, sealed}`, where `sealed` is the sealed box (bytes) and `id` the client's UUID,
// the same on every delivery attempt. Nothing readable is ever stored here.
// Bound from Rust in app/src/kiosk_queue.rs.

const DB_NAME = "digna";
const STORE = "queue";

let opening = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
      req.onsuccess = () => {
        const db = req.result;
        // Another tab upgrading the database: let it, and reopen next time.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      req.onerror = () => {
        opening = null;
        reject(req.error);
      };
      req.onblocked = () => {
        opening = null;
        reject(new Error("IndexedDB blocked"));
      };
    });
  }
  return opening;
}

async function withStore(mode, work) {
  const db = await open();
  const tx = db.transaction(STORE, mode);
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
  const result = await work(tx.objectStore(STORE));
  await done;
  return result;
}

/** Stores one sealed survey; resolves once the transaction is durable. */
export function queuePut(id, sealed) {
  // `sealed` is a view into the WebAssembly memory: copy it before anything awaits.
  const copy = new Uint8Array(sealed);
  return withStore("readwrite", (store) => request(store.put({ id, sealed: copy })));
}

/** Every queued survey, as `[{id, sealed}]`. */
export function queueAll() {
  return withStore("readonly", (store) => request(store.getAll()));
}

export function queueDelete(id) {
  return withStore("readwrite", (store) => request(store.delete(id)));
}

export function queueCount() {
  return withStore("readonly", (store) => request(store.count()));
}

/** Asks the browser not to evict the queue under storage pressure. Never fails. */
export async function persistStorage() {
  try {
    if (navigator.storage && navigator.storage.persist && !(await navigator.storage.persisted())) {
      return await navigator.storage.persist();
    }
  } catch (_) {
    // Not offered here: the queue still works, only without the guarantee.
  }
  return false;
}

/**
 * Registers the service worker that keeps the kiosk working without a network.
 * Browsers allow it only in a secure context (HTTPS or localhost); elsewhere, or on
 * any failure, the kiosk simply works online only.
 */
export function registerServiceWorker() {
  try {
    if (window.isSecureContext && "serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    }
  } catch (_) {
    // Never let this break the kiosk.
  }
}
