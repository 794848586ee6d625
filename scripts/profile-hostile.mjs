// Where the panel's main thread goes while the hostile page runs: a CPU profile of
// the panel (DevTools protocol, 1 ms samples), its stretches of busy samples longer
// than LONG_MS, and in them the functions that cost the most (self time, and the
// time under each frame). For finding what blocks the panel, not a figure to keep.
// Run: node scripts/profile-hostile.mjs (after a build). LONG_MS (50) sets the stretch.
import { EXTENSION_DIR, Browser, Inspected, until, sleep } from '../tests/e2e/devtools.mjs';
import { startDemoServer } from './demo-server.mjs';

const LONG_MS = Number(process.env.LONG_MS || 50);
const demo = await startDemoServer();
const browser = await Browser.launch({ extensionDir: EXTENSION_DIR });
try {
  const tab = await Inspected.open(browser, `${demo.origin}/hostile.html`);
  await sleep(500);
  await tab.panel.send('Profiler.enable');
  await tab.panel.send('Profiler.setSamplingInterval', { interval: 500 });
  await tab.panel.send('Profiler.start');
  await tab.page.eval('window.hostile.run()');
  await until(() => tab.panel.eval('!window.stormwatch.pendingWork || window.stormwatch.pendingWork() === 0'), { timeout: 180000, every: 250, what: 'the panel to catch up' });
  await sleep(1000);
  const { profile } = await tab.panel.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  const idle = (n) => ['(idle)', '(program)', '(garbage collector)'].includes(n.callFrame.functionName) && n.callFrame.functionName !== '(garbage collector)';
  let t = profile.startTime;
  const samples = profile.samples.map((id, i) => { t += profile.timeDeltas[i]; return { id, t }; });
  // Busy stretches: consecutive non-idle samples.
  const stretches = [];
  let cur = null;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    const busy = !idle(byId.get(s.id));
    if (busy) {
      if (!cur) cur = { from: i, t0: s.t };
      cur.to = i; cur.t1 = s.t;
    } else if (cur) { stretches.push(cur); cur = null; }
  }
  if (cur) stretches.push(cur);
  const long = stretches.filter((s) => (s.t1 - s.t0) / 1000 >= LONG_MS);
  console.log(`profile: ${samples.length} samples, ${stretches.length} busy stretches, ${long.length} of ${LONG_MS} ms or more: ${long.map((s) => Math.round((s.t1 - s.t0) / 1000)).sort((a, b) => b - a).slice(0, 30).join(', ')} ms`);
  for (const s of long.sort((a, b) => (b.t1 - b.t0) - (a.t1 - a.t0)).slice(0, 5)) {
    const self = new Map();
    const total = new Map();
    for (let i = s.from; i <= s.to; i++) {
      const dt = (samples[i + 1] ? samples[i + 1].t : samples[i].t) - samples[i].t;
      let n = byId.get(samples[i].id);
      self.set(name(n), (self.get(name(n)) || 0) + dt);
      const seen = new Set();
      for (let id = n.id; id !== undefined; id = parent.get(id)) {
        const k = name(byId.get(id));
        if (seen.has(k)) continue;
        seen.add(k);
        total.set(k, (total.get(k) || 0) + dt);
      }
    }
    const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k, v]) => `    ${(v / 1000).toFixed(1)} ms  ${k}`).join('\n');
    console.log(`stretch of ${Math.round((s.t1 - s.t0) / 1000)} ms at +${Math.round((s.t0 - profile.startTime) / 1000)} ms\n  self:\n${top(self)}\n  total:\n${top(total)}`);
  }
} finally {
  await browser.close();
  demo.server.close();
}
