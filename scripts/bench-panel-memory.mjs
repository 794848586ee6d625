// The panel's memory under request floods, in the real DevTools panel: the page
// issues 20,000 real HTTP fetches to distinct URLs (the demo server answers them
// at once with a 404; DevTools' log reports each one too, so the engine must merge
// both halves), several times; after each flood has fully reached
// the panel, print the wasm linear memory (it never shrinks, so it is the peak),
// the panel's JS heap (CDP Runtime.getHeapUsage: the highest seen while the flood
// was taken in, sampled without forcing a GC, and after a GC), their sum against
// the 30 MB budget, whether each request was counted exactly once, and what the
// panel says it let go to stay inside its budget.
// Run: node scripts/bench-panel-memory.mjs [floods, default 3] (after scripts/build.sh --browser).
// HEAP_PROFILE=1 also runs V8's sampling heap profiler in the panel and prints, at
// the JS heap's highest point, which functions allocated what the heap held
// (live and not yet collected garbage alike), to find what makes the peak;
// HEAP_PROFILE=all prints every allocation sampled during the flood, collected or
// not, by function: what allocates most.
// STORMWATCH_EXTENSION_DIR=<dist/extension of another build> measures that build
// instead; STORMWATCH_BASELINE_DIR=<dist/extension of another build> measures both,
// one browser each, alternating (this build, baseline, baseline, this build, ...
// MEMORY_RUNS sessions in all, default 2), so both figures come from the same run.
// While a flood comes in, the count is read from the panel's header (a DOM read),
// not with summary(): a report taken 4 times a second (its JSON text in wasm, its
// object tree in the JS heap) was a large share of the peak it measured, and no
// user takes one that often. Where the build has it, `wasmHeap()` says how much of
// the wasm memory was ever live at once (the rest is the allocator's fragmentation).
import { Browser, Inspected, EXTENSION_DIR, until, sleep } from '../tests/e2e/devtools.mjs';
import os from 'node:os';
import { startDemoServer } from './demo-server.mjs';

const FLOOD = 20000;
const FLOODS = Number(process.argv[2] || 3);
const BUDGET_MB = 30;
const MB = 1048576;
// Another build of the extension to compare (e.g. an older checkout's dist/extension).
const EXTENSION = process.env.STORMWATCH_EXTENSION_DIR || EXTENSION_DIR;
const PROFILE = !!process.env.HEAP_PROFILE;

