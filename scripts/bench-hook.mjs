// What the page hook costs the page: the same workloads in Chromium with and
// without the extension (no DevTools open, so only the hook differs), run in
// alternation, medians printed. Run: node scripts/bench-hook.mjs (after a build).
import { startDemoServer } from './demo-server.mjs';
import { EXTENSION_DIR, openPlain } from '../tests/e2e/devtools.mjs';

const WORKLOAD = `(async () => {
  const out = {};
  let t = performance.now();
  for (let i = 0; i < 20000; i++) fetch('data:text/plain,' + i);
  out.sync_call_us = (performance.now() - t) * 1000 / 20000;
  t = performance.now();
  await Promise.all(Array.from({ length: 20000 }, (_, i) => fetch('data:text/plain,' + i)));
  out.data_fetches_ms = performance.now() - t;
  t = performance.now();
  for (let round = 0; round < 40; round++) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => fetch('/api/items?page=' + (round * 50 + i)).then((r) => r.json())));
  }
  out.http_fetches_ms = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 300; i++) {
    await new Promise((resolve) => { const x = new XMLHttpRequest(); x.open('GET', '/api/items?page=' + i); x.onloadend = resolve; x.send(); });
  }
  out.xhr_sequential_ms = performance.now() - t;
  return out;
})()`;

async function run(withExtension) {
  const { browser, page } = await openPlain(`${origin}/index.html`, { extensionDir: withExtension ? EXTENSION_DIR : null });
  try {
    return await page.eval(WORKLOAD);
  } finally {
    await browser.close();
  }
}

const { server, origin } = await startDemoServer();
const runs = { without: [], with: [] };
for (let i = 0; i < 3; i++) {
  runs.without.push(await run(false));
  runs.with.push(await run(true));
}
server.close();
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log('page hook cost (median of 3 alternating runs, Chromium headless, no DevTools):');
console.log('  workload                              without      with   overhead');
for (const key of Object.keys(runs.without[0])) {
  const a = median(runs.without.map((r) => r[key]));
  const b = median(runs.with.map((r) => r[key]));
  console.log(`  ${key.padEnd(34)} ${a.toFixed(2).padStart(10)} ${b.toFixed(2).padStart(9)} ${(((b - a) / a) * 100).toFixed(1).padStart(8)}%`);
}
