// The main job: the built extension, live, against the bundled demo app. Opens
// Chromium with DevTools and the Stormwatch panel, plays each demo scenario, and
// prints findings as the panel shows them. Reports go to dist/reports/.
// With a display (DISPLAY set) the browser stays open for you until Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-server.mjs';
import { Browser, Inspected, EXTENSION_DIR, sleep } from '../tests/e2e/devtools.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = path.join(root, 'dist', 'reports');
fs.mkdirSync(reports, { recursive: true });

const headless = !process.env.DISPLAY;
const { server, origin } = await startDemoServer(Number(process.env.STORMWATCH_DEMO_PORT || 0));
console.log(`demo app: ${origin}/  (Chromium ${headless ? 'headless' : 'in a window'})`);
const browser = await Browser.launch({ extensionDir: EXTENSION_DIR, headless });

const shown = new Map();
async function printNew(tab) {
  const report = await tab.report();
  for (const f of report.findings) {
    const key = `${f.detector} ${f.key}`;
    const line = `${f.severity.toUpperCase().padEnd(7)} [${f.detector}] ${f.title}`;
    if (shown.get(key) === line) continue;
    shown.set(key, line);
    console.log(`  +${(f.last_ms / 1000).toFixed(1)}s ${line}`);
  }
  return report;
}

async function watch(tab, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await printNew(tab);
    await sleep(100);
  }
  return printNew(tab);
}

/** Starts a page's behaviour (#go), shows findings for `ms`, then stops it (#stop). */
async function runFor(tab, ms) {
  await tab.click('#go');
  await watch(tab, ms);
  await tab.click('#stop');
}

async function save(tab, name) {
  await watch(tab, 300);
  // The full report, event log included, exactly as Export saves it: a summary
  // without events cannot be replayed (`stormwatch analyze` would have to take
  // its findings on trust).
  const report = await tab.fullReport();
  const file = path.join(reports, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  console.log(`  ${report.findings.length} finding(s), ${report.stats.requests} requests -> ${path.relative(root, file)}`);
}

// Pages whose file is not <name>.html.
const PAGES = {
  'react-storm': 'react.html?app=storm&react=18',
  'react-unnecessary': 'react.html?app=unnecessary&react=19',
};

const SCENARIOS = [
  ['duplicates', 'three widgets and a legacy XHR load the same profile', (t) => t.click('#load-profile'), 1500],
  ['polling', 'a job polled every second, still running after a route change', async (t) => {
    await t.click('#start-polling');
    await watch(t, 5500);
    await t.click('#go-gallery');
    console.log('  (route changed to /polling.html#/gallery)');
    await watch(t, 2500);
    await t.click('#stop-polling');
  }, 300],
  ['nplusone', 'eight messages fetched one by one, at once', (t) => t.click('#go'), 1200],
  ['waterfall', 'three independent requests awaited in turn', (t) => t.click('#go'), 1200],
  ['errors', 'an error reporter posting to an endpoint that always fails', (t) => t.click('#go'), 1000],
  ['slow', 'a report that takes 1.3 s', (t) => t.click('#go'), 2000],
  ['payload', '1.2 MB of JSON, uncompressed', (t) => t.click('#go'), 1200],
  ['bundle', 'a 600 KB vendor chunk, uncompressed, cached for an hour', null, 1200],
  ['sse', 'EventSources opened on every click and kept across a route change', async (t) => {
    await t.click('#go');
    await t.click('#go');
    await watch(t, 800);
    await t.click('#route');
  }, 1000],
  ['longtask', 'a 200 ms busy loop and a layout-thrashing loop', async (t) => {
    await t.click('#go');
    await watch(t, 600);
    await t.click('#thrash');
  }, 1200],
  ['leak', 'messages and intervals that pile up (memory window shortened to 12 s for the demo)', async (t) => {
    await t.panel.eval(`window.stormwatch.setConfig({ memory_growth: { window_ms: 12000, min_samples: 6 } })`);
    await runFor(t, 15000);
  }, 300],
  ['react-storm', 'React 18: a ticker setting state on every frame, twenty rows re-rendering with it', async (t) => {
    await runFor(t, 2500);
    await t.panel.eval(`document.getElementById('tab-components').click()`);
    await sleep(200);
    await t.screenshot(path.join(reports, 'panel-components.png'));
    await t.panel.eval(`document.getElementById('tab-findings').click()`);
  }, 300],
  ['react-unnecessary', 'React 19: memoized rows defeated by an inline handler and style', (t) => runFor(t, 2500), 300],
  ['clean', 'user-driven pagination and different searches (expect nothing above info)', async (t) => {
    for (const wait of [800, 1700, 500]) {
      await t.click('#next-page');
      await t.click('#search');
      await watch(t, wait);
    }
  }, 300],
];

let tab;
try {
  tab = await Inspected.open(browser, `${origin}/index.html`);
  for (const [name, what, play, settle] of SCENARIOS) {
    const page = PAGES[name] || `${name}.html`;
    console.log(`\n== ${page}: ${what}`);
    shown.clear();
    await tab.navigate(`${origin}/${page}`);
    await sleep(page.startsWith('react') ? 600 : 200);
    if (play) await play(tab);
    await watch(tab, settle);
    await save(tab, name);
    // Back to the default thresholds once the shortened memory window has been shown.
    if (name === 'leak') await tab.panel.eval(`window.stormwatch.setConfig({})`);
    if (name === 'polling') await tab.screenshot(path.join(reports, 'panel.png'));
  }

  if (!headless) {
    console.log('\nThe browser stays open: try the demo pages yourself. Ctrl-C to quit.');
    for (;;) await watch(tab, 1000);
  }
} finally {
  await browser.close();
  server.close();
}
