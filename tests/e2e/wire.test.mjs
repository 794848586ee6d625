// End to end: the wire contract from the JavaScript side (tests/wire.rs checks the
// same files from Rust). Chromium with the extension, no DevTools: the page's own
// world records every batch the real hook dispatches (any page script could), and
// the service worker's side of the relay's port records every message the real
// relay posts. Each event and message must have exactly the keys of its golden in
// tests/fixtures/wire/, in the same order, each of a type the goldens show for it;
// the hook's body hash and GraphQL operation name must be those in body_hashes.json
// and graphql_ops.json; the constants in hook.js and relay.js those in constants.json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Browser, until, sleep } from './cdp.mjs';
import { EXTENSION_DIR, EXTENSION_ID } from './devtools.mjs';
import { startDemoServer } from '../../scripts/demo-server.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WIRE = path.join(root, 'tests', 'fixtures', 'wire');
const readJson = (...p) => JSON.parse(fs.readFileSync(path.join(WIRE, ...p), 'utf8'));
const goldenEvents = Object.fromEntries(fs.readdirSync(path.join(WIRE, 'events')).map((f) => [f.replace(/\.json$/, ''), readJson('events', f)]));
const goldenPorts = Object.fromEntries(fs.readdirSync(path.join(WIRE, 'port')).map((f) => [f.replace(/\.json$/, ''), readJson('port', f)]));
const goldenBatch = readJson('batch.json');
const CONSTANTS = readJson('constants.json');
// Made in Rust from DevTools' log and source maps; the page never sends them.
const RUST_MADE = ['network', 'chunk_packages'];
const PAGE_TYPES = Object.keys(goldenEvents).filter((t) => !RUST_MADE.includes(t));

const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Differences between `value` and the golden examples of its shape: the same keys
 * in the same order, each value of a kind one of the examples has there; arrays
 * of objects are checked element by element against all the examples' elements.
 */
function shapeErrors(value, examples, where) {
  const errors = [];
  const want = Object.keys(examples[0]);
  for (const e of examples) assert.deepEqual(Object.keys(e), want, `${where}: the goldens disagree among themselves`);
  const got = Object.keys(value);
  if (got.join() !== want.join()) {
    errors.push(`${where}: keys ${JSON.stringify(got)}, golden ${JSON.stringify(want)}`);
    return errors;
  }
  for (const k of want) {
    const kinds = new Set(examples.map((e) => kind(e[k])));
    if (!kinds.has(kind(value[k]))) {
      errors.push(`${where}.${k}: ${kind(value[k])} (${JSON.stringify(value[k])}), golden ${[...kinds].join(' or ')}`);
      continue;
    }
    if (Array.isArray(value[k])) {
      const items = examples.flatMap((e) => (Array.isArray(e[k]) ? e[k] : []));
      const objects = items.filter((i) => kind(i) === 'object');
      for (const [i, item] of value[k].entries()) {
        if (kind(item) === 'object' && objects.length > 0) errors.push(...shapeErrors(item, objects, `${where}.${k}[${i}]`));
        else if (!items.some((g) => kind(g) === kind(item))) errors.push(`${where}.${k}[${i}]: ${kind(item)}`);
      }
    }
  }
  return errors;
}

const asList = (g) => (Array.isArray(g) ? g : [g]);

let demo;
let browser;
let page;
let worker;
const batches = []; // every batch text the hook dispatched, per document
let portsIn = []; // what the relay posted to the service worker
let portsOut = []; // what the service worker posted to the relay

// In the page's world, before its scripts: record the hook's batches as any page could.
const RECORD = `document.addEventListener('__stormwatch_batch__', (e) => { (window.__wireBatches ||= []).push(e.detail); });`;

