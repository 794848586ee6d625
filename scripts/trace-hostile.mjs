// Where the panel's main thread goes on the hostile page (static/demo/hostile.html):
// records a Chrome trace of the run with the real panel open, then prints, for the
// panel's renderer thread, the CPU and wall time of each kind of task (page messages,
// our ingestion slices, timers, frames) and, for the longest stalls a setTimeout(0)
// ping saw, how much CPU the panel actually used inside them. Wall time alone
// misleads on a shared machine: a stall with little CPU inside is the operating
// system giving the process no core, not the panel's work.
// Run after scripts/build.sh --browser:  node scripts/trace-hostile.mjs [trace.json]
// (TRACE_DETAIL=1: what the longest tasks were made of; TRACE_HUGE=1: huge messages instead).
import fs from 'node:fs';
import { until, sleep, Browser, Inspected, EXTENSION_DIR } from '../tests/e2e/devtools.mjs';
import { startDemoServer } from './demo-server.mjs';
import { FORGER } from './forger.mjs';

const out = process.argv[2] || null;
// STORMWATCH_EXTENSION_DIR=<dist/extension of another build> traces that build.
const demo = await startDemoServer();
const browser = await Browser.launch({ extensionDir: process.env.STORMWATCH_EXTENSION_DIR || EXTENSION_DIR });
const tab = await Inspected.open(browser, `${demo.origin}/hostile.html`);
const session = { close: async () => { await browser.close(); demo.server.close(); } };
let text;
let report = null;
try {
  // Top-level tasks (with their CPU time) and the stall marks are all this needs.
  // TRACE_DETAIL=1 adds what runs inside them (script, style, layout, paint, GC),
  // to say what the longest tasks were made of.
  const categories = ['toplevel', 'blink.user_timing', '__metadata'];
  if (process.env.TRACE_DETAIL) categories.push('devtools.timeline', 'v8', 'disabled-by-default-devtools.timeline');
  await browser.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: categories, recordMode: 'recordContinuously' } });
  await tab.panel.eval(`(() => { let last = performance.now(); const tick = () => { const now = performance.now(); if (now - last > 100) performance.measure('stall', { start: last, end: now }); last = now; if (!window.__stopPing) setTimeout(tick, 0); }; setTimeout(tick, 0); return true; })()`);
  if (process.env.TRACE_HUGE) {
    // TRACE_HUGE=1: instead of the hostile page's run, one batch of 16,000 events and
    // one event with a 3.9 MB URL (scripts/forger.mjs), as scripts/bench-panel.mjs sends.
    await tab.page.eval(FORGER);
    await tab.page.eval(`fetch('/api/profile').then(() => true)`);
    await until(() => tab.page.eval('!!window.__forger.doc'), { timeout: 20000, what: 'a batch of the hook' });
    await tab.page.eval('window.__forger.many(16000)');
    await sleep(300);
    await until(() => tab.panel.eval('window.stormwatch.pendingWork() === 0'), { timeout: 60000, every: 100, what: 'the panel to take it in' });
    await tab.page.eval('window.__forger.longUrl(3900000)');
    await sleep(300);
  } else {
    await tab.page.eval('window.hostile.run()');
  }
  await until(() => tab.panel.eval('!window.stormwatch.pendingWork || window.stormwatch.pendingWork() === 0'), { timeout: 180000, every: 250, what: 'the panel to catch up' });
  await sleep(2000);
  // report() with what the hostile page left, marked so its tasks can be found.
  report = await tab.panel.eval(`(async () => {
    performance.mark('report:start');
    const r = await window.stormwatch.report();
    performance.measure('report', 'report:start');
    return { findings: r.findings.length, events: r.events.length };
  })()`);
  await sleep(200);
  await tab.panel.eval('window.__stopPing = true');
  const done = browser.waitFor('Tracing.tracingComplete', () => true, 120000);
  await browser.send('Tracing.end');
  const { stream } = (await done).params;
  const chunks = [];
  for (;;) {
    const r = await browser.send('IO.read', { handle: stream, size: 1 << 20 });
    chunks.push(r.base64Encoded ? Buffer.from(r.data, 'base64') : Buffer.from(r.data));
    if (r.eof) break;
  }
  await browser.send('IO.close', { handle: stream });
  text = Buffer.concat(chunks).toString('utf8');
} finally {
  await session.close();
}
if (out) fs.writeFileSync(out, text);

