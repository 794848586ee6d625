// What Stormwatch costs a busy page while its panel is shown: 2,000 sequential
// fetches timed in the page, in Chromium with DevTools open and the Stormwatch panel
// shown, against Chromium with DevTools open and no extension. Launches alternate
// (which side goes first swaps every pair, so a drift of the machine hits both);
// each launch warms up, then times the workload several times. Medians, the spread
// (quartiles, min, max) and the ratio are printed, with the ratio of each
// back-to-back pair, whose spread says how far the figure can be trusted
// (the target is a ratio of at most 1.03). CPU seconds per kind of process are
// printed too: on a busy machine they are steadier than the wall time.
// Run: node scripts/bench-page.mjs [launches per side, default 5] [timed rounds per launch, default 3]
// STORMWATCH_BASELINE_DIR=<dist/extension of an older build> adds that build, panel shown.
//   --split  also times the extension loaded with its panel not shown (the page hook
//            and relay alone), to tell the hook's cost from the panel's.
//   --profile  first, one launch with the panel shown and V8's sampling profiler on
//            the page, the DevTools window, the panel and the service worker for one
//            round: where each one's main-thread time goes, by function.
//            STORMWATCH_PROFILE_DIR=<dir> also saves each profile whole (.cpuprofile,
//            opens in DevTools' Performance panel); for function names in the panel's
//            wasm, profile a build whose wasm kept its name section (wasm-bindgen
//            output before wasm-opt) through STORMWATCH_EXTENSION_DIR.
// (after scripts/build.sh --browser).
import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import { Browser, Inspected, EXTENSION_DIR, EXTENSION_ID, sleep, until } from '../tests/e2e/devtools.mjs';

const argv = process.argv.slice(2);
const SPLIT = argv.includes('--split');
const PROFILE = argv.some((a) => a.startsWith('--profile'));
const nums = argv.filter((a) => !a.startsWith('--'));
const RUNS = Number(nums[0] ?? 5);
const ROUNDS = Number(nums[1] || 3);
// Another build of the extension to time instead of dist/extension.
const EXTENSION = process.env.STORMWATCH_EXTENSION_DIR || EXTENSION_DIR;
// An older build (e.g. another checkout's dist/extension) timed in the same run,
// panel shown, for before/after figures from one run.
const BASELINE = process.env.STORMWATCH_BASELINE_DIR || null;
const FETCHES = 2000;
const WARMUP = 300;

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

const workload = (n, from) => `(async () => {
  const t = performance.now();
  for (let i = ${from}; i < ${from + n}; i++) await (await fetch('/ping?i=' + i)).text();
  return performance.now() - t;
})()`;

const SIDES = {
  without: { label: 'no extension', extension: false, panel: false },
  hidden: { label: 'extension, panel not shown', extension: true, panel: false },
  with: { label: 'panel shown', extension: true, panel: true },
  baseline: { label: 'panel shown, baseline build', extension: true, panel: true, dir: BASELINE },
};
const order = ['without', ...(SPLIT ? ['hidden'] : []), ...(BASELINE ? ['baseline'] : []), 'with'];
const times = Object.fromEntries(order.map((s) => [s, []]));
// CPU seconds each kind of Chromium process used during the timed rounds, per round.
const cpu = Object.fromEntries(order.map((s) => [s, {}]));
// ...and of all of them together, per round.
const roundCpu = Object.fromEntries(order.map((s) => [s, []]));
// The machine's load average (1 min) at the start of each timed round.
const loads = [];

