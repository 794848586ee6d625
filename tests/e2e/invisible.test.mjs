// End to end: the page cannot tell Stormwatch is there. The same probe
// (invisible-probe.js) runs in the same page of the demo app in Chromium with the
// extension and its panel shown in a real DevTools window, and in Chromium without
// either; everything it records must be identical: the microtask at which a fetch
// that rejects at once (or is aborted in flight) settles, which promises reach
// `unhandledrejection` and in which order, errors, streamed bodies, event order,
// and the descriptors of everything the hook wraps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDemo, openPlain, until } from './devtools.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const PROBE = fs.readFileSync(path.join(here, 'invisible-probe.js'), 'utf8');

let session;
let withExtension;
let without;

before(async () => {
  session = await openDemo('index.html');
  const { tab, demo } = session;
  // The panel is live on this page: what the probe does is recorded.
  await until(async () => (await tab.report()).page.url.endsWith('/index.html'), { what: 'the panel on the page' });
  withExtension = await tab.page.eval(PROBE);
  const plain = await openPlain(`${demo.origin}/index.html`);
  try {
    without = await plain.page.eval(PROBE);
  } finally {
    await plain.browser.close();
  }
});

after(async () => {
  if (session) await session.close();
});

test('a fetch that rejects at once settles at the same microtask, in every handler form', () => {
  assert.deepEqual(withExtension.immediate, without.immediate);
  // The probe measures what it claims: without the extension the handler runs at tick 0.
  assert.match(without.immediate['no arguments / catch'], /err@0 TypeError/);
  assert.match(without.immediate['aborted signal / await'], /err@0 DOMException AbortError/);
  assert.match(without.immediate['GET with a body / then'], /err@0 TypeError/);
  assert.match(without.immediate['invalid URL / catch'], /err@0 TypeError/);
  for (const key of ['lateHandler', 'raced', 'abortInFlight']) assert.equal(withExtension[key], without[key], key);
});

test('unhandled rejections reach the page in the same order, for the same promises', () => {
  assert.deepEqual(withExtension.unhandledImmediate, without.unhandledImmediate);
  assert.equal(without.unhandledImmediate.length, 6, JSON.stringify(without.unhandledImmediate));
  assert.ok(without.unhandledImmediate.every((s) => !s.includes('unknown promise')));
  assert.deepEqual(withExtension.unhandledNetwork, without.unhandledNetwork);
  assert.equal(without.unhandledNetwork.length, 2);
  // A handler attached later turns into `rejectionhandled`, with and without.
  assert.deepEqual(withExtension.handledLate, without.handledLate);
  assert.deepEqual(without.handledLate.map((s) => s.split(' ')[0]), ['unhandled', 'handled']);
});

test('the page\'s objects are read as URLs and methods as often as without Stormwatch', () => {
  assert.deepEqual(withExtension.conversions, without.conversions);
  // The probe counts what it claims: each object read once, the requests made.
  assert.deepEqual(without.conversions.slice(0, 7), ['fetch URL', 'fetch 200', 'fetch URL with init', 'fetch 200', 'fetch URL object 200', 'XHR method', 'XHR URL']);
  assert.match(without.immediate['URL whose toString throws / catch'], /err@0 RangeError/);
  assert.match(without.immediate['symbol URL / catch'], /err@0 TypeError/);
});

