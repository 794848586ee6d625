// Request chains, copies and retries on pages written like real apps (static/corpus-chains/),
// live in the real Stormwatch panel: a four-step awaited load on a fast local API amid a
// poll, beacons and a prefetch; the same requests one per click; retries with and
// without backoff against a flaky endpoint; real React 18 StrictMode effects with and
// without an abort in the cleanup, in development and production builds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, until, openDemo } from './devtools.mjs';

let session;
let demo;
let tab;

before(async () => {
  session = await openDemo('corpus-chains/chain.html');
  ({ demo, tab } = session);
});

after(async () => {
  if (session) await session.close();
});

async function open(page) {
  await tab.visit(`${demo.origin}/corpus-chains/${page}`);
}

const about = (f, part) => f.evidence.urls.some((u) => u.includes(part));
const findings = async (detector, part) => (await tab.report()).findings.filter((f) => f.detector === detector && about(f, part));
// DevTools' entries (the initiator stacks) follow each request's end within a few tens of ms.
const settle = () => sleep(1000);

test('request-waterfall: four awaited steps on a fast local API, amid a poll, beacons and a prefetch', async () => {
  await open('chain.html');
  await sleep(300);
  await tab.click('#wizard');
  // The chain grows as DevTools' entries (the stacks) arrive: 3 links, then 4.
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'request-waterfall' && about(x, 'via=wizard') && x.count === 4, { what: 'the wizard waterfall' });
  const c = await until(() => tab.page.eval('window.corpus.steps.length && window.corpus.prefetch.length && window.corpus'), { what: 'the wizard to finish' });
  const [t0, t1] = c.steps[0];
  const overlapping = [...c.polls, ...c.prefetch].filter(([a, b]) => a < t1 && b > t0).length;
  console.log(`# "${f.title}" (wizard ${(t1 - t0).toFixed(1)} ms; ${overlapping} poll/prefetch requests overlapped it, ${c.beacons} beacons)`);
  assert.ok(overlapping >= 1, 'background requests overlapped the chain');
  assert.ok(c.beacons >= 3);
  assert.equal(f.count, 4);
  assert.deepEqual(f.evidence.urls, [1, 2, 3, 4].map((n) => `${demo.origin}/api/chain/step?n=${n}&via=wizard`));
  assert.equal(f.metrics.linked_by, 'await');
  assert.match(f.title, /^4 requests awaited one after another: 4 sequential round trips, about 400 ms at 100 ms each \(\d+ ms measured here\)$/);
  assert.equal(f.severity, 'info');
  assert.equal(f.metrics.at_assumed_rtt_ms, 400);
  await tab.click('#stop');
});

test('near miss: the same steps requested one per click stay quiet', async () => {
  await open('chain.html');
  await tab.click('#stop');
  for (const n of [1, 2, 3, 4]) {
    await tab.click(`[data-step="${n}"]`);
    await until(() => tab.page.eval(`window.corpus.clicks.length >= ${n}`), { what: `step ${n}` });
  }
  const c = await tab.page.eval('window.corpus');
  // From each answer to the next click: as tight as the awaited chain's gaps.
  const gaps = c.clickedAt.slice(1).map((t, i) => (t - c.clicks[i][1]).toFixed(1));
  console.log(`# answer → next click: ${gaps.join(', ')} ms`);
  await settle();
  assert.deepEqual(await findings('request-waterfall', 'via=click'), []);
});

