// iotlabel verifier: keeps the page available offline. Network first (so new keys
// reach readers), the cached copy when there is no network. Nothing else is cached.
'use strict';
const CACHE = 'iotlabel-site-v1';
self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(['./'])).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => {
  if (e.request.mode !== 'navigate') return;
  e.respondWith(
    fetch(e.request)
      .then((r) => {
        if (r.ok) {
          const copy = r.clone();
          caches.open(CACHE).then((c) => c.put('./', copy));
        }
        return r;
      })
      .catch(() => caches.match('./')),
  );
});
