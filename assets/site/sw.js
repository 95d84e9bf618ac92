// iotlabel verifier: keeps the page available offline. It is registered by the page
// with its own directory as the scope (e.g. /v/), so it never reaches outside the
// uploaded folder, and it caches only the verifier page itself: the directory, its
// index.html and GS1 Digital Link paths (01/<GTIN-14>) under it, never any other page
// in scope, and never records (they must be fresh; offline the page says it could not
// check for later changes). Network first, so new keys reach readers; the cached copy
// when there is no network.
'use strict';
const CACHE = 'iotlabel-site-v2';
const SCOPE = new URL('./', self.location.href).pathname;

function isVerifierPage(url) {
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return false;
  const rest = url.pathname.slice(SCOPE.length);
  return rest === '' || rest === 'index.html' || /^01\/\d{14}$/.test(rest);
}

function cacheable(r) {
  return r.ok && r.type === 'basic' && !r.redirected && (r.headers.get('content-type') || '').startsWith('text/html');
}

self.addEventListener('install', (e) => {
  e.waitUntil(
    fetch(SCOPE)
      .then((r) => (cacheable(r) ? caches.open(CACHE).then((c) => c.put(SCOPE, r)) : undefined))
      .catch(() => {})
      .then(() => self.skipWaiting()),
  );
});
self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('iotlabel-site-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.mode !== 'navigate' || !isVerifierPage(url)) return;
  e.respondWith(
    fetch(e.request)
      .then((r) => {
        if (cacheable(r)) {
          const copy = r.clone();
          caches.open(CACHE).then((c) => c.put(SCOPE, copy));
        }
        return r;
      })
      .catch(() => caches.match(SCOPE).then((r) => r || Response.error())),
  );
});
