// How quickly the panel opens: its page loaded in a fresh Chromium with the
// extension (cold: nothing cached, the wasm fetched and compiled), from navigation
// start to the panel's first render (the `stormwatch:mounted` mark, set right
// after the view is mounted; it includes fetching, compiling and starting the
// wasm), and the first contentful paint where Chromium reports one; then its size;
// then how long the panel's main thread stays blocked while the hostile page
// (static/demo/hostile.html: 20,000 forged batches, junk URLs, huge bodies) runs:
// a setTimeout(0) ping loop in the panel, its max gap and 95th percentile.
// Medians of several launches are printed. Run: node scripts/bench-panel.mjs (after a build).
// STORMWATCH_BASELINE_DIR=<dist/extension of another build> also runs the hostile
// page against that build, alternating with this one, so both figures come from the
// same run on the same (shared, noisy) machine. HOSTILE_RUNS sets the runs per build (3),
// OPEN_RUNS the cold opens (5).
import { EXTENSION_DIR, PANEL_URL, openPlain, Browser, Inspected, until, sleep } from '../tests/e2e/devtools.mjs';
import { startDemoServer } from './demo-server.mjs';
import { panelSize } from './panel-size.mjs';
import { FORGER } from './forger.mjs';
import os from 'node:os';

const RUNS = Number(process.env.OPEN_RUNS || 5);
const MEASURE = `(async () => {
  for (let i = 0; i < 200 && !performance.getEntriesByName('stormwatch:mounted').length; i++) await new Promise((r) => setTimeout(r, 25));
  const at = (name) => { const e = performance.getEntriesByName(name)[0]; return e ? e.startTime : null; };
  const nav = performance.getEntriesByType('navigation')[0];
  return { mounted: at('stormwatch:mounted'), fcp: at('first-contentful-paint'), start: at('stormwatch:start'),
    html: nav ? nav.responseEnd : null };
})()`;

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};

const runs = [];
for (let i = 0; i < RUNS; i++) {
  const { browser, page } = await openPlain(PANEL_URL, { extensionDir: EXTENSION_DIR });
  try {
    runs.push(await page.eval(MEASURE));
  } finally {
    await browser.close();
  }
}
const ms = (k) => {
  const m = median(runs.map((r) => r[k]));
  return Number.isNaN(m) ? 'not reported' : `${m.toFixed(0)} ms`;
};
console.log(`bench-panel: opening the panel (cold, median of ${RUNS}): first render ${ms('mounted')} after navigation start (first contentful paint: ${ms('fcp')})`);
console.log(`bench-panel: runs ${JSON.stringify(runs.map((r) => Math.round(r.mounted)))}`);
// What the first render waits for (medians, ms after navigation start): the page,
// then the wasm started (its glue and the wasm fetched, compiled and instantiated:
// the \`stormwatch:start\` mark, absent in older builds; Resource Timing does not
// list chrome-extension:// files, so fetching and compiling are not told apart),
// then mounted (the view built).
console.log(`bench-panel: first render's path (median): panel.html ${ms('html')}, wasm started ${ms('start')}, mounted ${ms('mounted')}`);
const { total } = panelSize(EXTENSION_DIR);
console.log(`bench-panel: panel wasm + JS ${total.raw} B raw, ${total.gzip} B gzip, ${total.brotli} B brotli`);

