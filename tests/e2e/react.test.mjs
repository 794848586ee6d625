// React render counting, live: real React 17, 18 and 19 from npm (development and
// production builds, see scripts/build-react.mjs) in the inspected page, the real
// Stormwatch panel, and React DevTools' own backend next to it in both load orders.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Browser, Inspected, EXTENSION_DIR, sleep, until, openDemo, openPlain } from './devtools.mjs';
import { startDemoServer } from '../../scripts/demo-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUILDS = ['17-development', '17-production', '18-development', '18-production', '19-development', '19-production'];
let session;
let demo;
let tab;

before(async () => {
  session = await openDemo('index.html');
  ({ demo, tab } = session);
});

after(async () => {
  if (session) await session.close();
});

const pageOf = (app, build) => {
  const [version, mode] = build.split('-');
  return `react.html?app=${app}&react=${version}&mode=${mode}`;
};

async function open(app, build) {
  const page = pageOf(app, build);
  await tab.visit(`${demo.origin}/${page}`);
  await until(() => tab.page.eval(`!!document.querySelector('#go')`), { what: `${page} rendered` });
}

const reactFindings = (report) => report.findings.filter((f) => ['rerender-storm', 'unnecessary-render'].includes(f.detector));

for (const build of BUILDS) {
  test(`rerender-storm: state set on every animation frame (React ${build})`, async () => {
    await open('storm', build);
    await tab.click('#go');
    const t0 = Date.now();
    const { finding } = await tab.waitForFinding((f) => f.detector === 'rerender-storm', { timeout: 10000, what: 'rerender-storm' });
    console.log(`# ${build}: "${finding.title}" ${Date.now() - t0} ms after the ticker started`);
    await tab.click('#stop');
    assert.match(finding.title, /rendered \d+ times\/s for \d+\.\d s \(peak \d+\/s, \d+ renders; state changed\); each time .+ ×20 re-rendered with it/);
    assert.ok(finding.metrics.renders_per_s >= 30, JSON.stringify(finding.metrics));
    // The ticker plus its twenty rows: most renders change nothing.
    assert.equal(finding.severity, finding.metrics.long_task_overlap ? 'error' : 'warning');
    assert.equal(finding.evidence.components.length, 2);
    if (build.endsWith('development')) {
      assert.deepEqual(finding.evidence.components, ['Ticker', 'Row']);
      assert.ok(finding.metrics.render_ms_per_s > 0, 'development builds report render time');
    } else {
      assert.equal(finding.metrics.render_ms_per_s, undefined, 'production builds have no render timings');
    }
    const report = await tab.report();
    // The page's second root is counted too (mounted once, never again).
    if (build.endsWith('development')) assert.ok(report.components.some((c) => c.name === 'Status' && c.renders === 1));
    const rows = report.components.filter((c) => finding.evidence.components.includes(c.name));
    assert.equal(rows.length, 2);
    const row = rows.find((c) => c.state > 0);
    assert.ok(row.peak_per_s >= 30 && row.sparkline.some((v) => v >= 30), JSON.stringify(row));
    assert.ok(row.keys.some((k) => k.kind === 'state' && /^\d+$/.test(k.to)), JSON.stringify(row.keys));
  });
}

for (const build of ['17-development', '18-production', '19-development']) {
  test(`unnecessary-render: memoized rows defeated by an inline handler and style (React ${build})`, async () => {
    await open('unnecessary', build);
    await tab.click('#go');
    const { finding } = await tab.waitForFinding((f) => f.detector === 'unnecessary-render', { timeout: 10000, what: 'unnecessary-render' });
    await tab.click('#stop');
    console.log(`# ${build}: "${finding.title}"`);
    assert.match(finding.title, /re-rendered \d+ times with nothing changed \(\d+ of \d+ re-renders\): `style`, `onSelect` got a new identity with the same content/);
    assert.match(finding.metrics.same_content, /^props style ×\d+ \(\{color\} → \{color\}\); props onSelect ×\d+ \(ƒ \w+\(\) → ƒ \w+\(\)\)$/);
    assert.match(finding.advice, /useCallback/);
    assert.match(finding.advice, /useMemo/);
    assert.doesNotMatch(finding.advice, /React\.memo so/, 'the row is already memoized');
    // Ten ticks a second re-render 30 rows each time: not a storm per component.
    const report = await tab.report();
    assert.deepEqual(report.findings.filter((f) => f.detector === 'rerender-storm'), []);
    if (build.endsWith('development')) assert.deepEqual(finding.evidence.components, ['Message', 'Inbox']);
  });
}

