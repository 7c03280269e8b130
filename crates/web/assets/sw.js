// The service worker of the delivery run pages: a run page and the assets it
// needs are answered from the network when there is one and from the last
// copy otherwise, so a volunteer can reload a run in a stairwell without
// signal. Door records themselves are queued by the page (runs.js).
const CACHE = 'shouwang-runs-v1';
const ASSETS = ['/static/app.css', '/static/app.js', '/static/runs.js', '/static/vendor/htmx.min.js'];

self.addEventListener('install', (e) => {
  self.skipWaiting();
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(ASSETS)).catch(() => {}));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (!(url.pathname.startsWith('/runs/') || url.pathname.startsWith('/static/'))) return;
  e.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          caches.open(CACHE).then((c) => c.put(req, copy));
        }
        return res;
      })
      .catch(() => caches.match(req).then((hit) => hit || Response.error())),
  );
});
