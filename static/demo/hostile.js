// A hostile page for the panel: everything it sends is meant to make the panel slow
// or to get markup into it. `window.hostile.run(options)` resolves when it is done;
// the e2e test (tests/e2e/hostile.test.mjs) measures the panel meanwhile.
(() => {
  const out = document.querySelector('#out');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  // Path words the URL templating keeps as they are (no digits, no ids), so each
  // endpoint is its own finding.
  const word = (i) => {
    let s = '';
    do {
      s += String.fromCharCode(97 + (i % 26));
      i = Math.floor(i / 26);
    } while (i > 0);
    return 'zz' + s;
  };
  const ODD_NAMES = [
    '<img src=x onerror=window.__pwned=1>',
    '</script><script>window.__pwned=2</script>',
    'javascript:window.__pwned=3',
    '"><svg onload=window.__pwned=4>',
    '\u202Eevil\u202C Component',
    'A'.repeat(10000),
  ];
  const LONG = 100 * 1024;

  // The relay takes the document id and sequence from the hook's own batches; a
  // forger reads them off `document` like any page script can.
  let doc = null;
  let maxSeq = 0;
  document.addEventListener('__stormwatch_batch__', (e) => {
    const m = /"doc":"([a-z0-9]+)","seq":(\d+)/.exec(String(e.detail).slice(0, 120));
    if (!m) return;
    doc = m[1];
    maxSeq = Math.max(maxSeq, Number(m[2]));
  });

  function forge(events) {
    const seq = ++maxSeq;
    const text = JSON.stringify({ v: 2, kind: 'stormwatch.batch', doc, seq, dropped: 0, count: events.length, events, cost_us: 0, origin: null });
    document.dispatchEvent(new CustomEvent('__stormwatch_batch__', { detail: text }));
  }

  async function realTraffic(endpoints, longUrls) {
    // Each endpoint fails five times at once: a duplicate and an error burst each.
    const tasks = [];
    for (let i = 0; i < endpoints; i++) {
      const junk = i < longUrls ? 'x'.repeat(LONG) : `<img src=x onerror=window.__pwned=5>&q=${'%'.repeat(i % 7)}`;
      const url = `/api/${word(i)}/thing?junk=${encodeURIComponent(junk)}&token=secret${i}`;
      for (let k = 0; k < 5; k++) tasks.push(() => fetch(url).catch(() => null));
    }
    // A few huge request bodies.
    for (let i = 0; i < 4; i++) {
      const body = 'b'.repeat(8 * 1024 * 1024);
      tasks.push(() => fetch(`/api/${word(100000 + i)}/upload`, { method: 'POST', body }).catch(() => null));
    }
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) await tasks[next++]();
    };
    await Promise.all(Array.from({ length: 24 }, worker));
  }

  async function forged(messages, perTick) {
    const base = performance.timeOrigin + performance.now();
    for (let sent = 0; sent < messages; ) {
      for (let j = 0; j < perTick && sent < messages; j++, sent++) {
        const t = base + sent;
        // Six failing copies per endpoint: a duplicate and an error burst each.
        const url = `http://127.0.0.1/forged/${word(Math.floor(sent / 6))}/x`;
        const events = [
          { type: 'request_start', id: 1e9 + sent, api: 'fetch', method: 'GET', url, t, body: '', keepalive: false, range: false, op: null },
          { type: 'request_end', id: 1e9 + sent, t: t + 5, status: 500, outcome: 'ok', content_type: 'text/html', content_length: 10, content_encoding: null, cache_control: null },
        ];
        if (sent % 10 === 0) {
          const name = ODD_NAMES[(sent / 10) % ODD_NAMES.length];
          events.push({ type: 'react_renders', t, t_end: t + 1, commits: 1, skipped_fibers: 0, components_not_sent: 0, hook_ms: 0.1,
            components: [{ name, renders: 3, commits: 1, mounts: 0, props: 3, state: 0, context: 0, parent: 0, unnecessary: 3, memo: false, self_ms: 0.5, owner: name, keys: [{ kind: 'props', key: name, count: 3, equal: 3, from: name, to: name }] }] });
        }
        forge(events);
      }
      await sleep(10);
    }
  }

  async function run({ endpoints = 300, longUrls = 20, messages = 20000, perTick = 200 } = {}) {
    const t0 = performance.now();
    out.textContent = 'running…';
    await fetch('/api/profile');
    while (!doc) await sleep(20);
    await Promise.all([realTraffic(endpoints, longUrls), forged(messages, perTick)]);
    const ms = Math.round(performance.now() - t0);
    out.textContent = `done in ${ms} ms`;
    return { ms, doc, seq: maxSeq };
  }

  window.hostile = { run };
  document.querySelector('#go').addEventListener('click', () => run());
})();