async function run(side) {
  const { label, extension, panel, dir } = SIDES[side];
  const browser = await Browser.launch({ extensionDir: extension ? dir || EXTENSION : null });
  try {
    const tab = await Inspected.open(browser, url, { showPanel: panel });
    if (panel) await until(async () => (await tab.report()).page.url === url, { what: 'the panel on the page' });
    // Warm up (JIT, connection, DevTools' first entries), then let the panel catch up.
    await tab.page.eval(workload(WARMUP, 0));
    await sleep(1500);
    const pagePid = await findPage(browser, tab);
    const mine = [];
    let issued = WARMUP;
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(os.loadavg()[0]);
      const cpu0 = await cpuByKind(browser, pagePid);
      mine.push(await tab.page.eval(workload(FETCHES, issued)));
      issued += FETCHES;
      const cpu1 = await cpuByKind(browser, pagePid);
      let all = 0;
      for (const [kind, s] of Object.entries(cpu1)) {
        (cpu[side][kind] ||= []).push(s - (cpu0[kind] || 0));
        if (!kind.includes(' / ')) all += s - (cpu0[kind] || 0);
      }
      roundCpu[side].push(all);
      // The panel drains what it was sent before the next round starts.
      await sleep(panel ? 1500 : 500);
    }
    let extra = '';
    if (panel) {
      // The panel really watched: every request reached it (and the header's cost figures).
      const seen = await until(async () => {
        const r = await tab.report();
        return r.stats.requests >= issued ? r : null;
      }, { timeout: 30000, what: 'the requests in the panel' });
      const header = await tab.panel.eval(`document.getElementById('hook-cost')?.textContent || ''`);
      extra = ` (panel: ${seen.stats.requests} requests, ${seen.stats.events} events; hook ${((seen.stats.hook_us || 0) / 1000).toFixed(1)} ms in all; header "${header.trim()}")`;
    }
    console.log(`  ${label.padEnd(27)} ${mine.map((ms) => (ms / 1000).toFixed(2)).join(' ')} s${extra}`);
    times[side].push(...mine);
    return median(mine);
  } finally {
    await browser.close();
  }
}

// CPU seconds per kind of Chromium process, from /proc (per thread, so the
// extension's one renderer splits into the panel's main thread and the service
// worker's thread). Which renderer is the page's is learnt once per launch
// (`findPage`); the DevTools window's is the other non-extension renderer.
const TICK_S = 0.01; // /proc's clock ticks (USER_HZ, 100 on Linux)
function threadsOf(pid) {
  const out = [];
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch (_) { return out; }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const f = stat.slice(close + 2).split(' ');
      out.push({ name, main: String(tid) === String(pid), cpu: (Number(f[11]) + Number(f[12])) * TICK_S }); // utime, stime
    } catch (_) { /* the thread ended */ }
  }
  return out;
}

async function processes(browser) {
  const { processInfo } = await browser.send('SystemInfo.getProcessInfo');
  return processInfo.map((p) => {
    let cmd = '';
    try { cmd = fs.readFileSync(`/proc/${p.id}/cmdline`, 'utf8'); } catch (_) { /* gone */ }
    return { pid: p.id, type: p.type, cmd };
  });
}

function kindOf(p, pagePid) {
  if (p.type === 'renderer') {
    if (p.cmd.includes('--extension-process')) return 'extension renderer';
    return p.pid === pagePid ? 'page renderer' : 'DevTools renderer';
  }
  if (p.type === 'browser') return 'browser';
  if (p.type === 'GPU') return 'GPU';
  if (p.cmd.includes('network.mojom.NetworkService')) return 'network service';
  return p.type;
}

async function cpuByKind(browser, pagePid) {
  const out = {};
  const add = (k, s) => { out[k] = (out[k] || 0) + s; };
  for (const p of await processes(browser)) {
    const kind = kindOf(p, pagePid);
    for (const t of threadsOf(p.pid)) {
      add(kind, t.cpu);
      // Renderers split by thread: the page's and DevTools' main threads run their
      // scripts; in the extension's renderer the panel runs on the main thread and
      // the service worker on a thread of its own.
      if (kind === 'extension renderer') {
        add(`${kind} / ${t.main ? 'panel (main thread)' : t.name.startsWith('ServiceWorker') ? 'service worker' : 'other threads'}`, t.cpu);
      } else if (p.type === 'renderer') {
        add(`${kind} / ${t.main ? 'main thread' : 'other threads'}`, t.cpu);
      }
    }
  }
  return out;
}