for (const build of ['17-production', '18-development', '19-production']) {
  test(`a well-memoized page stays quiet while it renders (React ${build})`, async () => {
    await open('memo', build);
    await tab.click('#go');
    for (let i = 0; i < 5; i++) {
      await tab.click('#next');
      await sleep(150);
    }
    await sleep(3000);
    await tab.click('#stop');
    const report = await tab.report();
    assert.deepEqual(reactFindings(report), []);
    // Quiet because nothing was wasted, not because nothing was counted.
    const clock = report.components.find((c) => c.state >= 20);
    assert.ok(clock, JSON.stringify(report.components));
    const rows = report.components.find((c) => c.mounts >= 150);
    assert.ok(rows, 'six pages of 30 rows mounted');
    assert.equal(rows.unnecessary, 0);
  });
}

test('the Components view lists renders live and findings link to their row', async () => {
  await open('storm', '18-development');
  await tab.click('#go');
  await tab.waitForFinding((f) => f.detector === 'rerender-storm', { timeout: 10000, what: 'rerender-storm' });
  await until(() => tab.panel.eval(`(() => {
    const link = [...document.querySelectorAll('.finding[data-detector="rerender-storm"] .component-link button')].find((b) => b.textContent === 'Ticker');
    return link ? (link.click(), true) : false;
  })()`), { what: 'the Ticker link in the storm finding' });
  const row = await until(() => tab.panel.eval(`(() => {
    const tr = document.querySelector('tr.component.selected');
    return tr && { name: tr.dataset.component, rate: Number(tr.querySelector('.rate').firstChild.textContent), points: tr.querySelector('polyline').getAttribute('points') };
  })()`), { what: 'the selected component row' });
  assert.equal(row.name, 'Ticker');
  assert.ok(row.rate >= 30, JSON.stringify(row));
  assert.equal(row.points.trim().split(' ').length, 30);
  // It keeps up: the total grows while the ticker runs.
  const total = () => tab.panel.eval(`Number(document.querySelector('tr.component[data-component="Ticker"] td:nth-child(4)').textContent)`);
  const first = await total();
  await sleep(1000);
  assert.ok((await total()) >= first + 30);
  await tab.click('#stop');
  await tab.screenshot(path.join(here, '..', 'artifacts', 'panel-components.png'));
  await tab.panel.eval(`document.getElementById('tab-findings').click()`);
});

for (const build of ['17-development', '18-development', '19-production']) {
  test(`React DevTools loaded by the page after Stormwatch still works, and both count (React ${build})`, async () => {
    await open('devtools-after', build);
    for (let i = 0; i < 3; i++) await tab.click('#go');
    // One tree for the mount, one change per click.
    const rdt = await until(() => tab.page.eval(`window.__rdt.operations >= 4 && window.__rdt`), { what: 'React DevTools operations' });
    const report = await until(async () => {
      const r = await tab.report();
      return r.components.some((c) => c.state === 3) && r;
    }, { what: 'three state renders counted' });
    // React DevTools owns the global hook; Stormwatch chained into it.
    const own = await tab.page.eval(`Object.getOwnPropertyDescriptor(window, '__REACT_DEVTOOLS_GLOBAL_HOOK__')?.configurable === false`);
    assert.equal(own, true);
    if (build.endsWith('development')) {
      assert.ok(rdt.names.includes('Counter') && rdt.names.includes('Item'), JSON.stringify(rdt));
      assert.ok(report.components.some((c) => c.name === 'Counter' && c.state === 3));
      assert.ok(report.components.some((c) => c.name === 'Item' && c.mounts === 3));
    }
    assert.equal(await tab.page.eval(`document.querySelector('#go').textContent`), 'clicked 3');
  });
}