/** The heap at its peak by allocating function (self size), biggest first. */
function printProfile(profile) {
  const by = new Map();
  const walk = (node, stack) => {
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${String(f.url).split('/').pop()}:${f.lineNumber + 1}`;
    const path = [name, ...stack].slice(0, 3).join(' < ');
    if (node.selfSize) by.set(path, (by.get(path) || 0) + node.selfSize);
    for (const c of node.children || []) walk(c, [name, ...stack].slice(0, 3));
  };
  walk(profile.head, []);
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  console.log(`    heap at its peak by allocating function (sampled, ${(total / MB).toFixed(1)} MB):`);
  for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`      ${(v / MB).toFixed(2)} MB  ${k}`);
}

/** The requests count the panel's header shows (it is redrawn at least once a second). */
const headerCount = (tab) =>
  tab.panel.eval(`Number((/([0-9]+) requests/.exec(document.querySelector('.counts')?.textContent || '') || [0, -1])[1])`);

/** One browser with `extensionDir`, `FLOODS` floods; returns the figures. */
async function measure(name, extensionDir) {
  const demo = await startDemoServer();
  const browser = await Browser.launch({ extensionDir });
  const tab = await Inspected.open(browser, `${demo.origin}/clean.html`);
  const session = {
    async close() {
      await browser.close();
      demo.server.close();
    },
  };
  const result = { name, peaks: [], wasm: [], heapPeaks: [], live: [], growth: 0, exact: true };
  try {
    await until(async () => (await tab.report()).stats.requests >= 1, { what: 'the first request' });
    await sleep(1000); // DevTools' log of the page load lands first
    const heap = async () => {
      await tab.panel.send('HeapProfiler.collectGarbage').catch(() => {});
      const { usedSize } = await tab.panel.send('Runtime.getHeapUsage');
      return usedSize;
    };
    const wasm = () => tab.panel.eval('window.stormwatch.wasmMemoryBytes()');
    const wasmHeap = () => tab.panel.eval('window.stormwatch.wasmHeap ? window.stormwatch.wasmHeap() : null');
    console.log(`${name}: panel memory under ${FLOOD}-request floods (real HTTP fetches, page hook + DevTools log):`);
    console.log(`  before: wasm ${(await wasm() / MB).toFixed(1)} MB, JS heap ${(await heap() / MB).toFixed(1)} MB`);
    let worst = 0;
    const totals = [];
    for (let round = 1; round <= FLOODS; round++) {
      const before = await tab.report();
      const t0 = Date.now();
      // The JS heap's high-water mark while the flood comes in (no forced GC).
      let heapPeak = 0;
      let sampling = true;
      let profileAtPeak = null;
      // HEAP_PROFILE=all: every sampled allocation, collected or not (what allocates most).
    const all = process.env.HEAP_PROFILE === 'all';
    if (PROFILE) await tab.panel.send('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: all, includeObjectsCollectedByMinorGC: all }).catch(() => {});
      const sampler = (async () => {
        while (sampling) {
          const u = await tab.panel.send('Runtime.getHeapUsage').catch(() => null);
          if (u && u.usedSize > heapPeak && PROFILE) {
            profileAtPeak = (await tab.panel.send('HeapProfiler.getSamplingProfile').catch(() => null))?.profile || profileAtPeak;
          }
          if (u) heapPeak = Math.max(heapPeak, u.usedSize);
          await sleep(200);
        }
      })();
      // In waves of 1,000 (the browser queues the rest anyway), one evaluation each
      // (a loaded machine can take longer than one CDP call may wait for the whole
      // flood); ids keep URLs distinct.
      let n = 0;
      for (let w = 0; w < FLOOD / 1000; w++) {
        n += await tab.page.eval(`(async () => {
          const base = ${round * FLOOD} + ${w} * 1000;
          await Promise.all(Array.from({ length: 1000 }, (_, i) => fetch('/api/flood/' + (base + i)).then((r) => r.text())));
          return 1000;
        })()`);
      }
      await until(async () => (await headerCount(tab)) >= before.stats.requests + n, { timeout: 300000, every: 250, what: `flood ${round} in the panel` });
      await sleep(2000); // late DevTools entries: a second count would show here
      sampling = false;
      await sampler;
      const after = await tab.report();
      const seen = after.stats.requests - before.stats.requests;
      const peakWasm = await wasm();
      const jsHeap = await heap();
      const peak = peakWasm + Math.max(heapPeak, jsHeap);
      worst = Math.max(worst, peak);
      totals.push(peakWasm + jsHeap);
      const note = await tab.panel.eval(`document.querySelector('.status .state')?.textContent || ''`);
      const wh = await wasmHeap();
      result.peaks.push(peak);
      result.wasm.push(peakWasm);
      result.heapPeaks.push(heapPeak);
      result.exact &&= seen === n;
      if (wh) result.live.push(wh);
      console.log(
        `  flood ${round}: ${n} requests issued, ${seen} counted (${seen === n ? 'exact' : 'NOT exact'}) in ${Date.now() - t0} ms; ` +
          `wasm ${(peakWasm / MB).toFixed(1)} MB + JS heap peak ${(heapPeak / MB).toFixed(1)} MB (after GC ${(jsHeap / MB).toFixed(1)} MB) = ${(peak / MB).toFixed(1)} MB; ` +
          `events not logged ${after.stats.events_not_logged}, devtools repeats ${after.stats.devtools_repeats || 0}`,
      );
      if (after.stats.dropped) console.log(`    dropped on the way: ${after.stats.dropped}`);
      if (wh) console.log(`    wasm heap: ${(wh.live / MB).toFixed(1)} MB live now, at most ${(wh.peak / MB).toFixed(1)} MB live at once (of ${(peakWasm / MB).toFixed(1)} MB of wasm memory)`);
      if (PROFILE) {
        await tab.panel.send('HeapProfiler.stopSampling').catch(() => {});
        if (profileAtPeak) printProfile(profileAtPeak);
      }
      const budget = note.indexOf('Memory budget:');
      if (budget >= 0) console.log(`    the panel says: "${note.slice(budget)}"`);
    }
    // Growth of what stays (wasm, which never shrinks, plus the heap after a GC).
    const growth = totals.length > 1 ? (totals[totals.length - 1] - totals[0]) / MB / (totals.length - 1) : 0;
    result.growth = growth;
    result.worst = worst;
    console.log(`${name}: peak ${(worst / MB).toFixed(1)} MB (budget ${BUDGET_MB} MB: ${worst / MB <= BUDGET_MB ? 'within' : 'OVER'}); ` +
      `after the first flood, wasm + JS heap after GC grows ${growth.toFixed(1)} MB per flood`);
  } finally {
    await session.close();
  }
  return result;
}

const builds = [[process.env.STORMWATCH_EXTENSION_DIR ? 'that build' : 'this build', EXTENSION]];
if (process.env.STORMWATCH_BASELINE_DIR) builds.push(['baseline', process.env.STORMWATCH_BASELINE_DIR]);
const RUNS = builds.length > 1 ? Number(process.env.MEMORY_RUNS || 2) : 1;
const results = [];
for (let i = 0; i < RUNS; i++) {
  const [name, dir] = builds[[0, 1, 1, 0][i % 4] % builds.length];
  results.push(await measure(name, dir));
}
const mb = (x) => (x / MB).toFixed(1);
console.log(`summary (${FLOODS} floods of ${FLOOD} requests per session; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at the end):`);
for (const r of results) {
  console.log(`  ${r.name}: wasm ${r.wasm.map(mb).join(' / ')} MB, JS heap peak ${r.heapPeaks.map(mb).join(' / ')} MB; ` +
    `peak together ${mb(r.worst)} MB; ${r.exact ? 'counts exact' : 'counts NOT exact'}; grows ${r.growth.toFixed(1)} MB per flood`);
}