test('a plain path the hook resolves without new URL gets the href Chromium gives it', async () => {
  // The hook's fast path (hook.js PLAIN_PATH: base prefix + the text as written) checked
  // against Chromium's own parser, on random texts built from the characters that
  // matter (dots, percent signs, slashes, quotes, backslashes, spaces, non-ASCII).
  const hook = fs.readFileSync(path.join(here, '..', '..', 'extension', 'hook.js'), 'utf8');
  const plain = /const PLAIN_PATH = (\/.*\/);/.exec(hook)[1];
  const result = await session.tab.page.eval(`(() => {
    const plain = ${plain};
    const bases = [document.baseURI, 'https://example.com/a/b/c?x#y', 'https://ex.com:443/', 'http://ex.com:80/x', 'http://[::1]:99/'];
    const parts = ['/', '.', '..', 'a', 'Z', '0', '?', '%', '%2e', '%2E', '#', ' ', '"', "'", '<', '>', '\`', '{', '}', '\\\\', '@', ':', ';', '=', '&', '+', ',', '!', '$', '(', ')', '*', '~', '-', '_', '|', '^', '[', ']', 'é', '\\t', '\\n', '//', '/./', '/../'];
    let seed = 7;
    const random = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    let accepted = 0;
    const wrong = [];
    for (let i = 0; i < 20000; i++) {
      let text = '/';
      for (let j = random(8) + 1; j > 0; j--) text += parts[random(parts.length)];
      if (!plain.test(text)) continue;
      accepted++;
      for (const base of bases) {
        const expected = new URL(text, base).href;
        if (new URL('/', base).href.slice(0, -1) + text !== expected) wrong.push(text + ' on ' + base + ': ' + expected);
      }
    }
    for (const text of ['/api/items?page=2', '/a/b.json', '/.well-known/x', '/a?b=../c&d=%20']) if (!plain.test(text)) wrong.push('not taken: ' + text);
    for (const text of ['/a/./b', '/a/../b', '/.', '/..', '/%2e/x', '//host/x', '/a b', '/a#b', '/\\\\x', '/é']) if (plain.test(text)) wrong.push('taken: ' + text);
    return { accepted, wrong };
  })()`);
  assert.deepEqual(result.wrong, []);
  assert.ok(result.accepted > 1000, `only ${result.accepted} texts took the fast path`);
});

test('results, errors, bodies and event order are the same', () => {
  for (const key of ['ok', 'notFound', 'blobChunks', 'bigBlobBytes', 'networkBytes', 'revokedBlob', 'order', 'xhrErrors']) {
    assert.deepEqual(withExtension[key], without[key], key);
  }
  assert.ok(without.networkBytes > 500000, 'the streamed export was read whole');
});

test('what the hook wraps looks native: toString, name, length, descriptors', () => {
  assert.deepEqual(withExtension.functions, without.functions);
  assert.equal(without.functions[0], 'function fetch() { [native code] }');
  assert.deepEqual(withExtension.window, without.window);
  assert.deepEqual(withExtension.windowSymbols, without.windowSymbols);
  assert.deepEqual(withExtension.prototypes, without.prototypes);
});

test('the requests the probe made were recorded by the panel', async () => {
  // Invisible is not blind: the page's requests still reach the panel.
  const report = await until(async () => {
    const r = await session.tab.report();
    return r.stats.requests >= 5 ? r : null;
  }, { what: 'the probe requests in the panel' });
  assert.ok(report.stats.events > 0);
});

test('the panel header shows what the hook costs the page and the events it receives per second', async () => {
  const { tab } = session;
  // A flood of requests for about three seconds, not awaited: the header is read while it runs.
  await tab.page.send('Runtime.evaluate', {
    expression: `(async () => {
      const end = performance.now() + 3000;
      for (let i = 0; performance.now() < end; i++) await Promise.all([1, 2, 3, 4].map((k) => fetch('/api/nothing?i=' + i + '&k=' + k)));
    })()`,
  });
  const figures = await until(async () => {
    const text = await tab.panel.eval(`document.getElementById('hook-cost').textContent`);
    const m = /page hook ([\d.]+) ms\/s · (\d+) events\/s/.exec(text);
    return m && Number(m[2]) > 20 ? { text, hookMs: Number(m[1]), rate: Number(m[2]) } : null;
  }, { timeout: 8000, every: 100, what: 'cost figures in the header' });
  console.log(`# header during a flood: ${figures.text}`);
  // Plausible: some time, and well under all of it; the rate is what the panel counts.
  assert.ok(figures.hookMs > 0 && figures.hookMs < 500, figures.text);
  const report = await tab.report();
  assert.ok(report.stats.hook_us > 0, 'the hook reported its own time');
  assert.ok(figures.rate < report.stats.events, figures.text);
});