// In the service worker, beside background.js: record both directions of the page
// port (the first 50 messages of each kind, long strings cut: their kind is what counts).
const TAP = `(() => {
  globalThis.__wire = { in: [], out: [], port: null, kinds: {} };
  const keep = (list, m) => {
    const n = (__wire.kinds[m.kind] = (__wire.kinds[m.kind] || 0) + 1);
    if (n > 50) return;
    const copy = {};
    for (const [k, v] of Object.entries(m)) copy[k] = typeof v === 'string' ? v.slice(0, 200) : v;
    list.push(copy);
  };
  // background.js posts through its top-level send(), a property of the worker's global.
  const send = globalThis.send;
  globalThis.send = (port, m) => { if (port.name === 'stormwatch-page') keep(__wire.out, m); return send(port, m); };
  chrome.runtime.onConnect.addListener((port) => {
    if (port.name !== 'stormwatch-page') return;
    __wire.port = port;
    port.onMessage.addListener((m) => keep(__wire.in, m));
  });
  return true;
})()`;

async function pageBatches() {
  const texts = await page.eval('window.__wireBatches || []');
  return texts;
}

async function navigate(url) {
  const loaded = browser.waitFor('Page.loadEventFired', (m) => m.sessionId === page.id);
  await page.send('Page.navigate', { url });
  await loaded;
}

// What the demo page does to make the hook send one of each of its events.
const EXERCISE = `(async () => {
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  await fetch('/api/profile');
  await fetch('/api/graphql', { method: 'POST', body: JSON.stringify({ operationName: 'GetUser', query: 'query GetUser { me { id } }' }) });
  await fetch('http://127.0.0.1:1/refused').catch(() => null);
  const c = new AbortController();
  const streamed = fetch('/api/events', { signal: c.signal }).catch(() => null);
  await sleep(50);
  c.abort();
  await streamed;
  const xhr = (method, url, abort) => new Promise((resolve) => {
    const x = new XMLHttpRequest();
    x.open(method, url);
    x.onloadend = resolve;
    x.send(method === 'POST' ? 'a=1&b=2' : null);
    if (abort) x.abort();
  });
  await xhr('GET', '/api/profile');
  await xhr('POST', 'http://127.0.0.1:1/refused');
  await xhr('GET', '/api/events', true);
  history.pushState({}, '', '#/wire');
  document.dispatchEvent(new Event('visibilitychange'));
  window.dispatchEvent(new Event('blur'));
  window.dispatchEvent(new Event('focus'));
  const es = new EventSource('/api/events');
  await new Promise((r) => { es.onopen = r; setTimeout(r, 2000); });
  es.close();
  const ws = new WebSocket('ws://127.0.0.1:1/');
  await new Promise((r) => { ws.onclose = r; setTimeout(r, 2000); });
  await new Promise((r) => setTimeout(() => { const end = performance.now() + 150; while (performance.now() < end); r(); }, 0));
  await sleep(2500); // a memory sample (every 2 s)
  return true;
})()`;

