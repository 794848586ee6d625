// What Stormwatch costs a busy page while its panel is shown: 2,000 sequential
// fetches timed in the page, in Chromium with DevTools open and the Stormwatch panel
// shown, against Chromium with DevTools open and no extension. Runs alternate,
// medians are printed with their ratio (the target is at most 1.03).
// Run: node scripts/bench-page.mjs [runs per side, default 5] (after a build).
import fs from 'node:fs';
import http from 'node:http';
import { Browser, Inspected, EXTENSION_DIR, sleep, until } from '../tests/e2e/devtools.mjs';

const RUNS = Number(process.argv[2] || 5);
// Another build of the extension to compare (e.g. an older checkout's dist/extension).
const EXTENSION = process.env.STORMWATCH_EXTENSION_DIR || EXTENSION_DIR;
const FETCHES = 2000;

// A bare server: the page and one small JSON answer, so the page's own work and
// the browser's request path are what is measured, not the server.
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/ping')) {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end('{"ok":true}');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>bench</title><p>bench</p>');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/bench.html`;

const WORKLOAD = `(async () => {
  const t = performance.now();
  for (let i = 0; i < ${FETCHES}; i++) await (await fetch('/ping?i=' + i)).text();
  return performance.now() - t;
})()`;

async function run(withPanel) {
  const browser = await Browser.launch({ extensionDir: withPanel ? EXTENSION : null });
  try {
    const tab = await Inspected.open(browser, url, { showPanel: withPanel });
    if (withPanel) await until(async () => (await tab.report()).page.url === url, { what: 'the panel on the page' });
    await sleep(1000); // let DevTools settle in both cases
    const cpu0 = await cpuByKind(browser);
    const ms = await tab.page.eval(WORKLOAD);
    const cpu1 = await cpuByKind(browser);
    for (const [kind, s] of Object.entries(cpu1)) cpu[withPanel ? 'with' : 'without'][kind] = (cpu[withPanel ? 'with' : 'without'][kind] || []).concat(s - (cpu0[kind] || 0));
    let extra = '';
    if (withPanel) {
      // The panel really watched: every request reached it (and the header's cost figures).
      const seen = await until(async () => {
        const r = await tab.report();
        return r.stats.requests >= FETCHES ? r : null;
      }, { timeout: 20000, what: 'the requests in the panel' });
      const header = await tab.panel.eval(`document.getElementById('hook-cost')?.textContent || ''`);
      extra = ` (panel: ${seen.stats.requests} requests, ${seen.stats.events} events; hook ${((seen.stats.hook_us || 0) / 1000).toFixed(1)} ms in all; header "${header.trim()}")`;
    }
    console.log(`  ${withPanel ? 'panel shown' : 'no extension'}: ${(ms / 1000).toFixed(2)} s${extra}`);
    return ms;
  } finally {
    await browser.close();
  }
}

// CPU seconds each kind of Chromium process used during the workload: where the
// page's two cores went (the page, DevTools, the panel, the browser, the network).
const cpu = { without: {}, with: {} };
async function cpuByKind(browser) {
  const { processInfo } = await browser.send('SystemInfo.getProcessInfo');
  const out = {};
  for (const p of processInfo) {
    let kind = p.type;
    if (kind === 'renderer') {
      let cmd = '';
      try { cmd = fs.readFileSync(`/proc/${p.id}/cmdline`, 'utf8'); } catch (_) { /* gone */ }
      kind = cmd.includes('--extension-process') ? 'renderer (extension: panel, worker)' : 'renderer (page, DevTools)';
    }
    out[kind] = (out[kind] || 0) + p.cpuTime;
  }
  return out;
}

console.log(`${FETCHES} sequential fetches, DevTools open, ${RUNS} alternating runs per side:`);
const times = { without: [], with: [] };
for (let i = 0; i < RUNS; i++) {
  times.without.push(await run(false));
  times.with.push(await run(true));
}
server.close();
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const a = median(times.without);
const b = median(times.with);
console.log('CPU seconds used during the workload (medians):');
for (const kind of new Set([...Object.keys(cpu.without), ...Object.keys(cpu.with)])) {
  const m = (xs) => (xs ? median(xs).toFixed(2) : '-');
  console.log(`  ${kind.padEnd(40)} without ${m(cpu.without[kind]).padStart(6)}   with ${m(cpu.with[kind]).padStart(6)}`);
}
const totals = (side) => {
  const runs = Object.values(cpu[side]);
  return runs.length ? median(runs[0].map((_, i) => runs.reduce((sum, xs) => sum + (xs[i] || 0), 0))) : 0;
};
console.log(`  ${'all processes'.padEnd(40)} without ${totals('without').toFixed(2).padStart(6)}   with ${totals('with').toFixed(2).padStart(6)}` +
  `   (+${(((totals('with') - totals('without')) * 1e6) / FETCHES).toFixed(0)} µs of CPU per fetch)`);
console.log(`median without the extension: ${(a / 1000).toFixed(2)} s; with the panel shown: ${(b / 1000).toFixed(2)} s; ratio ${(b / a).toFixed(3)} (target <= 1.030)`);
