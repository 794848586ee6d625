// Asset rules on what real third-party apps serve, live in the real panel: a page
// from a local dev server (an unminified, uncompressed, no-cache bundle, a blob:
// worker, a PDF.js-style worker script, data: images) gets at most informational
// asset findings, each with the note to check the production build; a production
// React 18 table of 200 rows fed at 60 Hz (no render timings in production
// builds) is still a storm worth a warning, with its estimated cost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, until, openDemo } from './devtools.mjs';

const ASSET_RULES = ['uncompressed-response', 'missing-cache-headers', 'oversized-chunk'];
const NOTE = 'local development server: check the production build';
let session;
let demo;
let tab;

before(async () => {
  session = await openDemo('index.html');
  ({ demo, tab } = session);
});

after(async () => {
  if (session) await session.close();
});

async function open(page) {
  await tab.visit(`${demo.origin}/corpus-assets/${page}`);
}

test('a local dev build: asset findings are info at most, with the note; blob: and data: are never assets', async () => {
  await open('dev-bundle.html');
  await until(() => tab.page.eval('window.workersReady === true && window.chartLibLoaded === true'), { what: 'both workers and the bundle' });
  // The findings this page must produce, so the checks below are not vacuous.
  const isLib = (f) => f.evidence.urls.some((u) => u.includes('/.vite/deps/chart-lib.js?v=abc123'));
  await tab.waitForFinding((f) => f.detector === 'oversized-chunk' && isLib(f), { what: 'oversized-chunk for chart-lib.js' });
  await tab.waitForFinding((f) => f.detector === 'uncompressed-response' && isLib(f), { what: 'uncompressed-response for chart-lib.js' });
  await tab.waitForFinding((f) => f.detector === 'missing-cache-headers' && isLib(f), { what: 'missing-cache-headers for chart-lib.js' });
  // Late entries (the workers' scripts) have time to arrive.
  await sleep(1500);
  const report = await tab.fullReport();
  const assets = report.findings.filter((f) => ASSET_RULES.includes(f.detector));
  for (const f of assets) {
    console.log(`# ${f.severity} ${f.detector}: "${f.title}"`);
    assert.equal(f.severity, 'info', `${f.detector}: ${f.title}`);
    assert.ok(f.title.endsWith(`(${NOTE})`), f.title);
    assert.equal(f.metrics.note, NOTE);
    assert.match(f.advice, /Check the production build/);
  }
  const lib = assets.find((f) => f.detector === 'uncompressed-response' && isLib(f));
  assert.match(lib.title, /chart-lib\.js.* sent uncompressed: 6\d\d KB/);
  // Nothing at all about what the browser answers itself.
  const text = JSON.stringify(report.findings);
  assert.ok(!text.includes('blob:'), 'no finding names the blob: worker');
  assert.ok(!text.includes('data:image'), 'no finding names the data: images');
  // The PDF.js-style worker's entry, where DevTools reports it: never a few hundred bytes "on the wire".
  const worker = assets.find((f) => f.detector === 'oversized-chunk' && f.evidence.urls.some((u) => u.endsWith('/build/pdf.worker.js')));
  if (worker) {
    assert.doesNotMatch(worker.title, /: \d{1,3} B on the wire/, worker.title);
  } else {
    console.log('# DevTools reported no size for the worker script: no oversized-chunk finding for it');
  }
  // What DevTools' log said about the worker scripts (printed: it is Chromium's doing, not ours).
  for (const e of report.events.filter((x) => x.type === 'network' && /pdf\.worker\.js$|^blob:/.test(x.url))) {
    console.log(`# DevTools' entry: ${e.url.slice(0, 60)} transfer_size=${e.transfer_size} body_size=${e.body_size} content_size=${e.content_size}`);
    // DevTools sometimes gives the worker no size at all (content_size 0): then only the
    // 500 KB total names it, and there is no per-script title to read.
    if (worker && e.url.endsWith('/build/pdf.worker.js') && e.transfer_size < 1000 && e.content_size > 0) {
      assert.match(worker.title, /size on the wire unknown, 1\.2 MB decoded/, worker.title);
    }
  }
});

