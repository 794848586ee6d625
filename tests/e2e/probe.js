// Everything a page can observe about the APIs Stormwatch wraps. Evaluated in the
// same page with and without the extension; the two results must be identical.
(async () => {
  const out = {};
  const nativeText = (f) => Function.prototype.toString.call(f);
  out.fetchText = String(fetch);
  out.fetchToString = nativeText(fetch);
  out.fetchName = fetch.name;
  out.fetchLength = fetch.length;
  out.fetchHasPrototype = 'prototype' in fetch;
  out.toStringText = nativeText(Function.prototype.toString);
  out.toStringName = Function.prototype.toString.name;
  out.openText = nativeText(XMLHttpRequest.prototype.open);
  out.sendLength = XMLHttpRequest.prototype.send.length;
  out.pushStateText = nativeText(history.pushState);
  const d = Object.getOwnPropertyDescriptor(window, 'fetch');
  out.fetchDescriptor = [d.writable, d.enumerable, d.configurable];
  try { new fetch('/'); } catch (e) { out.newFetch = `${e.name}: ${e.message}`; }
  try { Function.prototype.toString.call({}); } catch (e) { out.toStringOnObject = `${e.name}: ${e.message}`; }
  try { fetch.call({}, '/api/profile'); } catch (e) { out.fetchIllegal = `sync ${e.name}`; }
  out.fetchIllegalAsync = await fetch.call({}, '/api/profile').then(() => 'resolved', (e) => `${e.name}: ${e.message}`);

  const r = await fetch('/api/profile');
  out.response = [r instanceof Response, r.status, r.ok, r.bodyUsed, r.headers.get('content-type'), Object.getPrototypeOf(r) === Response.prototype];
  out.promiseIsPromise = fetch('/api/profile') instanceof Promise;
  out.json = await r.json();

  const req = new Request('/api/search', { method: 'POST', body: 'from a Request' });
  out.requestBody = await fetch(req).then((x) => x.json());
  out.badUrl = await fetch('http://[::1').then(() => 'resolved', (e) => `${e.name}: ${e.message}`);
  const ac = new AbortController();
  const aborted = fetch('/api/profile', { signal: ac.signal });
  ac.abort();
  out.abort = await aborted.then(() => 'resolved', (e) => `${e.name}: ${e.message}`);
  out.networkError = await fetch('http://127.0.0.1:9/').then(() => 'resolved', (e) => `${e.name}: ${e.message}`);

  // An uncaught failure still reaches the page's unhandledrejection handler.
  out.unhandled = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve('no event'), 3000);
    window.addEventListener('unhandledrejection', (e) => {
      clearTimeout(timer);
      e.preventDefault();
      resolve(`${e.reason && e.reason.name}: ${e.reason && e.reason.message}`);
    }, { once: true });
    fetch('http://127.0.0.1:9/');
  });

  // Streamed body, read chunk by chunk.
  const streamed = await fetch('/api/items?page=3');
  const reader = streamed.body.getReader();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  out.streamed = JSON.parse(text).items.length;

  out.xhr = await new Promise((resolve) => {
    const x = new XMLHttpRequest();
    const order = [];
    for (const t of ['readystatechange', 'loadstart', 'progress', 'load', 'loadend']) x.addEventListener(t, () => order.push(t + x.readyState));
    x.open('POST', '/api/search');
    x.onloadend = () => resolve({ status: x.status, body: x.responseText, order: order.join(','), headers: x.getAllResponseHeaders().includes('content-type') });
    x.send('xhr body');
  });
  try { new XMLHttpRequest().send(); } catch (e) { out.xhrSendUnopened = `${e.name}: ${e.message}`; }

  for (const name of ['EventSource', 'WebSocket']) {
    const C = window[name];
    out[name] = [String(C), nativeText(C), C.name, C.length, C.CONNECTING, C.OPEN, C.CLOSED, C.prototype.constructor === C,
      Object.getOwnPropertyNames(C).sort().join(','), typeof C.prototype.close, nativeText(C.prototype.close), C.prototype.close.length];
  }
  try { EventSource(); } catch (e) { out.eventSourceCall = `${e.name}: ${e.message}`; }
  try { new EventSource('http://[::1'); } catch (e) { out.eventSourceBad = `${e.name}: ${e.message}`; }
  out.eventSource = await new Promise((resolve) => {
    const s = new EventSource('/api/events');
    s.onmessage = () => { s.close(); resolve([s instanceof EventSource, s.constructor === EventSource, s.readyState, Object.getPrototypeOf(s) === EventSource.prototype]); };
    s.onerror = () => resolve('error');
  });
  out.webSocket = await new Promise((resolve) => {
    const w = new WebSocket('ws://127.0.0.1:9/');
    const seen = [];
    w.onerror = () => seen.push('error' + w.readyState);
    w.onclose = (e) => resolve([w instanceof WebSocket, w.constructor === WebSocket, seen.join(','), e.code, w.readyState]);
  });
  for (const name of ['setInterval', 'clearInterval', 'clearTimeout', 'setTimeout']) {
    const f = window[name];
    out[name] = [String(f), nativeText(f), f.name, f.length, Object.getOwnPropertyDescriptor(window, name).writable];
  }
  out.intervalRuns = await new Promise((resolve) => {
    let n = 0;
    const id = setInterval((a, b) => { n += a + b; if (n >= 9) { clearInterval(id); resolve([n, typeof id]); } }, 5, 1, 2);
  });
  out.clearUnknown = [clearInterval(123456), clearTimeout(undefined), clearInterval()];
  out.windowKeys = Object.keys(window).filter((k) => k !== 'probeResult').sort();
  out.windowSymbols = Object.getOwnPropertySymbols(window).map(String);
  history.pushState({ a: 1 }, '', '#probe');
  out.historyState = JSON.stringify(history.state);
  return out;
})()
