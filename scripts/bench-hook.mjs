// What the page hook costs the page: the same workloads in Chromium with and
// without the extension, run in alternation, medians printed.
// Run: node scripts/bench-hook.mjs [runs per side, default 3] (after a build).
//   --devtools  with DevTools open on the page (panel not shown), as a developer
//               using Stormwatch has it: the inspector then records an async stack
//               for every promise reaction and timer, which makes the hook's own
//               JavaScript cost more than with DevTools closed.
// STORMWATCH_EXTENSION_DIR=<dir> times another build; STORMWATCH_BASELINE_DIR=<dir>
// adds an older build to the same run (before/after figures from one run).
import os from 'node:os';
import { startDemoServer } from './demo-server.mjs';
import { Browser, Inspected, EXTENSION_DIR, openPlain } from '../tests/e2e/devtools.mjs';

const argv = process.argv.slice(2);
const DEVTOOLS = argv.includes('--devtools');
const RUNS = Number(argv.filter((a) => !a.startsWith('--'))[0] || 3);
const EXTENSION = process.env.STORMWATCH_EXTENSION_DIR || EXTENSION_DIR;
const BASELINE = process.env.STORMWATCH_BASELINE_DIR || null;

// DevTools logs every request, so the open-DevTools run is a tenth of the size.
const N = DEVTOOLS ? 2000 : 20000;
const WORKLOAD = `(async () => {
  const out = {};
  let t = performance.now();
  for (let i = 0; i < ${N}; i++) fetch('data:text/plain,' + i);
  out.sync_call_us = (performance.now() - t) * 1000 / ${N};
  t = performance.now();
  await Promise.all(Array.from({ length: ${N} }, (_, i) => fetch('data:text/plain,' + i)));
  out.data_fetches_ms = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < ${N / 10}; i++) await (await fetch('data:text/plain,' + i)).text();
  out.data_sequential_us = (performance.now() - t) * 1000 / ${N / 10};
  t = performance.now();
  for (let round = 0; round < ${N / 500}; round++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => fetch('/api/items?page=' + (round * 50 + i)).then((r) => r.json())));
  }
  out.http_fetches_ms = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < ${N / 100}; i++) {
    await new Promise((resolve) => { const x = new XMLHttpRequest(); x.open('GET', '/api/items?page=' + i); x.onloadend = resolve; x.send(); });
  }
  out.xhr_sequential_ms = performance.now() - t;
  return out;
})()`;

async function run(dir) {
  if (!DEVTOOLS) {
    const { browser, page } = await openPlain(`${origin}/index.html`, { extensionDir: dir });
    try {
      return await page.eval(WORKLOAD);
    } finally {
      await browser.close();
    }
  }
  const browser = await Browser.launch({ extensionDir: dir });
  try {
    const tab = await Inspected.open(browser, `${origin}/index.html`, { showPanel: false });
    return await tab.page.eval(WORKLOAD);
  } finally {
    await browser.close();
  }
}

const { server, origin } = await startDemoServer();
const sides = { without: null, ...(BASELINE ? { baseline: BASELINE } : {}), with: EXTENSION };
const runs = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
const loads = [];
for (let i = 0; i < RUNS; i++) {
  const order = i % 2 === 0 ? Object.keys(sides) : Object.keys(sides).reverse();
  for (const side of order) {
    loads.push(os.loadavg()[0]);
    runs[side].push(await run(sides[side]));
  }
}
server.close();
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`page hook cost (median of ${RUNS} alternating runs per side, Chromium headless, ${DEVTOOLS ? 'DevTools open, panel not shown' : 'no DevTools'}; ` +
  `load average (1 min) median ${median(loads).toFixed(2)}, min ${Math.min(...loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}):`);
const names = Object.keys(sides).slice(1);
console.log(`  ${'workload'.padEnd(22)} ${'without'.padStart(10)} ${names.map((n) => `${n.padStart(10)} ${'overhead'.padStart(9)}`).join(' ')}`);
for (const key of Object.keys(runs.without[0])) {
  const a = median(runs.without.map((r) => r[key]));
  console.log(`  ${key.padEnd(22)} ${a.toFixed(2).padStart(10)} ${names.map((n) => {
    const b = median(runs[n].map((r) => r[key]));
    return `${b.toFixed(2).padStart(10)} ${(((b - a) / a) * 100).toFixed(1).padStart(8)}%`;
  }).join(' ')}`);
}