async function storm(rows, every = 16) {
  await open(`table-storm.html?rows=${rows}&every=${every}`);
  await until(() => tab.page.eval(`!!document.querySelector('#go')`), { what: 'the table rendered' });
  await tab.click('#go');
  try {
    const { finding } = await tab.waitForFinding((f) => f.detector === 'rerender-storm' && f.key !== 'commits', { timeout: 10000, what: 'rerender-storm' });
    // Let it run a little longer, then read the settled finding.
    await sleep(1500);
    const report = await tab.fullReport();
    const settled = report.findings.find((f) => f.detector === 'rerender-storm' && f.key === finding.key);
    const renderMs = await tab.page.eval('window.renderMs.slice()');
    return { finding: settled, renderMs };
  } finally {
    await tab.click('#stop');
  }
}

// 200 rows: a 2-core machine renders them 40-50 times a second (300 rows: about 30,
// right on `renders_per_s`).
const ROWS = 200;

test('rerender-storm: a production React 18 table of 200 rows fed at 60 Hz is a warning or worse, with its estimated cost', async () => {
  const { finding: f, renderMs } = await storm(ROWS);
  console.log(`# ${f.severity}: "${f.title}"`);
  console.log(`# metrics: ${JSON.stringify(f.metrics)}`);
  const sorted = renderMs.slice().sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`# React's own render + commit of ${ROWS + 1} components, median of ${sorted.length}: ${median.toFixed(2)} ms (${((median * 1000) / (ROWS + 1)).toFixed(1)} µs per component)`);
  assert.ok(['warning', 'error'].includes(f.severity), f.severity);
  // Production builds give no render times: the cost is estimated from the renders.
  assert.equal(f.metrics.render_ms_per_s, undefined, 'production builds have no render timings');
  // Fed at 60 Hz, rendered 40-50 times a second here; at 20 a second it is still
  // 4,000 component renders (the 3-row near miss: about 250).
  assert.ok(f.metrics.component_renders_per_s >= ROWS * 20, JSON.stringify(f.metrics));
  assert.ok(f.metrics.estimated_render_ms_per_s >= 4, JSON.stringify(f.metrics));
  assert.ok(f.metrics.cost_ms_per_s >= f.metrics.estimated_render_ms_per_s);
  // New prices every tick: the renders are not wasted; the cost alone makes it a warning.
  assert.ok(f.metrics.unchanged_share < 0.5, JSON.stringify(f.metrics));
  assert.match(f.title, new RegExp(`×${ROWS} re-rendered with it; (about \\d+ ms of work a second \\(estimated: [\\d,]+ component renders/s\\)|\\d+ ms of long frames a second)$`));
  assert.ok(f.evidence.urls.some((u) => u.includes('/corpus-assets/table-storm.html')), JSON.stringify(f.evidence));
});

test('near miss: the same production table with 3 rows at 60 Hz is an informational storm', async () => {
  const { finding: f } = await storm(3);
  console.log(`# ${f.severity}: "${f.title}"`);
  assert.ok(f.metrics.estimated_render_ms_per_s < 4, JSON.stringify(f.metrics));
  assert.equal(f.severity, f.metrics.long_task_overlap ? 'error' : 'info', JSON.stringify(f.metrics));
});

test('rerender-storm by weight: the same table of 300 rows fed every 50 ms (20 a second, under the 30 a second of a storm by rate) is a warning', async () => {
  const { finding: f } = await storm(300, 50);
  console.log(`# ${f.severity}: "${f.title}"`);
  assert.ok(f.metrics.renders_per_s >= 10 && f.metrics.renders_per_s < 30, JSON.stringify(f.metrics));
  assert.ok(f.metrics.component_renders_per_s >= 2000, JSON.stringify(f.metrics));
  assert.ok(['warning', 'error'].includes(f.severity), f.severity);
  assert.match(f.title, /×300 re-rendered with it/);
});

test('near miss: 3 rows fed every 50 ms is no storm at all', async () => {
  await open('table-storm.html?rows=3&every=50');
  await until(() => tab.page.eval(`!!document.querySelector('#go')`), { what: 'the table rendered' });
  await tab.click('#go');
  try {
    await sleep(3000);
    const storms = (await tab.report()).findings.filter((f) => f.detector === 'rerender-storm');
    assert.deepEqual(storms.map((f) => f.title), []);
  } finally {
    await tab.click('#stop');
  }
});