const events = JSON.parse(text).traceEvents;
// The panel lives in the extension's renderer process, on its main thread.
const pid = events.find((e) => e.ph === 'M' && e.name === 'process_name' && e.args.name === 'Extension Renderer')?.pid;
const main = events.filter((e) => e.pid === pid && e.tid === pid);
const tasks = main.filter((e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask');
const kind = (e) => ({ Accept: 'messages (IPC)', DOMTask: 'scheduler.postTask (ingestion)', DOMTimer: 'timers', ScheduledActionSendBeginMainFrame: 'frames' }[e.args.src_func] || 'other');
const byKind = new Map();
for (const e of tasks) {
  const k = kind(e);
  const v = byKind.get(k) || { n: 0, wall: 0, cpu: [] };
  v.n++;
  v.wall += e.dur / 1000;
  v.cpu.push((e.tdur || 0) / 1000);
  byKind.set(k, v);
}
console.log('trace: panel main thread, by kind of task (CPU ms total, p99 and max per task; wall ms total)');
for (const [k, v] of [...byKind].sort((a, b) => b[1].wall - a[1].wall)) {
  const cpu = v.cpu.sort((a, b) => a - b);
  const sum = cpu.reduce((a, b) => a + b, 0);
  console.log(`  ${k.padEnd(32)} ${String(v.n).padStart(6)} tasks  cpu ${sum.toFixed(0).padStart(6)} (p99 ${cpu[Math.floor(cpu.length * 0.99)].toFixed(1)}, max ${cpu[cpu.length - 1].toFixed(1)})  wall ${v.wall.toFixed(0)}`);
}
const starts = new Map();
const stalls = [];
for (const e of main) {
  if (e.name !== 'stall') continue;
  if (e.ph === 'b') starts.set(e.id, e.ts);
  else if (e.ph === 'e' && starts.has(e.id)) stalls.push([starts.get(e.id), e.ts]);
}
const inside = ([s, end]) => tasks.filter((t) => t.ts >= s && t.ts < end);
const rows = stalls.map((st) => {
  const ts = inside(st);
  const cpu = ts.reduce((a, t) => a + (t.tdur || 0), 0) / 1000;
  const messages = ts.filter((t) => kind(t) === 'messages (IPC)').length;
  return { wall: (st[1] - st[0]) / 1000, cpu, messages };
}).sort((a, b) => b.wall - a.wall);
// report(): wall time, the panel's CPU inside it, and its longest task (CPU).
const rs = main.filter((e) => e.name === 'report');
const rb = rs.find((e) => e.ph === 'b');
const re = rb && rs.find((e) => e.ph === 'e' && e.id === rb.id);
if (rb && re) {
  const ts = tasks.filter((t) => t.ts >= rb.ts && t.ts < re.ts);
  const cpu = ts.map((t) => (t.tdur || 0) / 1000);
  const long = [...ts].sort((a, b) => (b.tdur || 0) - (a.tdur || 0))[0];
  console.log(`trace: report() with ${report.findings} findings and ${report.events} events: ${((re.ts - rb.ts) / 1000).toFixed(0)} ms wall, panel CPU ${cpu.reduce((a, b) => a + b, 0).toFixed(0)} ms in ${ts.length} tasks, the longest ${long ? ((long.tdur || 0) / 1000).toFixed(1) : 0} ms CPU (${long ? (long.dur / 1000).toFixed(1) : 0} ms wall)`);
}
console.log(`trace: ${rows.length} ping gaps over 100 ms; the longest (wall ms / panel CPU ms inside / page messages handled inside):`);
console.log('  ' + rows.slice(0, 8).map((r) => `${r.wall.toFixed(0)}/${r.cpu.toFixed(0)}/${r.messages}`).join('  '));

// What the panel's longest tasks (by CPU) were made of: the slices nested in each,
// by name (with TRACE_DETAIL=1; without it the trace holds only the tasks).
if (process.env.TRACE_DETAIL) {
  const slices = main.filter((e) => e.ph === 'X' && e.name !== 'ThreadControllerImpl::RunTask');
  const longest = [...tasks].sort((a, b) => (b.tdur || 0) - (a.tdur || 0)).slice(0, Number(process.env.TRACE_DETAIL) > 1 ? Number(process.env.TRACE_DETAIL) : 12);
  console.log('trace: the longest panel tasks by CPU (wall/CPU ms, then the slices inside by name: wall ms, outermost of each name only)');
  for (const t of longest) {
    const inside = slices.filter((e) => e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur);
    const byName = new Map();
    for (const e of inside) {
      // Count a slice only when no slice of the same name encloses it.
      if (inside.some((o) => o !== e && o.name === e.name && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur)) continue;
      byName.set(e.name, (byName.get(e.name) || 0) + e.dur / 1000);
    }
    const parts = [...byName].filter(([, ms]) => ms >= 0.5).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, ms]) => `${n} ${ms.toFixed(1)}`);
    console.log(`  ${(t.dur / 1000).toFixed(1)}/${((t.tdur || 0) / 1000).toFixed(1)} ${t.args.src_func}: ${parts.join(', ')}`);
  }
}
