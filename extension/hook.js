// Stormwatch page hook. Runs in the page's own world at document_start, before the
// page's scripts, and only records: what the page calls (fetch, XHR, history) and
// what the browser reports (resource timing, visibility). Events are posted in
// batches to the relay (relay.js) as a CustomEvent carrying a JSON string.
//
// Rules this file keeps (see shared/notes/reliability.md):
// - never throw into page code: every recording step is inside try/catch;
// - never change what the page observes: return the page's own Response, rethrow
//   the page's own errors, never read or clone a body, keep name/length/toString
//   of everything wrapped, wrap prototypes not instances, keep property attributes,
//   and keep when promises settle: a fetch that rejects at once returns the native
//   promise, so handlers and unhandled rejections come at the same microtask
//   (tests/e2e/invisible.test.mjs compares all of this with and without us);
// - cost the page little, and say how much: each batch carries the time spent here;
// - use only primitives saved at start, so a page that replaces them later
//   (setTimeout, JSON, dispatchEvent) neither breaks nor sees us.
//
// What it sends is a contract with the panel (src/model/protocol.rs, src/model/event.rs): every
// event is built by one constructor below ("the events"), and the constants marked
// "wire" have the values in tests/fixtures/wire/constants.json, which
// tests/e2e/wire.test.mjs and tests/wire.rs both check.
(() => {
  'use strict';

  const BATCH_EVENT = '__stormwatch_batch__';
  const PROBE_EVENT = '__stormwatch_probe__';
  const FLUSH_MS = 40;
  const BUSY_RATE = 0.3;
  const BUSY_FLUSH_MS = 250;
  // wire: the envelope's version and kind, batch sizes, body and GraphQL limits.
  const PROTOCOL_VERSION = 2;
  const BATCH_KIND = 'stormwatch.batch';
  const BATCH_FLUSH_AT = 500;
  const MAX_BUFFERED_EVENTS = 10000;
  const MAX_HASHED_BODY = 256 * 1024;
  const MAX_OPERATION_NAME = 100;

  const doc = document;
  const dispatch = EventTarget.prototype.dispatchEvent;
  const listen = EventTarget.prototype.addEventListener;
  const unlisten = EventTarget.prototype.removeEventListener;
  const CustomEventCtor = CustomEvent;
  const setTimer = setTimeout;
  const clearTimer = clearTimeout;
  const originalSetInterval = setInterval;
  const MEMORY_SAMPLE_MS = 2000;
  const stringify = JSON.stringify;
  const then = Promise.prototype.then;
  const defineProperty = Object.defineProperty;
  const getDescriptor = Object.getOwnPropertyDescriptor;
  const RequestCtor = typeof Request === 'function' ? Request : null;
  const HeadersCtor = typeof Headers === 'function' ? Headers : null;
  const URLCtor = URL;
  const PromiseCtor = Promise;
  const AbortSignalCtor = typeof AbortSignal === 'function' ? AbortSignal : null;
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
    ask.cost = (ms) => { spent += ms; };
    // The id of the latest request started: react.js tells which requests React's
    // effects sent by reading it before and after they run.
    ask.lastRequest = () => nextId;
  }]);

  // ---- the events ------------------------------------------------------------
  // One constructor per event type, so each shape is written once. Keys come in the
  // order of the Rust structs (src/model/event.rs), `type` first (the panel's decoder
  // reads it first to go straight to the right struct), and every key is always
  // there, null when unknown: the panel requires each one, so a key renamed here is
  // an error it counts, not a value it silently misses. Goldens of each shape:
  // tests/fixtures/wire/events/. The React events are built in react.js.
  const pageEvent = (t, url) => ({ type: 'page', t, url });
  const requestStart = (id, api, method, url, t, body, keepalive, range, op) =>
    ({ type: 'request_start', id, api, method, url, t, body, keepalive, range, op });
  const requestEnd = (id, t, status, outcome, contentType, length, encoding, cacheControl) =>
    ({ type: 'request_end', id, t, status, outcome, content_type: contentType, content_length: length, content_encoding: encoding, cache_control: cacheControl });
  // A request that got no response: failed ('error') or aborted ('abort').
  const requestFailed = (id, t, outcome) => requestEnd(id, t, 0, outcome, null, null, null, null);
  const resourceEvent = (url, initiator, start, duration, transferSize, encodedSize, decodedSize, status) =>
    ({ type: 'resource', url, initiator, start, duration, transfer_size: transferSize, encoded_size: encodedSize, decoded_size: decodedSize, status });
  const routeEvent = (t, url, kind) => ({ type: 'route', t, url, kind });
  const visibilityEvent = (t, hidden) => ({ type: 'visibility', t, hidden });
  const lifecycleEvent = (t, phase) => ({ type: 'lifecycle', t, phase });
  const focusEvent = (t, focused) => ({ type: 'focus', t, focused });
  const connectionOpen = (id, kind, url, t) => ({ type: 'connection_open', id, kind, url, t });
  const connectionClose = (id, t) => ({ type: 'connection_close', id, t });
  const longTask = (t, duration, blocking, forcedLayout, scripts) =>
    ({ type: 'long_task', t, duration, blocking, forced_layout: forcedLayout, scripts });
  const taskScript = (url, fn, char, invoker, duration, forcedLayout) =>
    ({ url, function: fn, char, invoker, duration, forced_layout: forcedLayout });
  const memorySample = (t, heap, nodes, intervals, connections) =>
    ({ type: 'memory', t, heap, nodes, intervals, connections });

  // A Content-Length header as the wire's unsigned integer; null when absent or not one.
  function contentLength(text) {
    if (text === null || text === undefined || text === '') return null;
    const n = +text;
    return n >= 0 && n % 1 === 0 && n <= 9007199254740991 ? n : null;
  }

  // ---- batching -------------------------------------------------------------
  // The first event of a quiet spell arms a FLUSH_MS timer, so a finding reaches
  // the panel within about 100 ms. When the last batch came at more than
  // BUSY_RATE events per millisecond (a flood: about 100 requests a second, each a
  // start, an end and a resource entry), the timer is BUSY_FLUSH_MS instead, so the
  // flood costs the page (and the relay, the service worker and the panel, which
  // share its CPU) a few messages a second rather than dozens. Not lower: an app
  // with a few dozen requests a second of ordinary traffic would then wait 250 ms
  // for every finding.
  // Events that change how later requests read (focus, route, visibility) go out
  // at once: the engine must know of a focus change before DevTools' log of the
  // refetch it provoked arrives.
  const docId = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  let buffer = [];
  let dropped = 0;
  let seq = 0;
  let timer = 0;
  let lastFlush = -1e9;
  let busy = false;
  // Milliseconds this hook spent on its own work since the last batch went out
  // (wrappers, observers, building and handing over batches), sent with each batch
  // so the panel can show what watching costs the page.
  let spent = 0;

  function flush() {
    if (timer) clearTimer(timer);
    timer = 0;
    if (buffer.length === 0 && dropped === 0) return;
    const t0 = perfNow();
    const rate = buffer.length / Math.max(t0 - lastFlush, 1);
    busy = rate > BUSY_RATE;
    lastFlush = t0;
    const events = buffer;
    const cost = spent;
    const lost = dropped;
    buffer = [];
    dropped = 0;
    spent = 0;
    // Field order matters: the relay checks this head with a cheap prefix test.
    // One stringify per batch; what it costs is counted in the next batch. `origin`
    // (when this document began) lets the panel tell the previous page's late
    // network entries from this one's.
    const text = stringify({ v: PROTOCOL_VERSION, kind: BATCH_KIND, doc: docId, seq: ++seq, dropped: lost, count: events.length, events, cost_us: Math.round(cost * 1000), origin });
    try {
      Reflect.apply(dispatch, doc, [new CustomEventCtor(BATCH_EVENT, { detail: text })]);
    } catch (_) { /* the relay is gone; nothing the page should notice */ }
    spent += perfNow() - t0;
  }

  // An event that must not wait behind a flood's long timer.
  function emitNow(event) {
    emit(event);
    if (busy) flush();
  }

  function emit(event) {
    if (buffer.length >= MAX_BUFFERED_EVENTS) {
      dropped++;
      return;
    }
    buffer.push(event);
    if (buffer.length >= BATCH_FLUSH_AT) flush();
    else if (!timer) {
      // A rate learnt long ago says nothing about now: a quiet spell starts over.
      const recent = perfNow() - lastFlush < BUSY_FLUSH_MS * 2;
      timer = setTimer(flush, recent && busy ? BUSY_FLUSH_MS : FLUSH_MS);
    }
  }

  // Time spent in a recording step outside the wrappers (observers, samples).
  function timed(f) {
    return function () {
      const t0 = perfNow();
      try {
        return Reflect.apply(f, this, arguments);
      } finally {
        spent += perfNow() - t0;
      }
    };
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

  // FNV-1a over UTF-16 code units; the same function as `event::request_body_signature`
  // (tests/fixtures/wire/body_hashes.json).
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

  // GraphQL operation name, so per-id GraphQL queries group like REST ones; a
  // mutation's reads `mutation Name` (a write: reading the data again after it is
  // no copy). The same rule as `event::graphql_operation`
  // (tests/fixtures/wire/graphql_ops.json).
  const OPERATION = new RegExp('"operationName"[ \\t\\n\\r]*:[ \\t\\n\\r]*"([A-Za-z0-9_]{1,' + MAX_OPERATION_NAME + '})"');
  // The first "query" key's string starts with the keyword, after white space and
  // commas (raw or as JSON escapes). Sticky: matched where the key is.
  const MUTATION = /"query"[ \t\n\r]*:[ \t\n\r]*"(?:[ \t\n\r,]|\\[nrt])*mutation(?![A-Za-z0-9_])/y;
  function operationOf(body) {
    if (typeof body !== 'string' || body.length > MAX_HASHED_BODY) return null;
    const m = OPERATION.exec(body);
    if (!m) return null;
    MUTATION.lastIndex = body.indexOf('"query"');
    return MUTATION.lastIndex >= 0 && MUTATION.test(body) ? 'mutation ' + m[1] : m[1];
  }

  // ---- fetch ---------------------------------------------------------------------
  // A fetch that fails its argument checks (no arguments, a bad URL or init, an
  // aborted signal, a used body, a scheme fetch refuses) returns a promise that is
  // already rejected. Observing it through `.then` would hand the page a promise that
  // settles one microtask later (and would reorder its unhandled rejections), so for
  // those the page gets the native promise untouched. They are recognized before the
  // call with the browser's own checks: a throwaway `Request` built from the same
  // arguments, which reads the init like fetch does and consumes no body.
  const WATCHED_SCHEME = /^(?:https?|data|blob):/i;

  // The href of a path-absolute URL ("/api/items?page=2", what apps fetch most),
  // without a `new URL` per call: the base's scheme and host (taken once per base)
  // plus the text as written. Only for text the URL parser keeps exactly as it is:
  // no dot segments, no backslash, no percent sign in the path (%2e is a dot), in the
  // query nothing the parser escapes (space, quotes, <, >, `, #), no fragment.
  // Anything else goes through `new URL`, as before (scripts/bench-hook.mjs compares).
  // One way only to match each text (segments split at "/"), so no input backtracks.
  const PLAIN_PATH = /^\/(?!\/)(?!\.\.?(?:[/?]|$))[A-Za-z0-9\-_~!$&()*+,;=:@.]*(?:\/(?!\.\.?(?:[/?]|$))[A-Za-z0-9\-_~!$&()*+,;=:@.]*)*(?:\?[A-Za-z0-9\-_~!$&()*+,;=:@/?.%]*)?$/;
  let lastBase = null;
  let basePrefix = null; // "http://host:port" of lastBase; null when the fast path does not apply
  function resolve(text, withCredentials) {
    const base = doc.baseURI;
    if (base !== lastBase) {
      lastBase = base;
      basePrefix = null;
      try {
        const root = new URLCtor('/', base);
        if ((root.protocol === 'http:' || root.protocol === 'https:') && root.username === '' && root.password === '') {
          basePrefix = root.href.slice(0, -1);
        }
      } catch (_) { /* no fast path for this base */ }
    }
    // Long texts go the general way: a test over tens of thousands of segments is slow.
    if (basePrefix !== null && text.length <= 2048 && PLAIN_PATH.test(text)) return basePrefix + text;
    const u = new URLCtor(text, base);
    // Credentials in the URL: fetch rejects at once (XHR takes them).
    return !withCredentials && (u.username !== '' || u.password !== '') ? null : u.href;
  }

  // An object the page passes where a string is expected, read as the browser reads
  // it (its toString), so the browser can be given the string and the page's
  // toString runs once, as it does without us. Primitives are left as they are:
  // reading them has no effect the page can see (and a symbol must throw where the
  // browser throws it).
  const isObject = (value) => value !== null && (typeof value === 'object' || typeof value === 'function');

  // Whether `value` is a Request, from this window or another (an iframe's): the
  // browser's own brand check, which `instanceof` is not.
  const requestUrl = RequestCtor !== null ? getDescriptor(RequestCtor.prototype, 'url').get : null;
  const objectToString = Object.prototype.toString;
  function isRequestObject(value) {
    if (requestUrl === null || value === null || typeof value !== 'object') return false;
    if (value instanceof RequestCtor) return true;
    // Only what says it is a Request is checked (by a getter that throws on anything
    // else), so a URL object costs no exception.
    if (Reflect.apply(objectToString, value, []) !== '[object Request]') return false;
    try {
      Reflect.apply(requestUrl, value, []);
      return true;
    } catch (_) {
      return false;
    }
  }

  // What to record for one call: null when fetch will reject at once (or the
  // call cannot be checked without side effects), else the request's fields.
  // `args` is what to call fetch with: the page's own arguments, or, when the page
  // passed an object to be read as a URL (a URL, anything with a toString), the
  // same arguments with that object already read. Read once, so the page's
  // toString runs once, as it does without us. `thrown` is set (and the plan is
  // null) when reading it threw: fetch would reject with that error.
  function fetchPlan(self, args, call) {
    if (args.length === 0) return null;
    // Any other `this` is an "Illegal invocation", rejected at once.
    if (self !== undefined && self !== null && self !== window) return null;
    let input = args[0];
    const init = args[1];
    let method = 'GET';
    let url;
    let body = '';
    let keepalive = false;
    let range = false;
    let op = null;
    let failed = false;
    let signal = null;
    // A symbol is not text: fetch rejects at once.
    if (typeof input === 'symbol') return null;
    const isRequest = isRequestObject(input);
    if (!isRequest && isObject(input)) {
      try {
        input = String(input);
      } catch (error) {
        call.thrown = error;
        call.threw = true;
        return null;
      }
      const copy = [input];
      for (let i = 1; i < args.length; i++) copy.push(args[i]);
      call.args = copy;
    }
    if (init === undefined || init === null) {
      if (isRequest) {
        if (input.bodyUsed) return null;
        signal = input.signal;
        failed = signal.aborted;
        method = input.method;
        url = input.url;
        body = input.body ? null : '';
        keepalive = input.keepalive;
        range = input.headers.has('range');
      } else {
        url = resolve(String(input), false);
        if (url === null) return null;
      }
    } else {
      // A Request with a body and no new one: building a copy would take its body.
      if (isRequest && input.body !== null && (typeof init !== 'object' || init.body === undefined)) return null;
      let request;
      try {
        request = new RequestCtor(input, init);
      } catch (_) {
        return null;
      }
      failed = request.signal.aborted;
      signal = init.signal !== undefined ? init.signal : isRequest ? input.signal : null;
      method = request.method;
      url = request.url;
      keepalive = request.keepalive;
      range = request.headers.has('range');
      if (isRequest) body = input.body ? null : '';
      const sent = init.body;
      if (sent !== undefined && sent !== null) {
        body = bodySignature(sent);
        op = operationOf(sent);
      } else if (!isRequest) {
        body = '';
      }
    }
    if (!WATCHED_SCHEME.test(url)) return null;
    if (AbortSignalCtor === null || !(signal instanceof AbortSignalCtor)) signal = null;
    return { method, url, body, keepalive, range, op, failed, signal };
  }

  function header(headers, name) {
    const v = headers.get(name);
    return v === null ? null : v;
  }

  function fetchEnd(id, response) {
    const h = response.headers;
    emit(requestEnd(id, now(), response.status, 'ok', header(h, 'content-type'), contentLength(h.get('content-length')),
      header(h, 'content-encoding'), header(h, 'cache-control')));
  }

  function fetchFailed(id, error, signal) {
    // An abort with a reason of the page's own rejects with that reason.
    const aborted = (signal !== null && signal.aborted) || (error !== null && typeof error === 'object' && error.name === 'AbortError');
    emit(requestFailed(id, now(), aborted ? 'abort' : 'error'));
  }

  replace(window, 'fetch', (original) => ({
    fetch(input) {
      const t0 = perfNow();
      let id = 0;
      let signal = null;
      // What fetchPlan read of the arguments (see there).
      const call = { args: arguments, thrown: undefined, threw: false };
      try {
        const plan = fetchPlan(this, arguments, call);
        if (plan !== null) {
          id = ++nextId;
          signal = plan.signal;
          const t = origin + t0;
          emit(requestStart(id, 'fetch', plan.method, plan.url, t, plan.body, plan.keepalive, plan.range, plan.op));
          if (plan.failed) {
            // Aborted before it started: recorded, and the page keeps the native promise.
            emit(requestFailed(id, t, 'abort'));
            id = 0;
          }
        }
      } catch (_) { id = 0; /* unknown: leave the call alone */ }
      spent += perfNow() - t0;
      // Reading the URL threw: fetch rejects with that error, at once, without
      // reading it a second time.
      if (call.threw) return Reflect.apply(PromiseCtor.reject, PromiseCtor, [call.thrown]);
      const promise = Reflect.apply(original, this, call.args);
      if (!id) return promise;
      // The page gets a promise that settles like the original; the original is
      // observed through it, so an uncaught failure still reaches the page's
      // `unhandledrejection` handler with the page's own error, and a caught one
      // does not. Settled from a reaction, it would settle a microtask after the
      // original, which the page can see only when the original is rejected
      // synchronously: a fetch that rejects at once gets the original (above), and
      // for an abort in flight ours is rejected synchronously too, inside abort(),
      // from the signal's abort event.
      if (signal === null) {
        return Reflect.apply(then, promise, [
          (response) => {
            const t1 = perfNow();
            try { fetchEnd(id, response); } catch (_) { /* keep the page's response */ }
            spent += perfNow() - t1;
            return response;
          },
          (error) => {
            const t1 = perfNow();
            try { fetchFailed(id, error, null); } catch (_) { /* keep the page's error */ }
            spent += perfNow() - t1;
            throw error;
          },
        ]);
      }
      let resolveOurs = null;
      let rejectOurs = null;
      const ours = new PromiseCtor((resolve, reject) => {
        resolveOurs = resolve;
        rejectOurs = reject;
      });
      const onAbort = () => {
        try { rejectOurs(signal.reason); } catch (_) { /* settled already */ }
      };
      const done = () => {
        try { Reflect.apply(unlisten, signal, ['abort', onAbort]); } catch (_) { /* gone */ }
      };
      try { Reflect.apply(listen, signal, ['abort', onAbort]); } catch (_) { /* then only the settled promise tells */ }
      Reflect.apply(then, promise, [
        (response) => {
          const t1 = perfNow();
          try {
            done();
            fetchEnd(id, response);
          } catch (_) { /* keep the page's response */ }
          spent += perfNow() - t1;
          resolveOurs(response);
        },
        (error) => {
          const t1 = perfNow();
          try {
            done();
            fetchFailed(id, error, signal);
          } catch (_) { /* keep the page's error */ }
          spent += perfNow() - t1;
          rejectOurs(error);
        },
      ]);
      return ours;
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
      const t0 = perfNow();
      try {
        const info = xhrs.get(this);
        if (!info || !info.id) return;
        const id = info.id;
        info.id = 0;
        if (this.status === 0) {
          emit(requestFailed(id, now(), info.aborted ? 'abort' : 'error'));
          return;
        }
        // getAllResponseHeaders lists only what the page may read, without the
        // console errors getResponseHeader logs for hidden headers.
        const h = parseHeaders(this.getAllResponseHeaders());
        emit(requestEnd(id, now(), this.status, 'ok', h['content-type'] || null, contentLength(h['content-length']),
          h['content-encoding'] || null, h['cache-control'] || null));
      } catch (_) { /* never into the page */ }
      spent += perfNow() - t0;
    }

    const proto = XMLHttpRequest.prototype;
    // The browser's own check that `this` is an XMLHttpRequest (it throws otherwise).
    const readyState = getDescriptor(proto, 'readyState').get;
    replace(proto, 'open', (original) => ({
      open(method, url) {
        const t0 = perfNow();
        let args = arguments;
        // open() checks `this` and the number of arguments before it reads any of
        // them; only then are the method and URL read here, once, and handed over read.
        let checked = false;
        try {
          // A symbol cannot be read as text: open() throws, and nothing is recorded.
          checked = args.length >= 2 && typeof args[0] !== 'symbol' && typeof args[1] !== 'symbol' &&
            (Reflect.apply(readyState, this, []), true);
        } catch (_) { /* not an XMLHttpRequest: open() throws, reading nothing */ }
        if (checked) {
          let m = args[0];
          let u = args[1];
          if (isObject(m) || isObject(u)) {
            try {
              if (isObject(m)) m = String(m);
              if (isObject(u)) u = String(u);
            } catch (error) {
              // open() would throw this very error, reading no further.
              spent += perfNow() - t0;
              throw error;
            }
            args = [m, u];
            for (let i = 2; i < arguments.length; i++) args.push(arguments[i]);
          }
          try {
            xhrs.set(this, { method: String(m).toUpperCase(), url: resolve(String(u), true), id: 0, aborted: false, listening: false });
          } catch (_) { xhrs.delete(this); }
        }
        spent += perfNow() - t0;
        return Reflect.apply(original, this, args);
      },
    }).open);

    replace(proto, 'send', (original) => ({
      send() {
        const t0 = perfNow();
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
            emit(requestStart(info.id, 'xhr', info.method, info.url, now(), body, false, false, operationOf(sent)));
          } catch (_) { /* record nothing */ }
        }
        spent += perfNow() - t0;
        try {
          return Reflect.apply(original, this, arguments);
        } catch (error) {
          if (info && info.id) {
            emit(requestFailed(info.id, now(), 'error'));
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
      emitNow(routeEvent(now(), url, kind));
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
    try { emitNow(visibilityEvent(now(), doc.visibilityState === 'hidden')); } catch (_) { /* ignore */ }
  }, passive]);
  // Clicking into DevTools blurs the page; refetch-on-focus libraries then fire
  // requests the app did not decide on. The engine marks requests right after these.
  const focusChange = (focused) => () => {
    try { emitNow(focusEvent(now(), focused)); } catch (_) { /* ignore */ }
  };
  Reflect.apply(listen, window, ['focus', focusChange(true), passive]);
  Reflect.apply(listen, window, ['blur', focusChange(false), passive]);
  const lifecycle = (phase) => () => {
    try { emit(lifecycleEvent(now(), phase)); } catch (_) { /* ignore */ }
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
    // Closed once its readyState is 2 or more: an EventSource's CLOSED is 2 (its
    // `error` with 0 is a reconnect), a WebSocket is CLOSING (2) after `close()`
    // and CLOSED (3) at its `close` event, which also ends one that failed to
    // connect or that the server closed.
    const onClose = function () {
      try {
        if (closed.has(this) || this.readyState < 2) return;
        closed.add(this);
        openConnections--;
        emit(connectionClose(ids.get(this), now()));
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
            emit(connectionOpen(id, name.toLowerCase(), instance.url, now()));
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
  setRepeating(timed(() => {
    try {
      emit(memorySample(now(), memory ? memory.usedJSHeapSize : null, doc.getElementsByTagName('*').length,
        liveIntervals.size, openConnections));
    } catch (_) { /* ignore */ }
  }), MEMORY_SAMPLE_MS);

  // Deliver what is buffered before the page goes away or into the bfcache.
  Reflect.apply(listen, window, ['pagehide', flush, passive]);

  try {
    new PerformanceObserver(timed((list) => {
      for (const e of list.getEntries()) {
        // Zero sizes with no status mean "not allowed to know" (cross-origin
        // without Timing-Allow-Origin), which is not the same as zero.
        const known = e.encodedBodySize > 0 || e.transferSize > 0 || e.responseStatus > 0;
        emit(resourceEvent(e.name, e.initiatorType, origin + e.startTime, e.duration,
          known ? e.transferSize : null, known ? e.encodedBodySize : null, known ? e.decodedBodySize : null,
          e.responseStatus > 0 ? e.responseStatus : null));
      }
    })).observe({ type: 'resource', buffered: true });
  } catch (_) { /* no Resource Timing here */ }

  // Long animation frames (Chrome 123+), with the scripts that ran in them; plain
  // long tasks (no attribution) where that API is missing.
  try {
    const types = PerformanceObserver.supportedEntryTypes || [];
    const loaf = types.includes('long-animation-frame');
    if (loaf || types.includes('longtask')) {
      new PerformanceObserver(timed((list) => {
        for (const e of list.getEntries()) {
          if (e.duration <= 50) continue;
          const scripts = loaf
            ? Array.from(e.scripts || [])
              .sort((a, b) => b.duration - a.duration)
              .slice(0, 5)
              .map((s) => taskScript(s.sourceURL || '', s.sourceFunctionName || '',
                typeof s.sourceCharPosition === 'number' ? s.sourceCharPosition : -1,
                s.invoker || '', s.duration, s.forcedStyleAndLayoutDuration || 0))
            : [];
          let forced = 0;
          for (const s of scripts) forced += s.forced_layout;
          emit(longTask(origin + e.startTime, e.duration, loaf ? e.blockingDuration : null, forced, scripts));
        }
      })).observe({ type: loaf ? 'long-animation-frame' : 'longtask', buffered: true });
    }
  } catch (_) { /* no long task timing here */ }

  emit(pageEvent(origin, location.href));
  if (doc.visibilityState === 'hidden') emit(visibilityEvent(now(), true));
})();