before(async () => {
  demo = await startDemoServer();
  browser = await Browser.launch({ extensionDir: EXTENSION_DIR, devtools: false });
  const sw = await until(async () => (await browser.targets()).find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${EXTENSION_ID}/`)), { what: 'the service worker' });
  worker = await browser.attach(sw.targetId);
  // Until Runtime is enabled, evaluation runs in a context without the extension's APIs.
  await worker.send('Runtime.enable');
  await until(() => worker.eval(`typeof chrome === 'object' && typeof pages === 'object'`), { what: 'the worker\'s own context' });
  await worker.eval(TAP);
  const { targetId } = (await browser.targets()).find((t) => t.type === 'page');
  page = await browser.attach(targetId);
  await page.send('Page.enable');
  await page.send('Runtime.enable');
  await page.send('Page.addScriptToEvaluateOnNewDocument', { source: RECORD });

  await navigate(`${demo.origin}/index.html`);
  await page.eval(EXERCISE);
  await sleep(300);
  // (The page's flood below sends single-event batches of `focus`: not needed here.)
  batches.push(...(await pageBatches()));

  // The relay's side: a panel starts listening, asks for everything, and for a source map.
  const doc = JSON.parse(batches[0]).doc;
  const golden = (k) => asList(goldenPorts[k])[0];
  const send = (m) => worker.eval(`__wire.port.postMessage(${JSON.stringify(m)}), true`);
  await until(() => worker.eval('!!__wire.port'), { what: 'the relay to connect' });
  await send({ ...golden('listeners'), n: 1 });
  await send({ ...golden('sync'), doc, after: 0 });
  await send({ ...golden('fetch_map'), url: `${demo.origin}/assets/vendor.3f9a2c1b.js.map`, script: `${demo.origin}/assets/vendor.3f9a2c1b.js` });
  await send({ ...golden('fetch_map'), url: 'http://elsewhere.invalid/x.js.map', script: 'http://elsewhere.invalid/x.js' });
  await until(async () => (await worker.eval('__wire.in.filter((m) => m.kind === "map").length')) >= 2, { what: 'two map replies' });
  // More events than the relay keeps, then a resend from the start: it says what it lost.
  await send({ ...golden('listeners'), n: 0 });
  await page.eval(`(() => { for (let i = 0; i < 21000; i++) window.dispatchEvent(new Event('focus')); return true; })()`);
  await sleep(500);
  await send({ ...golden('sync'), doc, after: 0 });
  await until(() => worker.eval('__wire.in.some((m) => m.kind === "lost")'), { what: 'a lost message' });
  portsIn = await worker.eval('__wire.in');
  portsOut = await worker.eval('__wire.out');

  // React's events, from the demo's React app.
  await navigate(`${demo.origin}/react.html?app=storm&react=18`);
  await until(async () => (await pageBatches()).some((t) => t.includes('"react_renders"')), { timeout: 15000, what: 'a React window' });
  batches.push(...(await pageBatches()));
});

after(async () => {
  if (browser) await browser.close();
  if (demo) demo.server.close();
});

test('every batch the hook sends has the golden envelope, and every event its golden shape', () => {
  const errors = [];
  const seen = new Map();
  for (const text of batches) {
    const batch = JSON.parse(text);
    errors.push(...shapeErrors({ ...batch, events: [] }, [goldenBatch], 'batch'));
    assert.equal(batch.count, batch.events.length);
    for (const e of batch.events) {
      const golden = goldenEvents[e.type];
      if (!golden || RUST_MADE.includes(e.type)) {
        errors.push(`an event of type ${JSON.stringify(e.type)}, which has no golden`);
        continue;
      }
      seen.set(e.type, (seen.get(e.type) || 0) + 1);
      errors.push(...shapeErrors(e, golden, e.type));
    }
  }
  assert.deepEqual(errors.slice(0, 20), []);
  console.log(`# events checked: ${[...seen].map(([t, n]) => `${t} ${n}`).join(', ')}`);
  assert.deepEqual([...seen.keys()].sort(), [...PAGE_TYPES].sort(), 'the page sent every type it can');
});

test('the outcomes and nulls the hook sends are the ones the goldens show', () => {
  const events = batches.flatMap((t) => JSON.parse(t).events);
  const ends = events.filter((e) => e.type === 'request_end');
  assert.deepEqual([...new Set(ends.map((e) => e.outcome))].sort(), ['abort', 'error', 'ok']);
  // A request with no response sends every header key, as null.
  for (const e of ends.filter((x) => x.outcome !== 'ok')) {
    assert.deepEqual([e.content_type, e.content_length, e.content_encoding, e.cache_control], [null, null, null, null]);
  }
  const start = events.find((e) => e.type === 'request_start' && e.url.endsWith('/api/graphql'));
  assert.equal(start.op, 'GetUser');
});

test('every port message the relay sends has its golden shape', () => {
  const errors = [];
  const kinds = new Set();
  for (const m of portsIn) {
    kinds.add(m.kind);
    const golden = goldenPorts[m.kind];
    if (!golden) errors.push(`a message of kind ${JSON.stringify(m.kind)}, which has no golden`);
    else errors.push(...shapeErrors(m, asList(golden), m.kind));
  }
  assert.deepEqual(errors, []);
  assert.deepEqual([...kinds].sort(), ['batch', 'hello', 'lost', 'map']);
  const hello = portsIn.find((m) => m.kind === 'hello');
  assert.equal(hello.v, CONSTANTS.protocol_version);
  const maps = portsIn.filter((m) => m.kind === 'map');
  assert.ok(maps.some((m) => typeof m.text === 'string' && m.error === null), JSON.stringify(maps.map((m) => m.error)));
  assert.ok(maps.some((m) => m.text === null && typeof m.error === 'string'));
  // The service worker's own message to the relay (background.js).
  const listeners = portsOut.filter((m) => m.kind === 'listeners');
  assert.ok(listeners.length > 0, JSON.stringify(portsOut));
  for (const m of listeners) assert.deepEqual(shapeErrors(m, asList(goldenPorts.listeners), 'listeners'), []);
});

/** `[[text, times], ...]` joined, as tests/wire.rs builds it. */
const input = (c) => c.input.map(([text, times]) => text.repeat(times)).join('');

test('the hook hashes bodies and finds GraphQL operations as the fixtures (and Rust) say', async () => {
  const hashes = readJson('body_hashes.json');
  const ops = readJson('graphql_ops.json');
  const cases = [...hashes.map((c, i) => ({ key: `h${i}`, body: input(c) })), ...ops.map((c, i) => ({ key: `o${i}`, body: input(c) }))];
  await page.eval(`(async () => {
    for (const c of ${JSON.stringify(cases)}) await fetch('/api/collect?wire=' + c.key, { method: 'POST', body: c.body }).catch(() => null);
    await new Promise((r) => setTimeout(r, 200));
    return true;
  })()`);
  // The hook flushes on its own schedule (later on a loaded machine): wait for every case.
  const starts = new Map();
  await until(async () => {
    starts.clear();
    for (const text of await pageBatches()) {
      for (const e of JSON.parse(text).events) {
        const m = e.type === 'request_start' && /[?&]wire=(\w+)$/.exec(e.url);
        if (m) starts.set(m[1], e);
      }
    }
    return starts.size === cases.length;
  }, { timeout: 10000, what: 'a request_start for every case' });
  for (const [i, c] of hashes.entries()) {
    assert.ok(starts.has(`h${i}`), c.what);
    assert.equal(starts.get(`h${i}`).body, c.signature, c.what);
  }
  for (const [i, c] of ops.entries()) {
    assert.equal(input(c).length, c.units, c.what);
    assert.equal(starts.get(`o${i}`).op, c.op, c.what);
  }
});

test('the constants in hook.js and relay.js are the ones in constants.json', () => {
  const NAMES = {
    protocol_version: 'PROTOCOL_VERSION',
    batch_kind: 'BATCH_KIND',
    max_batch_chars: 'MAX_BATCH_CHARS',
    max_doc_id_chars: 'MAX_DOC_ID_CHARS',
    max_hashed_body: 'MAX_HASHED_BODY',
    max_operation_name: 'MAX_OPERATION_NAME',
    batch_flush_at: 'BATCH_FLUSH_AT',
    max_buffered_events: 'MAX_BUFFERED_EVENTS',
  };
  assert.deepEqual(Object.keys(CONSTANTS).sort(), Object.keys(NAMES).sort());
  let found = 0;
  for (const file of ['hook.js', 'relay.js']) {
    const source = fs.readFileSync(path.join(root, 'extension', file), 'utf8');
    for (const [key, name] of Object.entries(NAMES)) {
      const m = new RegExp(`const ${name} = ([^;]+);`).exec(source);
      if (!m) continue;
      found++;
      // Our own source, a literal or simple arithmetic.
      assert.equal(Function(`return (${m[1]});`)(), CONSTANTS[key], `${file}: ${name}`);
    }
  }
  assert.ok(found >= Object.keys(NAMES).length, `${found} constants found`);
});
