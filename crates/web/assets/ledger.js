// The public ledger page: "verify in the browser" fetches every entry of the
// community (JSON, page by page) and recomputes the hash chain here, so a
// resident need not trust the server's own answer. The canonical encoding is
// documented in crates/domain/src/ledger.rs: twelve netstrings
// (`<UTF-8 byte length>:<bytes>,`), hash = SHA-256(previous hash bytes ||
// encoding), the first entry's previous hash is 32 zero bytes.
// crypto.subtle exists only in a secure context (https or localhost); on
// plain http inside a LAN the small SHA-256 below does the same work.
(() => {
  'use strict';

  const enc = new TextEncoder();

  function netstrings(fields) {
    const parts = fields.map((f) => enc.encode(f));
    let len = 0;
    const heads = parts.map((p) => enc.encode(`${p.length}:`));
    for (let i = 0; i < parts.length; i++) len += heads[i].length + parts[i].length + 1;
    const out = new Uint8Array(len);
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      out.set(heads[i], at); at += heads[i].length;
      out.set(parts[i], at); at += parts[i].length;
      out[at++] = 44; // ','
    }
    return out;
  }

  // The canonical encoding of an entry as the API sends it.
  function encode(e) {
    return netstrings([
      'shouwang-ledger-v1',
      String(e.seq),
      e.community_id,
      e.incident_id,
      e.consignment_id || '',
      e.consignment_title,
      e.kind,
      e.item,
      e.unit,
      String(e.quantity),
      e.note,
      e.at,
    ]);
  }

  // --- SHA-256 in plain JavaScript (FIPS 180-4), for insecure contexts. ---
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  function sha256Plain(data) {
    const bitLen = data.length * 8;
    const padded = new Uint8Array(((data.length + 9 + 63) >> 6) << 6);
    padded.set(data);
    padded[data.length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000));
    view.setUint32(padded.length - 4, bitLen >>> 0);
    const H = new Uint32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    ]);
    const W = new Uint32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
        const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
      }
      let [a, b, c, d, e, f, g, h] = H;
      for (let i = 0; i < 64; i++) {
        const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        const ch = (e & f) ^ (~e & g);
        const t1 = (h + S1 + ch + K[i] + W[i]) >>> 0;
        const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) >>> 0;
        h = g; g = f; f = e; e = (d + t1) >>> 0;
        d = c; c = b; b = a; a = (t1 + t2) >>> 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    const out = new Uint8Array(32);
    const outView = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) outView.setUint32(i * 4, H[i]);
    return out;
  }

  const subtle = window.isSecureContext && window.crypto && window.crypto.subtle;

  async function sha256(data) {
    if (subtle) return new Uint8Array(await subtle.digest('SHA-256', data));
    return sha256Plain(data);
  }

  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  function fromHex(hex) {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  // Hash of an entry after a previous hash (raw bytes).
  async function entryHash(prev, e) {
    const body = encode(e);
    const data = new Uint8Array(32 + body.length);
    data.set(prev);
    data.set(body, 32);
    return toHex(await sha256(data));
  }

  // Verifies a chain; answers {holds, count, head} or {holds: false, seq, why, expected}.
  async function verifyChain(fetchPage, onProgress) {
    let expected = 1;
    let prevHex = '0'.repeat(64);
    let after = 0;
    for (;;) {
      const page = await fetchPage(after);
      for (const e of page.entries) {
        if (e.seq !== expected) return { holds: false, seq: e.seq, why: 'gap', expected };
        if (String(e.prev_hash).toLowerCase() !== prevHex) return { holds: false, seq: e.seq, why: 'wrong-prev-hash' };
        const prev = fromHex(prevHex);
        const h = await entryHash(prev, e);
        if (h !== String(e.hash).toLowerCase()) return { holds: false, seq: e.seq, why: 'wrong-hash' };
        prevHex = h;
        expected += 1;
      }
      if (onProgress) onProgress(expected - 1);
      if (page.next_after === null || page.next_after === undefined || page.entries.length === 0) break;
      after = page.next_after;
    }
    return { holds: true, count: expected - 1, head: prevHex };
  }

  const fill = (text, args) => text.replace(/%\{(\w+)\}/g, (m, k) => (k in args ? String(args[k]) : m));

  // For tests and the curious: window.shouwangLedger.
  window.shouwangLedger = { encode, sha256Plain, entryHash, verifyChain, toHex };

  document.addEventListener('DOMContentLoaded', () => {
    const button = document.querySelector('[data-ledger-verify]');
    const result = document.querySelector('[data-ledger-result]');
    if (!button || !result) return;
    const d = button.dataset;
    button.addEventListener('click', async () => {
      button.disabled = true;
      result.className = '';
      result.textContent = fill(d.working, { count: 0 });
      const fetchPage = async (after) => {
        const res = await fetch(`${d.url}?after=${after}&limit=500`, { headers: { Accept: 'application/json' } });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return res.json();
      };
      try {
        const r = await verifyChain(fetchPage, (count) => { result.textContent = fill(d.working, { count }); });
        if (r.holds) {
          result.className = 'notice';
          result.dataset.holds = 'true';
          result.textContent = fill(d.holds, { count: r.count, head: r.head });
        } else {
          const why = fill(d[`why${r.why.replace(/(^|-)(\w)/g, (m, s, c) => c.toUpperCase())}`] || r.why, { expected: r.expected });
          result.className = 'warn';
          result.dataset.holds = 'false';
          result.dataset.seq = String(r.seq);
          result.textContent = fill(d.broken, { seq: r.seq, why });
        }
      } catch (err) {
        result.className = 'warn';
        result.textContent = d.failed;
      } finally {
        button.disabled = false;
      }
    });
  });
})();
