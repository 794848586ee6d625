// A hostile page (static/demo/hostile.html) against the real panel in a real DevTools
// window: junk and 100 KB URLs, hundreds of distinct failing endpoints, huge bodies,
// odd React component names and tens of thousands of forged batches. The panel's main
// thread must keep answering, report() must answer with the whole session, and no page
// string may become markup. The figures are printed, not asserted (see the end).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { until, sleep, openDemo } from './devtools.mjs';

let session;
let tab;

before(async () => {
  session = await openDemo('hostile.html');
  ({ tab } = session);
});

after(async () => {
  if (session) await session.close();
});

// Runs in the panel: a setTimeout(0) ping loop (the gap between two pings is how long
// the main thread could not answer) and a long-task observer.
const START_PROBE = `(() => {
  const p = { gaps: [], longTasks: [], stop: false };
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    p.gaps.push(now - last);
    last = now;
    if (!p.stop) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  try {
    p.observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) p.longTasks.push(e.duration); });
    p.observer.observe({ type: 'longtask' });
  } catch (_) { /* no long-task timing here: the pings still measure */ }
  window.__probe = p;
  return true;
})()`;
const STOP_PROBE = `(() => {
  const p = window.__probe;
  p.stop = true;
  if (p.observer) p.observer.disconnect();
  const g = p.gaps.slice().sort((a, b) => a - b);
  const at = (q) => g[Math.min(g.length - 1, Math.floor(q * g.length))];
  return { pings: g.length, max: g[g.length - 1], p95: at(0.95), p50: at(0.5),
    longTasks: p.longTasks.length, longestTask: Math.max(0, ...p.longTasks) };
})()`;

const round = (n) => Math.round(n);

test('the panel stays responsive on a hostile page, report() answers, page strings stay text', async () => {
  await tab.panel.eval(START_PROBE);
  const t0 = Date.now();
  const run = await tab.page.eval('window.hostile.run()');
  // Let the backlog drain while still measuring.
  await until(() => tab.panel.eval('!window.stormwatch.pendingWork || window.stormwatch.pendingWork() === 0'), { timeout: 120000, every: 250, what: 'the panel to catch up' });
  // Then until the findings settle (DevTools' log of the last requests comes a little later).
  let findings = -1;
  await until(async () => {
    const n = (await tab.report()).findings.length;
    const same = n === findings;
    findings = n;
    return same;
  }, { timeout: 60000, every: 1500, what: 'the findings to settle' });
  await sleep(3000);
  const gaps = await tab.panel.eval(STOP_PROBE);
  console.log(`# hostile page ran ${run.ms} ms (${run.seq} batches); panel saw ${findings} findings ${Date.now() - t0} ms after the start`);
  console.log(`# panel main thread while the hostile page ran: max gap ${round(gaps.max)} ms, p95 ${round(gaps.p95)} ms, p50 ${round(gaps.p50)} ms over ${gaps.pings} pings; ${gaps.longTasks} long tasks, longest ${round(gaps.longestTask)} ms`);

  // report(): timed inside the panel (the CDP transfer of the result is not the panel's time).
  // report() is written and parsed in slices between frames: it must hold the whole
  // session all the same, exactly what Export saves (taken right after it, before
  // the panel ingests anything more), every finding and every logged event.
  const timed = await tab.panel.eval(`(async () => {
    const t = performance.now();
    const r = await window.stormwatch.report();
    const ms = performance.now() - t;
    const exported = window.stormwatch.exportText('json');
    const same = JSON.stringify(r) === JSON.stringify(JSON.parse(exported));
    const s = r.stats;
    return { ms, findings: r.findings.length, events: r.events.length, logged: s.events - s.events_not_logged, same, bytes: exported.length };
  })()`);
  console.log(`# report() answered in ${round(timed.ms)} ms with ${timed.findings} findings and ${timed.events} events (${timed.bytes} bytes of JSON)`);
  assert.ok(timed.same, 'report() is what Export saves');
  assert.equal(timed.events, timed.logged, 'every logged event is in the report');
  // Many findings, but bounded: each detector keeps 50 and sums up the rest in one row.
  assert.ok(timed.findings >= 100 && timed.findings <= 17 * 51, JSON.stringify(timed));

  // Page strings are text: nothing the page sent became an element, nothing ran.
  const dom = await tab.panel.eval(`(async () => {
    const count = () => document.querySelectorAll('img, svg:not(.spark):not(.timeline), iframe, object, embed, script:not([src])').length;
    const findingsTab = count();
    document.querySelector('#tab-components').click();
    // The forger races the hook for sequence numbers, so which forged batches the
    // relay accepts varies from run to run: the markup name is checked when the
    // session holds it. The table is drawn by the next redraw, which a loaded
    // machine can delay, and only its rows in view are drawn (the odd names make
    // tall rows): scroll through it until the name shows (up to 15 s).
    const odd = '<img src=x onerror=window.__pwned=1>';
    const components = (await window.stormwatch.report()).components;
    const held = components.some((c) => c.name === odd);
    for (let i = 0; held && i < 150 && !document.body.textContent.includes(odd); i++) {
      const list = document.querySelector('.components-view .vlist');
      if (list) list.scrollTop = list.scrollTop + list.clientHeight >= list.scrollHeight - 1 ? 0 : list.scrollTop + list.clientHeight / 2;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    const text = document.body.textContent;
    return { findingsTab, componentsTab: count(), pwned: window.__pwned || null,
      held, oddName: text.includes(odd), forgedComponents: components.length, scripts: document.scripts.length };
  })()`);
  console.log(`# markup component name in the session: ${dom.held}, shown as text: ${dom.oddName}`);
  assert.ok(dom.forgedComponents > 0, 'forged React renders reached the session');
  assert.deepEqual({ ...dom, scripts: undefined, forgedComponents: undefined }, { findingsTab: 0, componentsTab: 0, pwned: null, held: dom.held, oddName: dom.held, scripts: undefined, forgedComponents: undefined }, JSON.stringify(dom));
  assert.equal(await tab.page.eval('window.__pwned || null'), null);

  // No timed assertion: on a shared machine a gap is mostly the panel waiting for a
  // core (scripts/trace-hostile.mjs tells the two apart). The figures above are
  // printed; scripts/bench-panel.mjs measures them. A frozen panel still fails:
  // the ping loop must have kept running through the whole flood.
  assert.ok(gaps.pings > 100, `the panel's main thread answered only ${gaps.pings} pings`);
});
