// polling-loop and n-plus-one on pages written like real apps (static/demo/corpus/):
// beacons and a second poll around the pattern, StrictMode's doubled first request,
// a local API that answers in about 1 ms. Each positive page has its near miss,
// and the assertions read what the real DevTools panel shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, until, openDemo } from './devtools.mjs';

let session;
let tab;
let demo;

before(async () => {
  session = await openDemo('index.html');
  ({ demo, tab } = session);
});

after(async () => {
  if (session) await session.close();
});

async function open(page) {
  await tab.visit(`${demo.origin}/corpus/${page}`);
}

const mine = (f) => f.detector === 'polling-loop' || f.detector === 'n-plus-one';

async function quiet(what) {
  const report = await tab.fullReport();
  const found = report.findings.filter(mine);
  assert.deepEqual(found, [], `${what}: ${JSON.stringify(found, null, 1)}`);
}

/** Runs `js` in the page as the body of a promise; it calls `done()` when finished. */
function inPage(js) {
  return tab.page.eval(`new Promise((done) => { ${js} })`);
}

test('a cursor poll among beacons and another poll, mounted twice by StrictMode, is one loop', async () => {
  await open('cursor-poll.html');
  const { finding: f, ms } = await tab.waitForFinding((x) => x.detector === 'polling-loop' && x.title.includes('/api/feed'), { timeout: 10000, what: 'the cursor poll' });
  console.log(`# polling-loop: "${f.title}" (${ms} ms after the page opened)`);
  assert.match(f.title, /^GET \/api\/feed\?cursor=…&limit=… polled every 0\.5 s \(\d+ requests\)$/);
  assert.equal(f.metrics.requests_differ, true);
  assert.ok(f.evidence.urls.length >= 6 && f.evidence.urls.every((u) => /\/api\/feed\?cursor=\d+&limit=20$/.test(u)), JSON.stringify(f.evidence.urls));
  assert.equal(new Set(f.evidence.urls).size, f.evidence.urls.length);
  // The other poll is its own finding (identical requests every 1.3 s); beacons are none.
  const other = await tab.waitForFinding((x) => x.detector === 'polling-loop' && x.title.includes('/api/status'), { timeout: 8000, what: 'the unread poll' });
  assert.match(other.finding.title, /^GET \/api\/status\?job=7 polled every 1\.3 s/);
  await tab.click('#stop');
  await sleep(700);
  const report = await tab.fullReport();
  const loops = report.findings.filter((x) => x.detector === 'polling-loop');
  assert.equal(loops.length, 2, JSON.stringify(loops.map((x) => x.title)));
  const aboutBeacons = report.findings.filter((x) => mine(x) && JSON.stringify(x).includes('/api/collect'));
  assert.deepEqual(aboutBeacons, [], 'no poll or N+1 made of the beacons');
  // StrictMode's doubled first request (one aborted) is one tick, not two.
  const sent = await tab.page.eval('window.feedRequests');
  const feed = loops.find((x) => x.title.includes('/api/feed'));
  assert.equal(feed.count, sent - 1, `${feed.title}; page sent ${sent}`);
});

test('near miss: the same feed and cursor paged by the user is quiet', async () => {
  await open('cursor-pages.html');
  await inPage(`const waits = [700, 1500, 400, 1100, 900, 2000, 600, 1300]; let i = 0;
    (function click() { if (i === waits.length) return done(); document.getElementById('next').click(); setTimeout(click, waits[i++]); })();`);
  await sleep(500);
  assert.equal(await tab.page.eval('window.pages'), 9);
  await quiet('user paging');
});

test('a GraphQL operation polled with changing variables is a loop; the user\'s own operations are not', async () => {
  await open('graphql-poll.html');
  await inPage(`const waits = [350, 1200, 500, 900, 1700]; let i = 0;
    (function click() { if (i === waits.length) return done(); document.getElementById('search').click(); setTimeout(click, waits[i++]); })();`);
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'polling-loop', { timeout: 8000, what: 'the GraphQL poll' });
  console.log(`# polling-loop: "${f.title}"`);
  assert.match(f.title, /^POST \/api\/graphql \(Notifications\) polled every 0\.6 s \(\d+ requests\)$/);
  await tab.click('#stop');
  await sleep(300);
  const loops = (await tab.fullReport()).findings.filter((x) => x.detector === 'polling-loop');
  assert.equal(loops.length, 1, JSON.stringify(loops.map((x) => x.title)));
});

