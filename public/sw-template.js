// Digna's service worker: keeps the kiosk working on a tablet that restarts without a
// network. The server serves this template at /sw.js (never cached) with this build's
// id and file list filled in, so that a new release installs its files as one new
// cache and the old caches are deleted.
//
// It answers only GET requests for the kiosk's shell, its files and the three answers
// the kiosk needs to start (the survey, the tablet's configuration, the list of
// recordings). The shell and those answers: network first, the last good copy when the
// network fails.
// The build's files (code, styles, icons, recordings, and the recordings approved in the
// admin console): from the cache, fetched once at install, so that no request during a visit tells a proxy's log which screen or
// language she is on. Every other request, and every POST above all (answers are
// queued and delivered by the page), goes to the network untouched.

const BUILD_ID = "__DIGNA_BUILD_ID__";
const PRECACHE = __DIGNA_PRECACHE__;

const CACHE_PREFIX = "digna-";
const CACHE = CACHE_PREFIX + BUILD_ID;
/** The kiosk page, whatever its query string (such as `?code=` on enrollment). */
const SHELL = "/kiosk";
/**
 * Answers the kiosk needs to start (the survey, the tablet's configuration, the list of
 * recordings); they carry no answer of any visitor.
 */
const API = new Set(["/api/v1/survey", "/api/v1/kiosk", "/audio/index.json"]);
/** After this long without an answer, the cached copy is used (a hanging network). */
const NETWORK_TIMEOUT_MS = 6000;

const precached = new Set(PRECACHE.map((url) => new URL(url, self.location.origin).pathname));

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // One missing file must not stop the others from being kept.
      await Promise.all(
        PRECACHE.map(async (url) => {
          try {
            const response = await fetch(url, { cache: "no-store" });
            if (response.ok) await cache.put(url, response);
          } catch (_) {
            // Offline during install: the file is cached on its next fetch.
          }
        }),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname === "/sw.js") return;

  if (url.pathname === SHELL) {
    event.respondWith(networkFirst(request, new URL(SHELL, url.origin).href));
  } else if (API.has(url.pathname)) {
    event.respondWith(networkFirst(request, url.href));
  } else if (precached.has(url.pathname) || url.pathname.startsWith("/voices/")) {
    // A recording is named by its content hash: a kept copy never goes stale. One
    // approved after this worker was installed is kept when the kiosk starts (it asks for
    // every recording then), never first asked for during a visit.
    event.respondWith(cacheFirst(request, new URL(url.pathname, url.origin).href));
  }
});

/** The kept copy of a file of this build; the network only for one not kept yet. */
async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}

/**
 * The network's answer, kept for later when it is good; the kept copy when the
 * network fails, hangs, or the server behind a proxy is down (5xx). A 401 or 404
 * passes through: the kiosk must see a revoked token.
 */
async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(key, response.clone());
    return response;
  });
  // A late failure after the kept copy was used is expected, not an error.
  network.catch(() => {});
  try {
    const response = await timeout(network, NETWORK_TIMEOUT_MS);
    if (response.status < 500) return response;
    return (await cache.match(key, { ignoreVary: true })) || response;
  } catch (_) {
    const cached = await cache.match(key, { ignoreVary: true });
    // Nothing kept: wait for the network after all, and let its failure show.
    return cached || network;
  }
}

function timeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
