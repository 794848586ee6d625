// Stormwatch relay: the content script in the extension's isolated world. It takes
// the hook's batches from `document`, checks their envelope (any page script can
// forge one), keeps a bounded history so a panel that opens later, or reconnects
// after the service worker restarted, still gets everything, and forwards batches
// to the service worker. It does nothing else.
(() => {
  'use strict';
  if (globalThis.__stormwatchRelay) return;

  const BATCH_EVENT = '__stormwatch_batch__';
  // wire: the values in tests/fixtures/wire/constants.json (src/model/protocol.rs has the same).
  const PROTOCOL_VERSION = 2;
  const BATCH_KIND = 'stormwatch.batch';
  const MAX_BATCH_CHARS = 4 * 1024 * 1024;
  const MAX_DOC_ID_CHARS = 40;
  const MAX_BUFFERED_EVENTS = 10000;
  const KEEP_EVENTS = 20000;
  // ...and at most this much text, whatever the events hold (React summaries are large).
  const KEEP_CHARS = 32 * 1024 * 1024;
  // Only the head is checked here (parsing costs the page's main thread); the
  // panel decodes and validates the whole batch in Rust (protocol::decode_batch).
  const HEAD = new RegExp('^\\{"v":' + PROTOCOL_VERSION + ',"kind":"' + BATCH_KIND.replace('.', '\\.') +
    '","doc":"([a-z0-9]{1,' + MAX_DOC_ID_CHARS + '})","seq":(\\d{1,15}),"dropped":(\\d{1,15}),"count":(\\d{1,15}),"events":\\[');

  // The port messages this script sends, one constructor each, keys in the order of
  // src/model/protocol.rs's types (goldens: tests/fixtures/wire/port/).
  const helloMessage = (docId, seq, url, restored) => ({ kind: 'hello', v: PROTOCOL_VERSION, doc: docId, seq, url, restored });
  const batchMessage = (docId, seq, text) => ({ kind: 'batch', doc: docId, seq, text });
  const lostMessage = (docId, events, first) => ({ kind: 'lost', doc: docId, events, first });
  const mapMessage = (script, url, text, error) => ({ kind: 'map', script, url, text, error });

  let doc = null;
  let lastSeq = 0;
  let history = []; // { seq, text, n }
  let kept = 0;
  let keptChars = 0;
  let trimmed = 0; // events dropped from history before any panel asked for them
  // [seq, trimmed so far] for each trimmed batch (the newest 50,000), so a panel
  // that already has batches up to `after` is told only what it lost.
  let trimmedLog = [];
  let trimmedBase = 0; // trimmed so far when the oldest kept pair was logged
  let port = null;
  // Whether a Stormwatch panel inspects this tab; batches are only kept here until one does.
  let listened = false;

  function post(message) {
    if (!port) return;
    try {
      port.postMessage(message);
    } catch (_) {
      port = null;
      listened = false;
    }
  }

  function connect(restored) {
    // After the extension reloads, this old script has no runtime any more.
    if (!chrome.runtime || !chrome.runtime.id) return;
    try {
      port = chrome.runtime.connect({ name: 'stormwatch-page' });
    } catch (_) {
      port = null;
      return;
    }
    const self = port;
    port.onMessage.addListener(onCommand);
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      // The worker stopped (or the extension went away). Reconnect only when a panel
      // asks (wake) or the page comes back from the bfcache: a tab nobody inspects
      // must not keep waking the worker.
      if (port === self) {
        port = null;
        listened = false;
      }
    });
    hello(restored);
  }

  function hello(restored) {
    if (doc) post(helloMessage(doc, lastSeq, location.href, !!restored));
  }

  // Events trimmed from batches numbered above `after`.
  function trimmedAfter(after) {
    let lo = 0, hi = trimmedLog.length / 2; // first pair whose seq > after
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (trimmedLog[mid * 2] <= after) lo = mid + 1;
      else hi = mid;
    }
    const before = lo > 0 ? trimmedLog[lo * 2 - 1] : trimmedBase;
    return trimmed - before;
  }

  // The panel asks for a big script's source map to say which packages fill it.
  // Fetched from here because a map is normally served only to the page's own
  // origin; only same-origin maps, and never more than MAX_MAP_CHARS of one.
  // Well under a port message's 64 MiB limit even with JSON escaping.
  const MAX_MAP_CHARS = 16 * 1024 * 1024;
  function fetchMap(msg) {
    let url;
    try {
      url = new URL(String(msg.url), location.href);
    } catch (_) {
      return;
    }
    // Its own try: a reply that cannot be sent must not look like a dead port.
    const answer = (text, error) => {
      try {
        if (port) port.postMessage(mapMessage(String(msg.script), url.href, text, error));
      } catch (_) { /* too big after all: no attribution for that chunk */ }
    };
    if (url.origin !== location.origin) {
      answer(null, 'the source map is on another origin');
      return;
    }
    fetch(url.href, { credentials: 'same-origin', cache: 'force-cache' })
      .then((r) => {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        const length = Number(r.headers.get('content-length') || 0);
        if (length > MAX_MAP_CHARS) throw new Error('too large');
        return r.text();
      })
      .then((text) => (text.length > MAX_MAP_CHARS ? answer(null, 'too large') : answer(text, null)))
      .catch((e) => answer(null, String(e && e.message)));
  }

  // The panel asks for every batch after `after` (it tracks seq per document).
  function onCommand(msg) {
    if (msg && msg.kind === 'listeners') {
      const was = listened;
      listened = msg.n > 0;
      if (listened && !was) hello(false);
      return;
    }
    if (msg && msg.kind === 'fetch_map') {
      fetchMap(msg);
      return;
    }
    if (!msg || msg.kind !== 'sync' || msg.doc !== doc) return;
    const after = Number(msg.after) || 0;
    const first = history.length ? history[0].seq : lastSeq + 1;
    if (after + 1 < first) post(lostMessage(doc, trimmedAfter(after), first));
    for (const b of history) if (b.seq > after) post(batchMessage(doc, b.seq, b.text));
  }

  document.addEventListener(BATCH_EVENT, (event) => {
    const text = event.detail;
    if (typeof text !== 'string' || text.length > MAX_BATCH_CHARS) return;
    const head = HEAD.exec(text.slice(0, 200));
    if (!head) return;
    const seq = Number(head[2]);
    if (doc === null) doc = head[1];
    if (head[1] !== doc || seq <= lastSeq) return; // forged, or replayed
    lastSeq = seq;
    // Events in it, plus those the page already dropped, so what is trimmed here is
    // reported exactly. Capped: the head comes from the page, and a forged count
    // must not empty the history.
    const n = Math.min(Number(head[3]), 1e6) + Math.min(Number(head[4]), MAX_BUFFERED_EVENTS);
    history.push({ seq, text, n });
    kept += n;
    keptChars += text.length;
    while ((kept > KEEP_EVENTS || keptChars > KEEP_CHARS) && history.length > 1) {
      const old = history.shift();
      kept -= old.n;
      keptChars -= old.text.length;
      trimmed += old.n;
      trimmedLog.push(old.seq, trimmed);
      if (trimmedLog.length > 100000) {
        // Forget the oldest pairs, remembering how much they had trimmed.
        trimmedBase = trimmedLog[49999];
        trimmedLog = trimmedLog.slice(50000);
      }
    }
    if (!port && seq === 1) connect(); // once, to learn whether a panel is watching
    if (listened) post(batchMessage(doc, seq, text));
  }, true);

  // Back from the back/forward cache: Chrome closed our port without telling us.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) {
      port = null;
      connect(true);
    }
  });

  // The panel wakes us (chrome.devtools.inspectedWindow.eval in this world) when
  // it connects, so a quiet page still delivers what it recorded earlier.
  globalThis.__stormwatchRelay = {
    wake() {
      if (port) hello(false);
      else connect();
      return doc;
    },
  };
})();