test('a retry with backoff after 503s is not a duplicate, and the request record says retry', async () => {
  await open('retry.html');
  await tab.click('#backoff');
  await until(() => tab.page.eval(`window.corpus.done.length === 1 && window.corpus.done[0]`), { timeout: 5000, what: 'the retries' });
  assert.deepEqual(await tab.page.eval('window.corpus.done[0]'), ['backoff', 4]);
  await settle();
  assert.deepEqual(await findings('duplicate-request', '/api/flaky'), []);
  assert.deepEqual(await findings('error-burst', '/api/flaky'), []);
  assert.deepEqual(await findings('request-waterfall', '/api/flaky'), []);
  // The timeline's tooltips are the request records: the last three are retries.
  await tab.panel.eval(`document.getElementById('tab-timeline').click()`);
  const tips = await until(async () => {
    const t = await tab.panel.eval(`[...document.querySelectorAll('svg.timeline rect title')].map((x) => x.textContent).filter((x) => x.includes('/api/flaky'))`);
    return t.length >= 4 && t;
  }, { what: 'the flaky lane' });
  await tab.panel.eval(`document.getElementById('tab-findings').click()`);
  console.log(`# ${tips.join(' | ')}`);
  const retries = tips.map((t) => t.match(/ · retry (\d) after (\d+) ms$/)).filter(Boolean);
  assert.deepEqual(retries.map((m) => Number(m[1])), [1, 2, 3]);
  // 150, 300, 600 ms of backoff (timers never fire early).
  retries.forEach((m, i) => assert.ok(Number(m[2]) >= 150 * 2 ** i - 1, tips.join(' | ')));
});

test('error-burst: a retry loop without backoff, and not a duplicate or a waterfall', async () => {
  await open('retry.html');
  await tab.click('#tight');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'error-burst' && about(x, '/api/flaky') && x.count === 9, { what: 'the retry loop' });
  console.log(`# "${f.title}"`);
  assert.match(f.title, /failed 9 of 9 times \(100%\): 503 ×9; retried 8 times without backoff$/);
  assert.equal(f.severity, 'error');
  assert.equal(f.metrics.retries, 'retried 8 times without backoff');
  await settle();
  assert.deepEqual(await findings('duplicate-request', '/api/flaky'), []);
  assert.deepEqual(await findings('request-waterfall', '/api/flaky'), []);
});

async function openStrict(mode) {
  await open(`strict.html?mode=${mode}`);
  await until(() => tab.page.eval(`!!document.querySelector('#mount-plain')`), { what: `React 18 ${mode}` });
}

const starts = async (part) => (await tab.fullReport()).events.filter((e) => e.type === 'request_start' && e.url.includes(part));

test('React 18 StrictMode (development): the effect aborted in its cleanup and run again is not a duplicate', async () => {
  await openStrict('development');
  await tab.click('#mount-abort');
  await until(() => tab.page.eval(`document.querySelector('.profile')?.textContent === 'with abort: Ada'`), { what: 'the profile' });
  await settle();
  // StrictMode really ran the effect twice, and the first fetch was aborted.
  const issued = await starts('variant=abort');
  assert.equal(issued.length, 2);
  const ends = (await tab.fullReport()).events.filter((e) => e.type === 'request_end' && issued.some((s) => s.id === e.id));
  assert.deepEqual(ends.map((e) => e.outcome).sort(), ['abort', 'ok']);
  assert.deepEqual(await findings('duplicate-request', 'variant=abort'), []);
});

test('React 18 StrictMode (development): both fetches completing is a duplicate, as information', async () => {
  await openStrict('development');
  await tab.click('#mount-plain');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'duplicate-request' && about(x, 'variant=plain'), { what: 'the StrictMode copy' });
  console.log(`# "${f.title}"`);
  assert.equal(f.count, 2);
  assert.equal(f.severity, 'info');
  assert.equal(f.title, 'GET /api/profile?variant=plain requested 2× at once: StrictMode runs effects twice in development; in production this is one request');
  assert.deepEqual(f.evidence.urls, [`${demo.origin}/api/profile?variant=plain`]);
});

test('near miss: React 18 production runs the effect once; no duplicate', async () => {
  await openStrict('production');
  await tab.click('#mount-plain');
  await until(() => tab.page.eval(`document.querySelector('.profile')?.textContent === 'without abort: Ada'`), { what: 'the profile' });
  await settle();
  assert.equal((await starts('variant=plain')).length, 1);
  const dup = await findings('duplicate-request', 'variant=plain');
  assert.deepEqual(dup, [], dup.length ? `what the panel saw:\n${await tab.requestLog()}` : '');
});