// The page's renderer: the one whose CPU grows while the page spins for 300 ms.
async function findPage(browser, tab) {
  const before = new Map();
  for (const p of await processes(browser)) before.set(p.pid, threadsOf(p.pid).reduce((a, t) => a + t.cpu, 0));
  await tab.page.eval('(() => { const end = performance.now() + 300; while (performance.now() < end); return 1; })()');
  let best = null;
  for (const p of await processes(browser)) {
    if (p.type !== 'renderer' || p.cmd.includes('--extension-process')) continue;
    const grew = threadsOf(p.pid).reduce((a, t) => a + t.cpu, 0) - (before.get(p.pid) || 0);
    if (!best || grew > best.grew) best = { pid: p.pid, grew };
  }
  return best ? best.pid : null;
}

const sorted = (xs) => xs.slice().sort((a, b) => a - b);
function quantile(xs, q) {
  const s = sorted(xs);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}
const median = (xs) => quantile(xs, 0.5);

console.log(`${FETCHES} sequential fetches, DevTools open; ${RUNS} launches per side, alternating, ${ROUNDS} timed rounds each after a ${WARMUP}-fetch warm-up:`);
// One launch, panel shown, V8's sampling profiler on each JavaScript context that
// works per request; prints each one's busiest functions (self time).
async function profile(withExtension) {
  const browser = await Browser.launch({ extensionDir: withExtension ? EXTENSION : null });
  try {
    const tab = await Inspected.open(browser, url, { showPanel: withExtension });
    if (withExtension) await until(async () => (await tab.report()).page.url === url, { what: 'the panel on the page' });
    await tab.page.eval(workload(WARMUP, 0));
    await sleep(1500);
    const worker = (await browser.targets()).find((t) => t.type === 'service_worker' && t.url.includes(EXTENSION_ID));
    const sessions = { page: tab.page, DevTools: tab.devtools };
    if (withExtension) sessions.panel = tab.panel;
    if (worker) sessions['service worker'] = await browser.attach(worker.targetId);
    for (const s of Object.values(sessions)) {
      await s.send('Profiler.enable');
      await s.send('Profiler.setSamplingInterval', { interval: 200 });
      await s.send('Profiler.start');
    }
    const ms = await tab.page.eval(workload(FETCHES, WARMUP));
    await sleep(1500); // what the panel and DevTools still do for this round
    console.log(`profile, ${withExtension ? 'panel shown' : 'no extension'}: one round of ${FETCHES} fetches took ${(ms / 1000).toFixed(2)} s with the profilers on; self time by function (ms):`);
    if (withExtension) {
      const dom = await tab.panel.eval(`document.getElementsByTagName('*').length`);
      console.log(`  the panel's DOM after the round: ${dom} elements`);
    }
    for (const [name, s] of Object.entries(sessions)) {
      const { profile: p } = await s.send('Profiler.stop');
      // STORMWATCH_PROFILE_DIR=<dir>: each profile saved whole, for DevTools' Performance panel.
      if (process.env.STORMWATCH_PROFILE_DIR) {
        fs.mkdirSync(process.env.STORMWATCH_PROFILE_DIR, { recursive: true });
        fs.writeFileSync(`${process.env.STORMWATCH_PROFILE_DIR}/${withExtension ? 'panel-shown' : 'no-extension'}-${name.replace(' ', '-')}.cpuprofile`, JSON.stringify(p));
      }
      const total = (p.endTime - p.startTime) / 1000;
      const samples = p.samples.length || 1;
      const by = new Map();
      for (const n of p.nodes) {
        const f = n.callFrame;
        const where = f.url ? `${f.url.split('/').pop()}:${f.lineNumber + 1}` : '';
        const key = `${f.functionName || '(anonymous)'}${where ? ' ' + where : ''}`;
        by.set(key, (by.get(key) || 0) + (n.hitCount || 0));
      }
      const busy = [...by].filter(([k]) => k !== '(idle)').reduce((a, [, n]) => a + n, 0);
      console.log(`  ${name}: busy ${((busy / samples) * total).toFixed(0)} ms of ${total.toFixed(0)} ms`);
      for (const [k, n] of [...by].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 14)) {
        console.log(`    ${((n / samples) * total).toFixed(1).padStart(8)}  ${k.slice(0, 110)}`);
      }
    }
  } finally {
    await browser.close();
  }
}
if (PROFILE) {
  // --profile=panel: only the panel-shown side (STORMWATCH_EXTENSION_DIR picks the build).
  if (!argv.includes('--profile=panel')) await profile(false);
  await profile(true);
}
if (RUNS === 0) {
  server.close();
  process.exit(0);
}
const pairs = []; // launch medians, one per side, taken back to back
for (let i = 0; i < RUNS; i++) {
  const sides = i % 2 === 0 ? order : order.slice().reverse();
  const got = {};
  for (const side of sides) got[side] = await run(side);
  pairs.push(got);
}
server.close();
console.log(`load average (1 min) at the start of the timed rounds: median ${median(loads).toFixed(2)}, min ${Math.min(...loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)} (${os.cpus().length} cores)`);

