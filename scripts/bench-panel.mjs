// How quickly the panel opens: its page loaded in a fresh Chromium with the
// extension (cold: nothing cached, the wasm fetched and compiled), from navigation
// start to the panel's first render (the `stormwatch:mounted` mark, set right
// after the view is mounted; it includes fetching, compiling and starting the
// wasm), and the first contentful paint where Chromium reports one; then its size.
// Medians of several launches are printed. Run: node scripts/bench-panel.mjs (after a build).
import { EXTENSION_DIR, PANEL_URL, openPlain } from '../tests/e2e/devtools.mjs';
import { panelSize } from './panel-size.mjs';

const RUNS = 5;
const MEASURE = `(async () => {
  for (let i = 0; i < 200 && !performance.getEntriesByName('stormwatch:mounted').length; i++) await new Promise((r) => setTimeout(r, 25));
  const mounted = performance.getEntriesByName('stormwatch:mounted')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return { mounted: mounted ? mounted.startTime : null, fcp: fcp ? fcp.startTime : null };
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
const { total } = panelSize(EXTENSION_DIR);
console.log(`bench-panel: panel wasm + JS ${total.raw} B raw, ${total.gzip} B gzip, ${total.brotli} B brotli`);
