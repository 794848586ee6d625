// A page script that forges Stormwatch batches as a hostile page can (the relay takes
// up to 4 M characters a batch), for scripts/bench-panel.mjs and trace-hostile.mjs.
// Evaluate FORGER in the inspected page, let the page fetch something (so its hook's
// batches give the document id and sequence), then call window.__forger.many(n) or
// window.__forger.longUrl(chars).
export const FORGER = `(() => {
  const f = { doc: null, seq: 0 };
  document.addEventListener('__stormwatch_batch__', (e) => {
    const m = /"doc":"([a-z0-9]+)","seq":(\\d+)/.exec(String(e.detail).slice(0, 120));
    if (m) { f.doc = m[1]; f.seq = Math.max(f.seq, Number(m[2])); }
  });
  f.send = (events) => {
    const text = JSON.stringify({ v: 2, kind: 'stormwatch.batch', doc: f.doc, seq: ++f.seq, dropped: 0, count: events.length, events, cost_us: 0, origin: null });
    document.dispatchEvent(new CustomEvent('__stormwatch_batch__', { detail: text }));
    return text.length;
  };
  // Path words without digits (digits are templated away), so each endpoint is its own finding.
  const word = (i) => { let s = ''; do { s += String.fromCharCode(97 + (i % 26)); i = Math.floor(i / 26); } while (i > 0); return 'zz' + s; };
  // Each endpoint fetched twice at once, slow, big and uncompressed, a third of them
  // failing: findings of several detectors, up to each one's cap.
  f.many = (n) => {
    const t = performance.timeOrigin + performance.now();
    const events = [];
    for (let i = 0; i < n / 2; i++) {
      const url = 'http://127.0.0.1/huge/' + word(Math.floor(i / 2)) + '/item';
      const status = Math.floor(i / 2) % 3 === 0 ? 500 : 200;
      events.push({ type: 'request_start', id: 2e9 + i, api: 'fetch', method: 'GET', url, t: t + i, body: '', keepalive: false, range: false, op: null });
      events.push({ type: 'request_end', id: 2e9 + i, t: t + i + 4000, status, outcome: 'ok', content_type: 'application/json', content_length: 3000000, content_encoding: null, cache_control: null });
    }
    return f.send(events);
  };
  f.longUrl = (chars) => {
    const t = performance.timeOrigin + performance.now();
    return f.send([{ type: 'request_start', id: 3e9, api: 'fetch', method: 'GET', url: 'http://127.0.0.1/long?q=' + 'x'.repeat(chars), t, body: '', keepalive: false, range: false, op: null }]);
  };
  window.__forger = f;
  return true;
})()`;