test('near miss: search as you type, one request per keystroke, is quiet', async () => {
  await open('search-typing.html');
  await inPage(`const q = document.getElementById('q'); const word = 'blue widgets'; const waits = [180, 320, 260, 410, 150, 300, 520, 240, 350, 280, 610, 200]; let i = 0;
    (function key() { if (i === word.length) return done(); q.value = word.slice(0, i + 1); q.dispatchEvent(new Event('input')); setTimeout(key, waits[i++]); })();`);
  await sleep(500);
  assert.equal(await tab.page.eval('window.suggestRequests'), 12);
  await quiet('search as you type');
});

test('near miss: search as you type at the even pace of a test driver (300 ms a key) is quiet', async () => {
  await open('search-typing.html');
  await inPage(`const q = document.getElementById('q'); const word = 'blue widgets'; let i = 0;
    (function key() { if (i === word.length) return done(); q.value = word.slice(0, ++i); q.dispatchEvent(new Event('input')); setTimeout(key, 300); })();`);
  await sleep(500);
  assert.equal(await tab.page.eval('window.suggestRequests'), 12);
  await quiet('search typed at an even pace');
});

test('n-plus-one: a product grid loading each product by slug from a 1 ms local API', async () => {
  await open('products.html');
  await tab.click('#load');
  const { finding: f, ms } = await tab.waitForFinding((x) => x.detector === 'n-plus-one', { timeout: 8000, what: 'n-plus-one' });
  console.log(`# n-plus-one: "${f.title}" (${ms} ms; measured ${f.metrics.total_ms} ms of requests)`);
  assert.equal(f.title, 'GET /api/products/{slug} requested 12× at once, one per item (12 round trips: about 1.2 s at 100 ms each)');
  assert.equal(f.count, 12);
  assert.equal(f.metrics.requests, 12);
  assert.equal(f.metrics.cost_at_latency_ms, 1200);
  assert.equal(f.evidence.urls.length, 10);
  assert.ok(f.evidence.urls.every((u) => u.startsWith(`${demo.origin}/api/products/`)), JSON.stringify(f.evidence.urls));
  assert.match(f.metrics.ids, /blue-widget/);
  // Measured locally it is far below any time threshold: the shape found it.
  if (f.metrics.total_ms < 1000) assert.equal(f.severity, 'warning');
  await inPage('setTimeout(done, 300)');
  const all = (await tab.fullReport()).findings.filter(mine);
  assert.equal(all.length, 1, JSON.stringify(all.map((x) => x.title)));
});

test('near miss: a router prefetching the page behind each of ten links in view (Next.js ?_rsc=) is no N+1', async () => {
  await open('blog-links.html');
  await until(() => tab.page.eval('window.corpus.prefetched === 10'), { what: 'the prefetches' });
  await sleep(500);
  const report = await tab.fullReport();
  const rsc = report.events.filter((e) => e.type === 'request_start' && e.url.includes('?_rsc='));
  assert.equal(rsc.length, 10, 'the panel saw the ten prefetches');
  await quiet('the blog index');
});

test('near miss: Promise.all of five different endpoints on load is quiet', async () => {
  await open('dashboard.html');
  await until(() => tab.page.eval(`document.getElementById('out').textContent.includes('notifications')`), { what: 'the dashboard' });
  await tab.click('#reload');
  await sleep(800);
  assert.equal(await tab.page.eval('window.dashboardLoads'), 2);
  await quiet('the dashboard');
});

test('near miss: one document read in Range and offset/limit pieces is quiet', async () => {
  await open('document.html');
  await until(() => tab.page.eval(`document.getElementById('out').textContent.includes('24 pieces')`), { what: 'the document' });
  await tab.click('#read');
  await until(() => tab.page.eval('window.pieces === 48'), { what: 'the second read' });
  await sleep(800);
  await quiet('range reads');
});
