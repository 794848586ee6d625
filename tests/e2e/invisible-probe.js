// What a page can observe about how and when a wrapped `fetch` settles: the
// microtask at which its handlers run, the order and identity of unhandled
// rejections, errors, streamed bodies, and the descriptors of what Stormwatch
// wraps. Evaluated in the same page with and without the extension; the two
// results must be identical (tests/e2e/invisible.test.mjs).
(async () => {
  const out = {};
  const describe = (e) => (e && typeof e === 'object'
    ? `${Object.getPrototypeOf(e) && Object.getPrototypeOf(e).constructor.name} ${e.name}: ${e.message}`
    : `value ${String(e)}`);

  // Runs `start` (which calls fetch and attaches a handler synchronously), then a
  // chain of Promise.resolve().then ticks; returns the tick at which each handler ran.
  const ticks = (start) => new Promise((resolve) => {
    let tick = 0;
    const seen = [];
    const mark = (label) => (value) => { seen.push(`${label}@${tick} ${describe(value)}`); };
    let returned;
    try {
      returned = start(mark);
    } catch (e) {
      resolve(`threw synchronously: ${describe(e)}`);
      return;
    }
    const step = () => {
      tick++;
      if (tick < 8) Promise.resolve().then(step);
      else resolve([returned instanceof Promise, Object.getOwnPropertyNames(returned).join(','), ...seen].join(' | '));
    };
    Promise.resolve().then(step);
  });

  const used = new Request('/api/search', { method: 'POST', body: 'once' });
  await used.text();
  const aborted = new AbortController();
  aborted.abort();
  const abortedWithReason = new AbortController();
  abortedWithReason.abort(new RangeError('my reason'));
  const abortedRequest = new Request('/api/profile', { signal: aborted.signal });
  // Fetches that reject at once (nothing goes to the network).
  const immediate = {
    'no arguments': () => fetch(),
    'invalid URL': () => fetch('http://[::1'),
    'credentials in URL': () => fetch('http://user:pw@127.0.0.1/'),
    'aborted signal': () => fetch('/api/profile', { signal: aborted.signal }),
    'aborted with a reason': () => fetch('/api/profile', { signal: abortedWithReason.signal }),
    'aborted Request': () => fetch(abortedRequest),
    'GET with a body': () => fetch('/api/profile', { body: 'x' }),
    'HEAD with a body': () => fetch('/api/profile', { method: 'HEAD', body: 'x' }),
    'forbidden method': () => fetch('/api/profile', { method: 'CONNECT' }),
    'invalid method': () => fetch('/api/profile', { method: 'a b' }),
    'invalid header': () => fetch('/api/profile', { headers: { 'a b': 'c' } }),
    'init not an object': () => fetch('/api/profile', 5),
    'mode navigate': () => fetch('/api/profile', { mode: 'navigate' }),
    'no-cors PUT': () => fetch('/api/profile', { mode: 'no-cors', method: 'PUT' }),
    'only-if-cached cross mode': () => fetch('/api/profile', { cache: 'only-if-cached' }),
    'invalid enum': () => fetch('/api/profile', { credentials: 'sometimes' }),
    'stream without duplex': () => fetch('/api/search', { method: 'POST', body: new ReadableStream() }),
    'keepalive stream': () => fetch('/api/search', { method: 'POST', keepalive: true, duplex: 'half', body: new ReadableStream() }),
    'invalid priority': () => fetch('/api/profile', { priority: 'urgent' }),
    'used Request': () => fetch(used),
    'illegal invocation': () => fetch.call({}, '/api/profile'),
    'unsupported scheme': () => fetch('ftp://127.0.0.1/x'),
    'bad port': () => fetch('http://127.0.0.1:9/'),
    // Reading the URL throws (the page's toString) or cannot be done (a symbol).
    'URL whose toString throws': () => fetch({ toString() { throw new RangeError('no URL'); } }),
    'symbol URL': () => fetch(Symbol('u')),
  };
  const forms = {
    then: (p, mark) => p.then(mark('ok'), mark('err')),
    catch: (p, mark) => p.catch(mark('err')),
    await: (p, mark) => (async () => { try { mark('ok')(await p); } catch (e) { mark('err')(e); } })(),
    finally: (p, mark) => p.finally(mark('finally')).catch(mark('err')),
  };
  out.immediate = {};
  for (const [name, call] of Object.entries(immediate)) {
    for (const [form, attach] of Object.entries(forms)) {
      out.immediate[`${name} / ${form}`] = await ticks((mark) => {
        const p = call();
        attach(p, mark);
        return p;
      });
    }
  }
  // A handler attached one tick later, and two fetches raced against each other.
  out.lateHandler = await ticks((mark) => {
    const p = fetch();
    Promise.resolve().then(() => p.catch(mark('late')));
    return p;
  });
  out.raced = await ticks((mark) => {
    const a = fetch('/api/profile', { body: 'x' });
    const b = Promise.reject(new Error('page'));
    Promise.race([a, b]).catch(mark('race'));
    Promise.allSettled([b, a]).then((r) => mark('settled')(r.map((x) => x.status).join()));
    return a;
  });

  // Unhandled rejections: which promise, which reason, in which order; a handler
  // attached later turns into `rejectionhandled`.
  const unhandled = async (start, wait) => {
    const labels = new Map();
    const seen = [];
    const onUnhandled = (e) => {
      e.preventDefault();
      seen.push(`unhandled ${labels.get(e.promise) || 'unknown promise'} ${describe(e.reason)}`);
    };
    const onHandled = (e) => seen.push(`handled ${labels.get(e.promise) || 'unknown promise'}`);
    addEventListener('unhandledrejection', onUnhandled);
    addEventListener('rejectionhandled', onHandled);
    start((label, p) => { labels.set(p, label); return p; });
    await new Promise((r) => setTimeout(r, wait));
    removeEventListener('unhandledrejection', onUnhandled);
    removeEventListener('rejectionhandled', onHandled);
    return seen;
  };
  out.unhandledImmediate = await unhandled((label) => {
    label('fetch()', fetch());
    label('reject 1', Promise.reject(new Error('one')));
    label('GET with body', fetch('/api/profile', { body: 'x' }));
    label('aborted', fetch('/api/profile', { signal: aborted.signal }));
    label('reject 2', Promise.reject(new Error('two')));
    label('invalid URL', fetch('http://[::1'));
    const handledInTime = label('handled in a microtask', fetch());
    Promise.resolve().then(() => handledInTime.catch(() => {}));
  }, 300);
  out.unhandledNetwork = await unhandled((label) => {
    label('network error a', fetch('http://127.0.0.1:2/a'));
    label('network error b', fetch('http://127.0.0.1:2/b'));
  }, 1500);
  out.handledLate = await unhandled((label) => {
    const p = label('handled late', fetch());
    setTimeout(() => p.catch(() => {}), 100);
  }, 400);
  const abortLater = new AbortController();
  out.abortInFlight = await ticks((mark) => {
    const p = fetch('/api/profile', { signal: abortLater.signal });
    p.catch(mark('abort'));
    abortLater.abort();
    return p;
  });

  // Results and errors of fetches that do reach the network.
  const r = await fetch('/api/items?page=2');
  out.ok = [r.status, r.ok, r.statusText, r.type, r.redirected, r.bodyUsed, r.headers.get('content-type'), Object.getPrototypeOf(r) === Response.prototype];
  out.notFound = await fetch('/api/nothing').then((x) => [x.status, x.ok]);
  // Streamed bodies, read chunk by chunk. How a body is cut into chunks depends on
  // when the reads happen, so only a body smaller than one chunk is compared chunk
  // by chunk; bigger ones by their bytes.
  const blob = URL.createObjectURL(new Blob(['x'.repeat(50000)]));
  const chunks = async (url) => {
    const reader = (await fetch(url)).body.getReader();
    const sizes = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return sizes;
      if (!(value instanceof Uint8Array)) return 'not bytes';
      sizes.push(value.length);
    }
  };
  out.blobChunks = (await chunks(blob)).join(',');
  const big = URL.createObjectURL(new Blob(['y'.repeat(300000)]));
  out.bigBlobBytes = (await chunks(big)).reduce((a, b) => a + b, 0);
  URL.revokeObjectURL(big);
  URL.revokeObjectURL(blob);
  out.networkBytes = (await chunks('/api/export')).reduce((a, b) => a + b, 0);
  out.revokedBlob = await fetch(blob).then(() => 'resolved', describe);

  // Order of events around a fetch and an XHR (each list only holds what is ordered
  // by cause, not by which of two independent loads happens to finish first).
  out.order = await new Promise((resolve) => {
    const xhr = [];
    const around = [];
    const x = new XMLHttpRequest();
    for (const t of ['readystatechange', 'loadstart', 'progress', 'load', 'loadend']) x.addEventListener(t, () => xhr.push(`${t} ${x.readyState}`));
    x.open('GET', '/api/items?page=4');
    x.send();
    const p = fetch('data:text/plain,hi').then((res) => { around.push('fetch data'); return res.text(); }).then((t) => around.push(`text ${t}`));
    Promise.resolve().then(() => around.push('microtask'));
    let xhrDone;
    const loaded = new Promise((r) => { xhrDone = r; });
    x.onloadend = xhrDone;
    Promise.all([p, loaded]).then(() => resolve([xhr.filter((o) => !o.startsWith('progress')).join(' / '), around.join(' / ')]));
  });
  out.xhrErrors = [];
  for (const f of [
    () => { const x = new XMLHttpRequest(); x.open('GET', 'http://[::1'); },
    () => { const x = new XMLHttpRequest(); x.send(); },
    () => { const x = new XMLHttpRequest(); x.open('CONNECT', '/'); },
    () => XMLHttpRequest.prototype.open.call({}, 'GET', '/'),
  ]) {
    try { f(); out.xhrErrors.push('no error'); } catch (e) { out.xhrErrors.push(describe(e)); }
  }

  // How often the page's own objects are read where a URL or a method is expected:
  // once each, in this order, without Stormwatch; never twice because it watches.
  out.conversions = [];
  {
    const log = out.conversions;
    const counted = (name, value) => ({ toString() { log.push(name); return value; } });
    log.push(await fetch(counted('fetch URL', '/api/items?page=5')).then((r) => `fetch ${r.status}`, describe));
    log.push(await fetch(counted('fetch URL with init', '/api/items?page=6'), { method: 'GET' }).then((r) => `fetch ${r.status}`, describe));
    log.push(await fetch(new URL('/api/items?page=7', location.href)).then((r) => `fetch URL object ${r.status}`, describe));
    const x = new XMLHttpRequest();
    x.open(counted('XHR method', 'GET'), counted('XHR URL', '/api/items?page=8'));
    log.push(await new Promise((resolve) => { x.onloadend = () => resolve(`XHR ${x.status}`); x.send(); }));
    for (const [name, f] of [
      ['XHR open on another object', () => XMLHttpRequest.prototype.open.call({}, counted('bad this method', 'GET'), counted('bad this URL', '/'))],
      ['XHR open with one argument', () => new XMLHttpRequest().open(counted('lone method', 'GET'))],
      ['XHR URL whose toString throws', () => new XMLHttpRequest().open(counted('method before a bad URL', 'GET'), { toString() { log.push('bad URL'); throw new RangeError('no URL'); } })],
      ['XHR method whose toString throws', () => new XMLHttpRequest().open({ toString() { log.push('bad method'); throw new RangeError('no method'); } }, counted('URL after a bad method', '/'))],
    ]) {
      try { f(); log.push(`${name}: no error`); } catch (e) { log.push(`${name}: ${describe(e)}`); }
    }
  }

  // What wrapping could change.
  const text = (f) => Function.prototype.toString.call(f);
  out.functions = [fetch.toString(), text(fetch), fetch.name, fetch.length, text(XMLHttpRequest.prototype.open),
    XMLHttpRequest.prototype.open.toString(), XMLHttpRequest.prototype.open.length, XMLHttpRequest.prototype.send.name];
  const shape = (owner) => Object.getOwnPropertyNames(owner).sort().map((k) => {
    const d = Object.getOwnPropertyDescriptor(owner, k);
    const v = d.value;
    const fn = typeof v === 'function' ? ` ${v.name}/${v.length} ${text(v).length}` : '';
    return `${k} ${'value' in d ? typeof v : 'accessor'} ${d.writable} ${d.enumerable} ${d.configurable}${fn}`;
  });
  out.window = shape(window).filter((k) => !k.startsWith('probeResult '));
  out.windowSymbols = Object.getOwnPropertySymbols(window).map(String);
  out.prototypes = [XMLHttpRequest.prototype, History.prototype, Function.prototype, EventSource.prototype, WebSocket.prototype, Promise.prototype]
    .map((p) => shape(p).join('; '));
  return out;
})()