// The hostile page, as tests/e2e/hostile.test.mjs runs it, timed from the panel.
const PROBE = `(() => {
  const p = { gaps: [], stop: false };
  let last = performance.now();
  const tick = () => { const now = performance.now(); p.gaps.push(now - last); last = now; if (!p.stop) setTimeout(tick, 0); };
  setTimeout(tick, 0);
  window.__probe = p;
  return true;
})()`;
const STOP = `(() => {
  const p = window.__probe; p.stop = true;
  const g = p.gaps.slice().sort((a, b) => a - b);
  return { max: g[g.length - 1], p95: g[Math.floor(0.95 * g.length)], pings: g.length };
})()`;
async function hostile(extensionDir) {
  const demo = await startDemoServer();
  const browser = await Browser.launch({ extensionDir });
  try {
    const tab = await Inspected.open(browser, `${demo.origin}/hostile.html`);
    await sleep(500);
    await tab.panel.eval(PROBE);
    const t0 = Date.now();
    await tab.page.eval('window.hostile.run()');
    await until(() => tab.panel.eval('!window.stormwatch.pendingWork || window.stormwatch.pendingWork() === 0'), { timeout: 180000, every: 250, what: 'the panel to catch up' });
    const caughtUp = Date.now() - t0;
    await sleep(2000);
    const gaps = await tab.panel.eval(STOP);
    // report() with the findings the hostile page minted, timed inside the panel
    // (the DevTools protocol's transfer of the result is not the panel's time), with
    // the ping loop running meanwhile: its longest gap is how long building the
    // report blocked the panel's main thread.
    const report = await tab.panel.eval(REPORT);
    return { ...gaps, caughtUp, report };
  } finally {
    await browser.close();
    demo.server.close();
  }
}
const REPORT = `(async () => {
  const gaps = [];
  let last = performance.now(), stop = false;
  const tick = () => { const now = performance.now(); gaps.push(now - last); last = now; if (!stop) setTimeout(tick, 0); };
  setTimeout(tick, 0);
  await new Promise((r) => setTimeout(r, 50));
  const t = performance.now();
  const r = await window.stormwatch.report();
  const ms = performance.now() - t;
  await new Promise((r) => setTimeout(r, 50));
  stop = true;
  return { ms, findings: r.findings.length, events: r.events.length, bytes: JSON.stringify(r).length, maxGap: Math.max(...gaps) };
})()`;
// One huge message at a time (see scripts/forger.mjs): the panel must ingest them in
// slices: the ping loop's longest gap while each is taken in.
async function hugeMessages(extensionDir) {
  const demo = await startDemoServer();
  const browser = await Browser.launch({ extensionDir });
  try {
    const tab = await Inspected.open(browser, `${demo.origin}/hostile.html`);
    await tab.page.eval(FORGER);
    await tab.page.eval(`fetch('/api/profile').then(() => true)`);
    await until(() => tab.page.eval('!!window.__forger.doc'), { timeout: 20000, what: 'a batch of the hook' });
    await until(() => tab.panel.eval('window.stormwatch.pendingWork() === 0'), { timeout: 20000, what: 'the panel to be idle' });
    const out = {};
    for (const [name, call] of [['many', '__forger.many(16000)'], ['longUrl', '__forger.longUrl(3900000)']]) {
      await tab.panel.eval(PROBE);
      const t0 = Date.now();
      const chars = await tab.page.eval(`window.${call}`);
      // Until the panel has it and is done with it.
      await sleep(300);
      await until(() => tab.panel.eval('window.stormwatch.pendingWork() === 0'), { timeout: 60000, every: 100, what: 'the panel to take it in' });
      const took = Date.now() - t0;
      await sleep(500);
      out[name] = { ...(await tab.panel.eval(STOP)), chars, took };
    }
    out.events = (await tab.panel.eval('window.stormwatch.summary()')).stats.events;
    out.report = await tab.panel.eval(REPORT);
    return out;
  } finally {
    await browser.close();
    demo.server.close();
  }
}
if (!process.env.SKIP_HUGE) {
  const h = await hugeMessages(EXTENSION_DIR);
  const line = (r) => `${(r.chars / 1e6).toFixed(1)} M chars: longest gap ${Math.round(r.max)} ms, p95 ${Math.round(r.p95)} ms, taken in within ${r.took} ms`;
  console.log(`bench-panel: huge messages (load ${os.loadavg()[0].toFixed(1)}): a batch of 16,000 events, ${line(h.many)}; one 3.9 MB URL, ${line(h.longUrl)}; ${h.events} events in the session`);
  const r = h.report;
  console.log(`bench-panel: report() after them: answered in ${Math.round(r.ms)} ms with ${r.findings} findings and ${r.events} events, ${r.bytes} bytes of JSON; longest main-thread gap meanwhile ${Math.round(r.maxGap)} ms`);
}

const builds = [['this build', EXTENSION_DIR]];
if (process.env.STORMWATCH_BASELINE_DIR) builds.push(['baseline', process.env.STORMWATCH_BASELINE_DIR]);
const HOSTILE_RUNS = Number(process.env.HOSTILE_RUNS || 3);
const results = new Map(builds.map(([name]) => [name, []]));
for (let i = 0; i < HOSTILE_RUNS; i++) {
  for (const [name, dir] of i % 2 ? [...builds].reverse() : builds) results.get(name).push(await hostile(dir));
}
console.log(`bench-panel: load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (1, 5, 15 min) at the end of the hostile runs`);
for (const [name, rs] of results) {
  const f = (k) => rs.map((r) => Math.round(r[k])).join('/');
  console.log(`bench-panel: hostile page, ${name} (${rs.length} runs): panel main thread max gap ${f('max')} ms (median ${Math.round(median(rs.map((r) => r.max)))}), p95 ${f('p95')} ms (median ${Math.round(median(rs.map((r) => r.p95)))}); caught up ${f('caughtUp')} ms after the start`);
  const rep = rs.map((r) => r.report);
  const g = (k) => rep.map((r) => Math.round(r[k])).join('/');
  console.log(`bench-panel: report() after the hostile page, ${name}: answered in ${g('ms')} ms (median ${Math.round(median(rep.map((r) => r.ms)))}) with ${g('findings')} findings and ${g('events')} events, ${g('bytes')} bytes of JSON; longest main-thread gap meanwhile ${g('maxGap')} ms`);
}
