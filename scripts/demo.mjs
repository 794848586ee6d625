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

async function save(tab, name) {
  const report = await watch(tab, 300);
  const file = path.join(reports, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  console.log(`  ${report.findings.length} finding(s), ${report.stats.requests} requests -> ${path.relative(root, file)}`);
}

try {
  console.log('\n== duplicates.html: three widgets and a legacy XHR load the same profile');
  const tab = await Inspected.open(browser, `${origin}/duplicates.html`);
  await tab.click('#load-profile');
  await watch(tab, 1500);
  await save(tab, 'duplicates');

  console.log('\n== polling.html: a job polled every second, still running after a route change');
  shown.clear();
  await tab.navigate(`${origin}/polling.html`);
  await tab.click('#start-polling');
  await watch(tab, 5500);
  await tab.click('#go-gallery');
  console.log('  (route changed to /polling.html#/gallery)');
  await watch(tab, 2500);
  await tab.click('#stop-polling');
  await save(tab, 'polling');

  console.log('\n== clean.html: user-driven pagination and different searches (expect no findings)');
  shown.clear();
  await tab.navigate(`${origin}/clean.html`);
  for (const wait of [800, 1700, 500]) {
    await tab.click('#next-page');
    await tab.click('#search');
    await watch(tab, wait);
  }
  await save(tab, 'clean');
  await tab.screenshot(path.join(reports, 'panel.png'));

  if (!headless) {
    console.log('\nThe browser stays open: try the demo pages yourself. Ctrl-C to quit.');
    for (;;) await watch(tab, 1000);
  }
} finally {
  await browser.close();
  server.close();
}
