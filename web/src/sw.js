// The phone's service worker: keeps the app shell (the pairing page, its script, style, icon
// and the decoder's WebAssembly) so the scanner opens without a network. API calls are never
// cached: the queue in IndexedDB is what survives being offline.
const SHELL = __SHELL__;
const CACHE = `matic-shell-${__VERSION__}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('matic-shell-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/assets/')) {
    // Content-hashed: a cached copy is always the right one.
    event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
  } else if (url.pathname === '/pair' || url.pathname === '/manifest.webmanifest') {
    // The network first, so a new version shows at once; the shell when there is no network.
    event.respondWith(fetch(event.request).catch(() => caches.match(url.pathname)));
  }
});
