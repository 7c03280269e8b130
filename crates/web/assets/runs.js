// A delivery run that keeps working without signal (issue 12, item 5).
// Door records are queued in IndexedDB first, then sent to the API; each
// carries a key made here once, so a record sent twice (a retry after a lost
// answer, the queue replayed after a reload) is recorded once by the server.
// The queue is flushed on load, when the network comes back and every 15 s.
(() => {
  const root = document.querySelector('[data-run-offline]');
  if (!root) return;
  const runId = root.dataset.runId;
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';
  const banner = document.querySelector('[data-queue]');
  const STORE = 'doors';

  const open = () => new Promise((resolve, reject) => {
    const r = indexedDB.open('shouwang-offline', 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: 'key' });
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const db = open();
  const store = async (mode, fn) => {
    const d = await db;
    return new Promise((resolve, reject) => {
      const t = d.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req && req.result);
      t.onerror = () => reject(t.error);
    });
  };
  const queued = async () => ((await store('readonly', s => s.getAll())) || []).filter(r => r.run === runId);
  const newKey = () => {
    if (crypto.randomUUID) return 'o-' + crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return 'o-' + Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
  };

  const rowOf = (rec) => {
    for (const row of document.querySelectorAll('[data-door]')) {
      if (rec.household_id && row.dataset.household === rec.household_id) return row;
      const code = (rec.code || '').trim();
      if (code && (row.dataset.room === code || (row.dataset.code && code.endsWith(row.dataset.code)))) return row;
    }
    return null;
  };
  const show = (rec, text, done) => {
    const row = rowOf(rec);
    if (!row) return;
    const status = row.querySelector('[data-testid="door-status"]');
    if (status) status.textContent = text;
    row.dataset.status = done ? rec.outcome : 'queued';
    for (const f of row.querySelectorAll('form')) f.hidden = true;
  };
  const refresh = async () => {
    const n = (await queued()).length;
    if (!banner) return;
    banner.hidden = false;
    banner.dataset.pending = String(n);
    banner.textContent = n ? banner.dataset.waiting.replace('%{n}', n) : banner.dataset.sent;
    if (!navigator.onLine) banner.textContent += ' · ' + banner.dataset.offline;
  };

  let flushing = false;
  let again = false;
  const flush = async () => {
    if (flushing) { again = true; return; }
    flushing = true;
    again = false;
    try {
      for (const rec of await queued()) {
        let res;
        try {
          res = await fetch(`/api/v1/delivery-runs/${runId}/doors`, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
            body: JSON.stringify({ household_id: rec.household_id || null, code: rec.code || null, outcome: rec.outcome, key: rec.key }),
          });
        } catch {
          break; // no network: keep the queue for later
        }
        if (res.ok) {
          const body = await res.json();
          await store('readwrite', s => s.delete(rec.key));
          show(rec, body.status_label, true);
        } else if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          // Refused for good (not on this run, no longer holding it): say so, drop it.
          let msg = '';
          try { const e = await res.json(); msg = document.documentElement.lang === 'en' ? e.message_en : e.message_zh; } catch { /* empty */ }
          await store('readwrite', s => s.delete(rec.key));
          show(rec, msg || String(res.status), false);
          const note = document.querySelector('[data-queue-error]');
          if (note) { note.hidden = false; note.textContent = msg; }
        } else {
          break; // the server is busy or down: try again later
        }
      }
    } finally {
      flushing = false;
      await refresh();
    }
    // A record queued while this round was sending goes now, not in 15 s.
    if (again && navigator.onLine) flush();
  };

  document.addEventListener('submit', async (e) => {
    const form = e.target.closest('form[data-door-form]');
    if (!form) return;
    e.preventDefault();
    const data = new FormData(form, e.submitter);
    const rec = {
      key: newKey(),
      run: runId,
      household_id: data.get('household_id') || null,
      code: data.get('code') || null,
      outcome: data.get('outcome'),
      label: e.submitter ? e.submitter.textContent.trim() : '',
      at: Date.now(),
    };
    await store('readwrite', s => s.put(rec));
    show(rec, `${banner ? banner.dataset.queued : '…'} · ${rec.label}`, false);
    if (form.querySelector('input[name="code"]')) form.reset();
    await refresh();
    flush();
  });

  // The queue of an earlier visit: show it, then send it.
  queued().then(list => { for (const rec of list) show(rec, `${banner ? banner.dataset.queued : '…'} · ${rec.label}`, false); });
  window.addEventListener('online', flush);
  window.addEventListener('offline', refresh);
  setInterval(flush, 15000);
  flush();

  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js', { scope: '/runs/' }).catch(() => {});
})();