const s = (ms) => (ms / 1000).toFixed(2);
console.log('per side (seconds for the 2,000 fetches, over every timed round):');
for (const side of order) {
  const xs = times[side];
  console.log(`  ${SIDES[side].label.padEnd(27)} median ${s(median(xs))}  quartiles ${s(quantile(xs, 0.25))}-${s(quantile(xs, 0.75))}  min ${s(Math.min(...xs))}  max ${s(Math.max(...xs))}  (n=${xs.length})`);
}
console.log('CPU seconds used per timed round (medians):');
const KINDS = ['page renderer', 'DevTools renderer', 'extension renderer', 'browser', 'network service', 'GPU'];
const rank = (k) => { const i = KINDS.indexOf(k.split(' / ')[0]); return (i < 0 ? KINDS.length : i) * 10 + (k.includes(' / ') ? 1 : 0); };
for (const kind of [...new Set(order.flatMap((side) => Object.keys(cpu[side])))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
  const m = (xs) => (xs ? median(xs).toFixed(2) : '-');
  console.log(`  ${(kind.includes(' / ') ? '  ' + kind.split(' / ')[1] : kind).padEnd(40)} ${order.map((side) => `${side} ${m(cpu[side][kind]).padStart(6)}`).join('   ')}`);
}
const totals = (side) => median(roundCpu[side]);
console.log(`  ${'all processes'.padEnd(40)} ${order.map((side) => `${side} ${totals(side).toFixed(2).padStart(6)}`).join('   ')}`);
// CPU time is far less sensitive than wall time to what else the machine runs, so
// on a shared machine it is the steadier figure of what watching adds.
for (const side of order.slice(1)) {
  const extra = totals(side) - totals('without');
  console.log(`  ${SIDES[side].label}: +${extra.toFixed(2)} CPU s per round (+${((extra * 1e6) / FETCHES).toFixed(0)} µs per fetch, ` +
    `${((totals(side) / totals('without') - 1) * 100).toFixed(1)}% more CPU than no extension)`);
}
const ratioOf = (side) => {
  const perPair = pairs.map((p) => p[side] / p.without);
  return { ratio: median(times[side]) / median(times.without), lo: Math.min(...perPair), hi: Math.max(...perPair), q1: quantile(perPair, 0.25), q3: quantile(perPair, 0.75) };
};
for (const side of order.slice(1)) {
  const r = ratioOf(side);
  console.log(`ratio ${SIDES[side].label} / no extension: ${r.ratio.toFixed(3)} (medians ${s(median(times[side]))} s / ${s(median(times.without))} s); ` +
    `back-to-back pairs: quartiles ${r.q1.toFixed(3)}-${r.q3.toFixed(3)}, min ${r.lo.toFixed(3)}, max ${r.hi.toFixed(3)}` +
    (side === 'with' || side === 'baseline' ? ' (target <= 1.030)' : ''));
}
