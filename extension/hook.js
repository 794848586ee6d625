// Stormwatch page hook. Runs in the page's own world at document_start, before the
// page's scripts, and only records: what the page calls (fetch, XHR, history) and
// what the browser reports (resource timing, visibility). Events are posted in
// batches to the relay (relay.js) as a CustomEvent carrying a JSON string.
//
// Rules this file keeps (see shared/notes/reliability.md):
// - never throw into page code: every recording step is inside try/catch;
// - never change what the page observes: return the page's own Response, rethrow
//   the page's own errors, never read or clone a body, keep name/length/toString
//   of everything wrapped, wrap prototypes not instances, keep property attributes;
// - use only primitives saved at start, so a page that replaces them later
//   (setTimeout, JSON, dispatchEvent) neither breaks nor sees us.
(() => {
  'use strict';

  const BATCH_EVENT = '__stormwatch_batch__';
  const PROBE_EVENT = '__stormwatch_probe__';
  const FLUSH_MS = 40;
  const FLUSH_AT = 500;
  const MAX_BUFFER = 10000;
  const MAX_HASHED_BODY = 256 * 1024;

  const doc = document;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const listen = EventTarget.prototype.addEventListener;
  const CustomEventCtor = CustomEvent;
  const setTimer = setTimeout;
  const originalSetInterval = setInterval;
  const MEMORY_SAMPLE_MS = 2000;
  const stringify = JSON.stringify;
  const then = Promise.prototype.then;
  const defineProperty = Object.defineProperty;
  const getDescriptor = Object.getOwnPropertyDescriptor;
  const RequestCtor = typeof Request === 'function' ? Request : null;
  const HeadersCtor = typeof Headers === 'function' ? Headers : null;
  const perf = performance;
  const perfNow = perf.now.bind(perf);
  const origin = perf.timeOrigin;
  const now = () => origin + perfNow();

  // A second injection (the extension reloaded while this page stayed open) finds
  // the first one through a synchronous, cancelable probe and wraps nothing twice.
  // The old hook keeps posting to `document`, where the new relay listens.
  if (!Reflect.apply(dispatch, doc, [new CustomEventCtor(PROBE_EVENT, { cancelable: true })])) return;
  Reflect.apply(listen, doc, [PROBE_EVENT, (e) => e.preventDefault()]);

  // The React hook (react.js, run right after this file in the same world) asks
  // for `emit` with a synchronous event, so both share one batch stream and one
  // sequence. Answered once: no page script runs between the two files.
  let emitterGiven = false;
  Reflect.apply(listen, doc, ['__stormwatch_emitter__', (e) => {
    const ask = e.detail;
    if (emitterGiven || !ask || typeof ask !== 'object') return;
    emitterGiven = true;
    ask.emit = emit;
    ask.now = now;
    ask.flush = flush;
  }]);

  // ---- batching -------------------------------------------------------------
  const docId = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  let buffer = [];
  let dropped = 0;
  let seq = 0;
  let timer = 0;

  function flush() {
    timer = 0;
    if (buffer.length === 0 && dropped === 0) return;
    // Field order matters: the relay checks this head with a cheap prefix test.
    const text = stringify({ v: 1, kind: 'stormwatch.batch', doc: docId, seq: ++seq, dropped, count: buffer.length, events: buffer });
    buffer = [];
    dropped = 0;
    try {
      Reflect.apply(dispatch, doc, [new CustomEventCtor(BATCH_EVENT, { detail: text })]);
    } catch (_) { /* the relay is gone; nothing the page should notice */ }
  }

  function emit(event) {
    if (buffer.length >= MAX_BUFFER) {
      dropped++;
      return;
    }
    buffer.push(event);
    if (buffer.length >= FLUSH_AT) flush();
    else if (!timer) timer = setTimer(flush, FLUSH_MS);
  }

  // ---- wrapping helpers -------------------------------------------------------
  const originals = new WeakMap();
  const nativeToString = Function.prototype.toString;
  // Function.prototype.toString answers for our wrappers with the original's text,
  // so `fetch.toString()` still reads `function fetch() { [native code] }`.
  const toStringWrapper = {
    toString() {
      return Reflect.apply(nativeToString, originals.get(this) || this, arguments);
    },
  }.toString;

  function replace(owner, name, makeWrapper) {
    try {
      const d = getDescriptor(owner, name);
      if (!d || typeof d.value !== 'function' || (!d.writable && !d.configurable)) return;
      const wrapper = makeWrapper(d.value);
      originals.set(wrapper, d.value);
      defineProperty(owner, name, { value: wrapper, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable });
    } catch (_) { /* leave it as it was */ }
  }

  let nextId = 0;

  // FNV-1a over UTF-16 code units; the same function as `event::body_signature`.
  function signature(text) {
    if (text.length === 0) return '';
    if (text.length > MAX_HASHED_BODY) return null;
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(16).padStart(8, '0') + ':' + text.length;
  }

  // A signature of a body that can be taken without consuming it; null when unknown.
  function bodySignature(body) {
    if (body === undefined || body === null) return '';
    if (typeof body === 'string') return signature(body);
    if (body instanceof URLSearchParams) return signature(body.toString());
    if (body instanceof FormData) {
      let text = '';
      for (const [k, v] of body.entries()) {
        if (typeof v !== 'string') return null;
        text += k + '=' + v + '&';
      }
      return signature(text);
    }
    return null;
  }

  // GraphQL operation name, so per-id GraphQL queries group like REST ones.
  const OPERATION = /"operationName"\s*:\s*"([A-Za-z0-9_]{1,100})"/;
  function operationOf(body) {
    if (typeof body !== 'string' || body.length > MAX_HASHED_BODY) return null;
    const m = OPERATION.exec(body);
    return m ? m[1] : null;
  }

  function hasRange(headers) {
    if (!headers) return false;
    if (HeadersCtor && headers instanceof HeadersCtor) return headers.has('range');
    if (Array.isArray(headers)) return headers.some((h) => String(h[0]).toLowerCase() === 'range');
    return Object.keys(headers).some((k) => k.toLowerCase() === 'range');
  }

  const absolute = (url) => new URL(String(url), doc.baseURI).href;

  // ---- fetch ---------------------------------------------------------------------
  function fetchStart(input, init) {
    let method = 'GET';
    let url;
    let body = '';
    let keepalive = false;
    let range = false;
    let op = null;
    if (RequestCtor && input instanceof RequestCtor) {
      method = input.method;
      url = input.url;
      body = input.body ? null : '';
      keepalive = input.keepalive;
      range = input.headers.has('range');
    } else {
      url = absolute(input);
    }
    if (init !== undefined && init !== null && typeof init === 'object') {
      if (init.method !== undefined) method = String(init.method).toUpperCase();
      if (init.body !== undefined) {
        body = bodySignature(init.body);
        op = operationOf(init.body);
      }
      if (init.keepalive) keepalive = true;
      if (hasRange(init.headers)) range = true;
    }
    const id = ++nextId;
    emit({ type: 'request_start', id, api: 'fetch', method, url, t: now(), body, keepalive, range, op });
    return id;
  }

  function header(headers, name) {
    const v = headers.get(name);
    return v === null ? null : v;
  }

  function fetchEnd(id, response) {
    const h = response.headers;
    const length = h.get('content-length');
    emit({
      type: 'request_end', id, t: now(), status: response.status, outcome: 'ok',
      content_type: header(h, 'content-type'),
      content_length: length === null || isNaN(+length) ? null : +length,
      content_encoding: header(h, 'content-encoding'),
      cache_control: header(h, 'cache-control'),
    });
  }

  function fetchFailed(id, error) {
    const aborted = error !== null && typeof error === 'object' && error.name === 'AbortError';
    emit({ type: 'request_end', id, t: now(), status: 0, outcome: aborted ? 'abort' : 'error' });
  }

  replace(window, 'fetch', (original) => ({
    fetch(input) {
      let id = 0;
      try {
        id = fetchStart(input, arguments[1]);
      } catch (_) { /* an invalid URL: fetch itself will reject, as it always did */ }
      const promise = Reflect.apply(original, this, arguments);
      if (!id) return promise;
      // The page gets a promise that settles like the original; the original is
      // observed through it, so an uncaught failure still reaches the page's
      // `unhandledrejection` handler with the page's own error.
      return Reflect.apply(then, promise, [
        (response) => {
          try { fetchEnd(id, response); } catch (_) { /* keep the page's response */ }
          return response;
        },
        (error) => {
          try { fetchFailed(id, error); } catch (_) { /* keep the page's error */ }
          throw error;
        },
      ]);
    },
  }).fetch);

  // ---- XMLHttpRequest ---------------------------------------------------------------
  if (typeof XMLHttpRequest === 'function') {
    const xhrs = new WeakMap();

    function parseHeaders(text) {
      const out = {};
      for (const line of text.split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) out[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      return out;
    }

    function onAbort() {
      const info = xhrs.get(this);
      if (info) info.aborted = true;
    }

    function onLoadEnd() {
      try {
        const info = xhrs.get(this);
        if (!info || !info.id) return;
        const id = info.id;
        info.id = 0;
        if (this.status === 0) {
          emit({ type: 'request_end', id, t: now(), status: 0, outcome: info.aborted ? 'abort' : 'error' });
          return;
        }
        // getAllResponseHeaders lists only what the page may read, without the
        // console errors getResponseHeader logs for hidden headers.
        const h = parseHeaders(this.getAllResponseHeaders());
        const length = h['content-length'];
        emit({
          type: 'request_end', id, t: now(), status: this.status, outcome: 'ok',
          content_type: h['content-type'] || null,
          content_length: length === undefined || isNaN(+length) ? null : +length,
          content_encoding: h['content-encoding'] || null,
          cache_control: h['cache-control'] || null,
        });
      } catch (_) { /* never into the page */ }
    }

    const proto = XMLHttpRequest.prototype;
    replace(proto, 'open', (original) => ({
      open(method, url) {
        try {
          xhrs.set(this, { method: String(method).toUpperCase(), url: absolute(url), id: 0, aborted: false, listening: false });
        } catch (_) { xhrs.delete(this); }
        return Reflect.apply(original, this, arguments);
      },
    }).open);

    replace(proto, 'send', (original) => ({
      send() {
        const info = xhrs.get(this);
        if (info) {
          try {
            if (!info.listening) {
              Reflect.apply(listen, this, ['abort', onAbort]);
              Reflect.apply(listen, this, ['loadend', onLoadEnd]);
              info.listening = true;
            }
            info.aborted = false;
            info.id = ++nextId;
            const sent = arguments[0];
            const body = info.method === 'GET' || info.method === 'HEAD' ? '' : bodySignature(sent);
            emit({ type: 'request_start', id: info.id, api: 'xhr', method: info.method, url: info.url, t: now(), body, keepalive: false, range: false, op: operationOf(sent) });
          } catch (_) { /* record nothing */ }
        }
        try {
          return Reflect.apply(original, this, arguments);
        } catch (error) {
          if (info && info.id) {
            emit({ type: 'request_end', id: info.id, t: now(), status: 0, outcome: 'error' });
            info.id = 0;
          }
          throw error;
        }
      },
    }).send);
  }

  // ---- routes, visibility, resources ---------------------------------------------
  let lastRoute = location.href;
  function route(kind) {
    try {
      const url = location.href;
      if (url === lastRoute && kind !== 'replace') return;
      lastRoute = url;
      emit({ type: 'route', t: now(), url, kind });
    } catch (_) { /* ignore */ }
  }

  if (typeof History === 'function') {
    replace(History.prototype, 'pushState', (original) => ({
      pushState(data, unused) {
        const result = Reflect.apply(original, this, arguments);
        route('push');
        return result;
      },
    }).pushState);
    replace(History.prototype, 'replaceState', (original) => ({
      replaceState(data, unused) {
        const result = Reflect.apply(original, this, arguments);
        route('replace');
        return result;
      },
    }).replaceState);
  }
  // Our toString goes in last, once every wrapper is registered.
  replace(Function.prototype, 'toString', () => toStringWrapper);

  const passive = { capture: true, passive: true };
  Reflect.apply(listen, window, ['popstate', () => route('pop'), passive]);
  Reflect.apply(listen, window, ['hashchange', () => route('hash'), passive]);
  Reflect.apply(listen, doc, ['visibilitychange', () => {
    try { emit({ type: 'visibility', t: now(), hidden: doc.visibilityState === 'hidden' }); } catch (_) { /* ignore */ }
  }, passive]);
  // Clicking into DevTools blurs the page; refetch-on-focus libraries then fire
  // requests the app did not decide on. The engine marks requests right after these.
  const focusChange = (focused) => () => {
    try { emit({ type: 'focus', t: now(), focused }); } catch (_) { /* ignore */ }
  };
  Reflect.apply(listen, window, ['focus', focusChange(true), passive]);
  Reflect.apply(listen, window, ['blur', focusChange(false), passive]);
  const lifecycle = (phase) => () => {
    try { emit({ type: 'lifecycle', t: now(), phase }); } catch (_) { /* ignore */ }
  };
  Reflect.apply(listen, doc, ['DOMContentLoaded', lifecycle('dcl'), { once: true, passive: true }]);
  Reflect.apply(listen, window, ['load', lifecycle('load'), { once: true, passive: true }]);

  // ---- EventSource and WebSocket -----------------------------------------------------
  // The constructor is replaced by a Proxy of itself: `new`, `instanceof`, the
  // prototype, static constants (OPEN, CLOSED...), name and length all stay the
  // original's; `prototype.constructor` points at what `window` now holds, as before.
  let nextConnection = 0;
  let openConnections = 0;
  function watchConnections(name) {
    const original = window[name];
    if (typeof original !== 'function') return;
    const closed = new WeakSet();
    const onClose = function () {
      try {
        if (closed.has(this) || this.readyState !== 2) return;
        closed.add(this);
        openConnections--;
        emit({ type: 'connection_close', id: ids.get(this), t: now() });
      } catch (_) { /* ignore */ }
    };
    const ids = new WeakMap();
    replace(window, name, () => {
      const proxy = new Proxy(original, {
        construct(target, args, newTarget) {
          const instance = Reflect.construct(target, args, newTarget === proxy ? target : newTarget);
          try {
            const id = ++nextConnection;
            ids.set(instance, id);
            emit({ type: 'connection_open', id, kind: name.toLowerCase(), url: instance.url, t: now() });
            openConnections++;
            Reflect.apply(listen, instance, [name === 'WebSocket' ? 'close' : 'error', onClose]);
          } catch (_) { /* record nothing */ }
          return instance;
        },
      });
      return proxy;
    });
    try {
      const proto = original.prototype;
      const d = getDescriptor(proto, 'constructor');
      if (d && d.writable) defineProperty(proto, 'constructor', { ...d, value: window[name] });
      replace(proto, 'close', (close) => ({
        close() {
          const result = Reflect.apply(close, this, arguments);
          Reflect.apply(onClose, this, []);
          return result;
        },
      }).close);
    } catch (_) { /* leave it */ }
  }
  watchConnections('EventSource');
  watchConnections('WebSocket');

  // ---- timers and memory samples ---------------------------------------------------
  // Intervals created and not cleared: a leak candidate the memory detector names.
  const liveIntervals = new Set();
  replace(window, 'setInterval', (original) => ({
    setInterval(handler) {
      const id = Reflect.apply(original, this, arguments);
      liveIntervals.add(id);
      return id;
    },
  }).setInterval);
  for (const name of ['clearInterval', 'clearTimeout']) {
    replace(window, name, (original) => ({
      [name]() {
        liveIntervals.delete(arguments[0]);
        return Reflect.apply(original, this, arguments);
      },
    })[name]);
  }
  const setRepeating = originalSetInterval;
  const memory = perf.memory;
  setRepeating(() => {
    try {
      emit({
        type: 'memory', t: now(),
        heap: memory ? memory.usedJSHeapSize : null,
        nodes: doc.getElementsByTagName('*').length,
        intervals: liveIntervals.size,
        connections: openConnections,
      });
    } catch (_) { /* ignore */ }
  }, MEMORY_SAMPLE_MS);

  // Deliver what is buffered before the page goes away or into the bfcache.
  Reflect.apply(listen, window, ['pagehide', flush, passive]);

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        // Zero sizes with no status mean "not allowed to know" (cross-origin
        // without Timing-Allow-Origin), which is not the same as zero.
        const known = e.encodedBodySize > 0 || e.transferSize > 0 || e.responseStatus > 0;
        emit({
          type: 'resource', url: e.name, initiator: e.initiatorType, start: origin + e.startTime, duration: e.duration,
          transfer_size: known ? e.transferSize : null,
          encoded_size: known ? e.encodedBodySize : null,
          decoded_size: known ? e.decodedBodySize : null,
          status: e.responseStatus > 0 ? e.responseStatus : null,
        });
      }
    }).observe({ type: 'resource', buffered: true });
  } catch (_) { /* no Resource Timing here */ }

  // Long animation frames (Chrome 123+), with the scripts that ran in them; plain
  // long tasks (no attribution) where that API is missing.
  try {
    const types = PerformanceObserver.supportedEntryTypes || [];
    const loaf = types.includes('long-animation-frame');
    if (loaf || types.includes('longtask')) {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (e.duration <= 50) continue;
          const scripts = loaf
            ? Array.from(e.scripts || [])
              .sort((a, b) => b.duration - a.duration)
              .slice(0, 5)
              .map((s) => ({
                url: s.sourceURL || '', function: s.sourceFunctionName || '',
                char: typeof s.sourceCharPosition === 'number' ? s.sourceCharPosition : -1,
                invoker: s.invoker || '', duration: s.duration, forced_layout: s.forcedStyleAndLayoutDuration || 0,
              }))
            : [];
          let forced = 0;
          for (const s of scripts) forced += s.forced_layout;
          emit({ type: 'long_task', t: origin + e.startTime, duration: e.duration, blocking: loaf ? e.blockingDuration : null, forced_layout: forced, scripts });
        }
      }).observe({ type: loaf ? 'long-animation-frame' : 'longtask', buffered: true });
    }
  } catch (_) { /* no long task timing here */ }

  emit({ type: 'page', t: origin, url: location.href });
  if (doc.visibilityState === 'hidden') emit({ type: 'visibility', t: now(), hidden: true });
})();