test('React DevTools installed before Stormwatch still works, and both count', async () => {
  const rdtSource = fs.readFileSync(path.join(here, '..', '..', 'dist', 'demo-react', 'rdt.js'), 'utf8');
  const order = `window.__order = ('__REACT_DEVTOOLS_GLOBAL_HOOK__' in window) ? 'stormwatch first' : 'devtools first';\n`;
  const { identifier } = await tab.page.send('Page.addScriptToEvaluateOnNewDocument', { source: order + rdtSource });
  try {
    await open('devtools-before', '18-development');
    assert.equal(await tab.page.eval('window.__order'), 'devtools first');
    for (let i = 0; i < 3; i++) await tab.click('#go');
    const rdt = await until(() => tab.page.eval(`window.__rdt.operations >= 4 && window.__rdt`), { what: 'React DevTools operations' });
    assert.ok(rdt.names.includes('Counter') && rdt.names.includes('Item'), JSON.stringify(rdt));
    const report = await until(async () => {
      const r = await tab.report();
      return r.components.some((c) => c.name === 'Counter' && c.state === 3) && r;
    }, { what: 'Counter renders counted' });
    // Chained from the start: the first mount is counted too.
    assert.equal(report.components.find((c) => c.name === 'Counter').mounts, 1);
  } finally {
    await tab.page.send('Page.removeScriptToEvaluateOnNewDocument', { identifier });
  }
});

test('dev-build-in-production: a development React on a public host, not on localhost', async () => {
  const server = await startDemoServer();
  const port = new URL(server.origin).port;
  const browser = await Browser.launch({ extensionDir: EXTENSION_DIR, args: ['--host-resolver-rules=MAP shop.example 127.0.0.1'] });
  try {
    const url = (mode) => `http://shop.example:${port}/react.html?app=memo&react=18&mode=${mode}`;
    const shop = await Inspected.open(browser, url('development'));
    const { finding } = await shop.waitForFinding((f) => f.detector === 'dev-build-in-production', { what: 'dev-build-in-production' });
    assert.equal(finding.title, 'React 18.3.1 (react-dom) is a development build on shop.example');
    assert.equal(finding.severity, 'error');
    await shop.navigate(url('production'));
    await until(async () => (await shop.report()).page.url.endsWith('mode=production'), { what: 'the production page' });
    await until(async () => (await shop.report()).components.length > 0, { what: 'renders on the production page' });
    assert.deepEqual((await shop.report()).findings.filter((f) => f.detector === 'dev-build-in-production'), []);
  } finally {
    await browser.close();
    server.server.close();
  }
  // The shared tab is on 127.0.0.1 with development builds all along: never flagged.
  assert.deepEqual((await tab.report()).findings.filter((f) => f.detector === 'dev-build-in-production'), []);
});

test('a React page with React DevTools observes the same with and without Stormwatch', async () => {
  const page = pageOf('devtools-after', '18-development');
  const observe = `(async () => {
    for (let i = 0; i < 3; i++) { document.querySelector('#go').click(); await new Promise((r) => setTimeout(r, 50)); }
    await new Promise((r) => setTimeout(r, 200));
    const hook = window.__REACT_DEVTOOLS_GLOBAL_HOOK__;
    return {
      html: document.getElementById('root').innerHTML,
      rdt: window.__rdt,
      hookKeys: Object.keys(hook).sort(),
      renderers: hook.renderers.size,
      rendererInterfaces: hook.rendererInterfaces.size,
      descriptor: Object.getOwnPropertyDescriptor(window, '__REACT_DEVTOOLS_GLOBAL_HOOK__'),
    };
  })()`;
  await open('devtools-after', '18-development');
  const withExt = await tab.page.eval(observe);
  const { browser: plain, page: s } = await openPlain(`${demo.origin}/${page}`);
  try {
    await until(() => s.eval(`!!document.querySelector('#go')`), { what: 'the page without the extension' });
    const without = await s.eval(observe);
    assert.deepEqual(withExt, without);
    assert.equal(without.rendererInterfaces, 1);
  } finally {
    await plain.close();
  }
});
