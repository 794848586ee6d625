// Real data libraries from npm on pages written like a React 18 app in development
// (StrictMode on, a local API answering in about a millisecond, beacons and an error
// reporter around): React Query's dependent queries and per-row queries, axios with a
// retry interceptor that backs off, axios copies from three components, Apollo Client's
// per-row queries, polling and refetch after a mutation over one GraphQL endpoint, SWR's
// refresh interval, each with the near miss the same library makes (queries running
// together, one query shared by three components, a poll stopped by a route change, a
// query read again after a mutation, a list read again after each added todo, a
// request asked again after renewing an expired token), socket.io-client's sockets
// (left open, closed in a cleanup, retrying a server that is down, held to long polling), the ollama client's
// streamed answers, live in the real Stormwatch panel. Pages: static/corpus-libs/, built by scripts/build-react.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { sleep, until, openDemo } from './devtools.mjs';

let session;
let demo;
let tab;

before(async () => {
  session = await openDemo('corpus-libs/shared.html');
  ({ demo, tab } = session);
});

after(async () => {
  if (session) await session.close();
});

async function open(page) {
  await tab.visit(`${demo.origin}/corpus-libs/${page}`);
}

const about = (f, part) => f.evidence.urls.some((u) => u.includes(part));
const requestFindings = (report) => report.findings.filter((f) =>
  ['duplicate-request', 'polling-loop', 'n-plus-one', 'request-waterfall', 'error-burst'].includes(f.detector));
// DevTools' entries (initiator stacks, bodies) follow each request's end within a few tens of ms.
const settle = () => sleep(1500);

// One query per row on `page`: its N+1 finding about `part`, titled as `title` says,
// a warning (an error when the requests' measured time adds up to 1 s, as on a busy
// machine); then the whole report. `ready` is what the page sets once it has shown.
async function perRowQueries(page, part, title, ready = null) {
  await open(page);
  if (ready) await until(() => tab.page.eval(ready), { what: ready });
  // The finding grows as the rows' requests come in (on a busy machine the panel
  // can be read between the 7th and the 8th): wait for the title the test expects.
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'n-plus-one' && about(x, part) && title.test(x.title), { what: 'the per-row queries' }).catch(async (e) => {
    // What the panel made of the rows instead, to tell a slow machine from a wrong reading.
    const seen = (await tab.fullReport()).findings.filter((x) => about(x, part));
    console.log(`# instead: ${JSON.stringify(seen.map((x) => [x.detector, x.title]))}`);
    throw e;
  });
  console.log(`# "${f.title}"`);
  assert.match(f.title, title);
  assert.equal(f.severity, f.metrics.largest_burst_ms >= 1000 ? 'error' : 'warning', JSON.stringify(f.metrics));
  await settle();
  return tab.fullReport();
}

test('React Query dependent queries (session → org → projects) are one waterfall, linked by the ids they carry', async () => {
  await open('dependent.html');
  await until(() => tab.page.eval('window.workspaceLoaded === true'), { what: 'the workspace' });
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'request-waterfall' && about(x, '/api/libs/projects'), { what: 'the dependent chain' });
  console.log(`# "${f.title}" linked by ${f.metrics.linked_by}; dependent: ${f.metrics.dependent}`);
  assert.equal(f.count, 3);
  assert.deepEqual(f.evidence.urls.map((u) => new URL(u).pathname), ['/api/libs/session', '/api/libs/orgs/acme-42', '/api/libs/projects']);
  assert.equal(f.metrics.dependent, 'yes: GET /api/libs/orgs/acme-42 uses acme-42 from GET /api/libs/session');
  assert.match(f.metrics.linked_by, /data/);
  // A local API answers in milliseconds: information, with the cost at a real round trip.
  assert.equal(f.severity, 'info');
  assert.match(f.title, /^3 requests ran one after another: 3 sequential round trips, about 300 ms at 100 ms each/);
  assert.match(f.advice, /depend on each other/);
});

for (const [page, how, done] of [
  ['effects.html', 'each fetching in its effect once its parent has data', 'pageLoaded'],
  ['suspense.html', 'each suspending on its own useSuspenseQuery', 'boardLoaded'],
]) {
  test(`fetch on render: nested components ${how} are one waterfall, linked by React rendering`, async () => {
    await open(page);
    await until(() => tab.page.eval(`window.${done} === true`), { what: 'the nested components' });
    const { finding: f } = await tab.waitForFinding((x) => x.detector === 'request-waterfall' && about(x, '/api/libs/projects'), { what: 'the fetch-on-render chain' });
    console.log(`# "${f.title}" linked by ${f.metrics.linked_by}; dependent: ${f.metrics.dependent}`);
    assert.equal(f.count, 3);
    assert.deepEqual(f.evidence.urls.map((u) => new URL(u).pathname), ['/api/libs/me', '/api/libs/session', '/api/libs/projects']);
    assert.equal(f.metrics.linked_by, 'render');
    assert.match(f.metrics.dependent, /^(no|unknown)/);
    assert.equal(f.severity, 'info');
    assert.match(f.title, /^3 requests ran one after another: 3 sequential round trips, about 300 ms at 100 ms each/);
    assert.match(f.advice, /fetch on render/);
    // One chain, though StrictMode sends each request twice.
    assert.equal((await tab.fullReport()).findings.filter((x) => x.detector === 'request-waterfall').length, 1);
  });
}

test('near miss: the same queries run together, then tabs opened by the user, are no waterfall', async () => {
  await open('parallel.html');
  await until(() => tab.page.eval('window.workspaceLoaded === true'), { what: 'the workspace' });
  for (const [name, wait] of [['members', 900], ['billing', 1400], ['usage', 700]]) {
    await tab.page.eval(`openTab(${JSON.stringify(name)})`);
    await sleep(wait);
  }
  await settle();
  const found = requestFindings(await tab.fullReport()).filter((f) => f.severity !== 'info' || f.detector !== 'duplicate-request');
  assert.deepEqual(found.map((f) => `${f.detector}: ${f.title}`), []);
});

test('axios retrying with backoff under StrictMode: two chains read as backoff, and the recovery is a warning', async () => {
  const key = '/api/flaky?';
  await open('retry.html');
  await until(() => tab.page.eval('window.reportState'), { timeout: 15000, what: 'the report to load' });
  assert.equal(await tab.page.eval('window.reportState'), 'ok');
  await settle();
  const report = await tab.fullReport();
  const burst = report.findings.filter((f) => f.detector === 'error-burst' && about(f, key));
  assert.equal(burst.length, 1, JSON.stringify(report.findings.map((f) => f.title)));
  const f = burst[0];
  console.log(`# "${f.title}"`);
  assert.match(f.title, /failed 5 of \d+ times \(\d+%\): 503 ×5; retried \d+ times with backoff, then succeeded$/);
  assert.equal(f.severity, 'warning');
  // StrictMode's doubled first request is information; no retry is taken for a copy.
  const copies = report.findings.filter((x) => x.detector === 'duplicate-request' && about(x, key));
  assert.ok(copies.every((x) => x.severity === 'info' && x.count === 2), JSON.stringify(copies.map((x) => x.title)));
});

test('React Query: one author query per row, by slug, is an N+1 amid beacons', async () => {
  const report = await perRowQueries('rows.html', '/api/libs/authors/', /^GET \/api\/libs\/authors\/\{slug\} requested 8× at once, one per item/);
  assert.deepEqual(requestFindings(report).filter((x) => about(x, '/api/collect')), [], 'nothing made of the beacons');
});

test('near miss: three components sharing one React Query key, and tabs opened at a human pace, are quiet', async () => {
  await open('shared.html');
  await until(() => tab.page.eval(`document.querySelector('#tab')?.textContent === 'overview'`), { what: 'the first tab' });
  for (const [name, wait] of [['team', 900], ['billing', 1700], ['overview', 600], ['usage', 1300], ['team', 800], ['api-keys', 1000]]) {
    await tab.page.eval(`openTab(${JSON.stringify(name)})`);
    await sleep(wait);
  }
  await settle();
  const starts = (await tab.fullReport()).events.filter((e) => e.type === 'request_start' && e.url.endsWith('/api/libs/me'));
  assert.equal(starts.length, 1, 'React Query sent /api/libs/me once');
  assert.deepEqual(requestFindings(await tab.fullReport()).map((f) => `${f.detector}: ${f.title}`), []);
});

test('axios in three components under StrictMode: copies judged by what production sends', async () => {
  await open('copies.html');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'duplicate-request' && about(x, '/api/libs/me') && x.count === 6, { what: 'the copies' });
  console.log(`# "${f.title}"`);
  const report = await tab.fullReport();
  const starts = report.events.filter((e) => e.type === 'request_start' && e.url.endsWith('/api/libs/me'));
  assert.equal(starts.length, 6, 'three effects, each run twice by StrictMode');
  // What StrictMode's reading rests on, for a failure to say which part was missing.
  const spread = Math.max(...starts.map((e) => e.t)) - Math.min(...starts.map((e) => e.t));
  const renderer = report.events.find((e) => e.type === 'react_renderer');
  console.log(`# starts spread over ${spread.toFixed(1)} ms; React renderer ${renderer ? `bundle_type ${renderer.bundle_type}` : 'not seen'}; page ${report.page && report.page.url}`);
  assert.equal(f.title, 'GET /api/libs/me requested 3× in production (6× at once here: StrictMode runs effects twice in development)');
  assert.equal(f.severity, 'warning');
  assert.equal(f.metrics.copies_in_production, 3);
});

test('Apollo Client: one Author query per row over one GraphQL endpoint is an N+1', async () => {
  const report = await perRowQueries('apollo-rows.html', '/api/libs/graphql', /^POST \/api\/libs\/graphql \(Author\) requested 8× at once, one per item/, 'window.postsShown === 8');
  assert.deepEqual(requestFindings(report).filter((x) => x.detector !== 'n-plus-one').map((x) => `${x.detector}: ${x.title}`), []);
});

test('Apollo Client pollInterval: a polling loop while shown, which a route change stops (no error)', async () => {
  await open('apollo-poll.html');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'polling-loop' && about(x, '/api/libs/graphql'), { timeout: 15000, what: 'the poll' });
  console.log(`# "${f.title}"`);
  assert.match(f.title, /^POST \/api\/libs\/graphql \(Unread\) polled every 1\.0 s/);
  assert.equal(f.severity, 'warning');
  await tab.page.eval(`go('/corpus-libs/settings')`);
  await sleep(1000);
  const after = (await tab.fullReport()).findings.find((x) => x.detector === 'polling-loop' && about(x, '/api/libs/graphql'));
  await sleep(3500);
  const later = (await tab.fullReport()).findings.find((x) => x.detector === 'polling-loop' && about(x, '/api/libs/graphql'));
  assert.equal(later.count, after.count, 'the poll stopped with the badge');
  assert.equal(later.severity, 'warning', later.title);
});

test('near miss: Apollo refetching a query after a mutation (refetchQueries) is no duplicate', async () => {
  await open('apollo-refetch.html');
  await until(() => tab.page.eval('window.inboxRead === true'), { what: 'the inbox marked read' });
  await settle();
  const report = await tab.fullReport();
  const ops = report.events.filter((e) => e.type === 'request_start' && e.url.endsWith('/api/libs/graphql')).map((e) => e.op);
  assert.deepEqual(ops, ['Viewer', 'mutation MarkAllRead', 'Viewer'], 'three components, one Viewer query; the mutation; its refetch');
  assert.deepEqual(requestFindings(report).map((f) => `${f.detector}: ${f.title}`), []);
});

test('SWR refreshInterval: a polling loop, and three reads of one key are one request', async () => {
  await open('swr-refresh.html');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'polling-loop' && about(x, '/api/libs/posts'), { timeout: 20000, what: 'the refresh' });
  console.log(`# "${f.title}"`);
  assert.equal(f.severity, 'warning');
  const report = await tab.fullReport();
  const me = report.events.filter((e) => e.type === 'request_start' && e.url.endsWith('/api/libs/me'));
  assert.equal(me.length, 1, 'SWR sent /api/libs/me once');
  assert.deepEqual(requestFindings(report).filter((x) => x.detector !== 'polling-loop').map((x) => `${x.detector}: ${x.title}`), []);
});

test('near miss: axios renewing an expired token and asking again (401, refresh, retry) is no duplicate', async () => {
  await open('auth-refresh.html');
  await until(() => tab.page.eval('window.accountShown === true'), { what: 'the account' });
  await settle();
  const report = await tab.fullReport();
  const account = report.events.filter((e) => e.type === 'request_start' && e.url.endsWith('/api/libs/account'));
  // StrictMode: the first effect's request is aborted by its cleanup; then 401, refresh, again.
  assert.ok(account.length >= 2, `${account.length} account requests`);
  assert.ok(report.events.some((e) => e.type === 'request_end' && e.status === 401), 'the token had expired');
  assert.deepEqual(requestFindings(report).map((f) => `${f.detector}: ${f.title}`), []);
});

test('near miss: React Query reading the list again after each added todo (invalidateQueries) is no duplicate', async () => {
  await open('todos.html');
  await until(() => tab.page.eval('window.todosShown > 0'), { what: 'the list' });
  await tab.page.eval(`addTodo('Fix the waterfall')`);
  await sleep(400);
  await tab.page.eval(`addTodo('Batch the authors')`);
  await until(() => tab.page.eval('window.todosShown >= 3'), { what: 'both todos in the list' });
  await settle();
  const report = await tab.fullReport();
  const reads = report.events.filter((e) => e.type === 'request_start' && e.method === 'GET' && e.url.endsWith('/api/libs/todos'));
  assert.equal(reads.length, 3, 'the list, and once after each write');
  // Each read within the duplicate window (2 s) of the one before: copies, but for the writes.
  const gaps = [reads[1].t - reads[0].t, reads[2].t - reads[1].t].map(Math.round);
  assert.ok(gaps.every((g) => g < 2000), `gaps ${gaps} ms`);
  assert.deepEqual(requestFindings(report).map((f) => `${f.detector}: ${f.title}`), []);
});

test('zustand without a selector: every quote re-renders all 120 rows, a storm that names the shared store', async () => {
  await open('store-whole.html');
  await until(() => tab.page.eval('window.marketShown === true'), { what: 'the table' });
  await tab.page.eval('startFeed()');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'rerender-storm' && x.key === 'QuoteRow', { what: 'the storm' });
  await until(() => tab.page.eval('window.feedDone === true'), { what: 'the feed to end' });
  await settle();
  const last = (await tab.fullReport()).findings.find((x) => x.detector === 'rerender-storm' && x.key === 'QuoteRow') || f;
  console.log(`# ${last.severity}: "${last.title}"`);
  assert.match(last.title, /^QuoteRow rendered \d+ times\/s for \d+\.\d s \(peak \d+\/s, \d+ renders; state changed, 120 at once from one store\)/);
  // An error when one of its commits made a long task (a busy machine), else a warning.
  assert.equal(last.severity, last.metrics.long_task_overlap ? 'error' : 'warning', JSON.stringify(last.metrics));
  assert.match(last.advice, /Select only what each one shows/);
});

test('near miss: the same feed with a selector per row renders one row per quote, no warning', async () => {
  await open('store-selector.html');
  await until(() => tab.page.eval('window.marketShown === true'), { what: 'the table' });
  await tab.page.eval('startFeed()');
  await until(() => tab.page.eval('window.feedDone === true'), { what: 'the feed to end' });
  await settle();
  const report = await tab.fullReport();
  const renders = report.findings.filter((x) => ['rerender-storm', 'unnecessary-render'].includes(x.detector));
  for (const x of renders) console.log(`# ${x.severity}: "${x.title}"`);
  // 40 quotes a second are 40 commits of one row each: at most information.
  assert.deepEqual(renders.filter((x) => x.severity !== 'info').map((x) => x.title), []);
  assert.ok(renders.every((x) => !/at once/.test(x.title)), 'one row per commit');
});

test('RTK Query: one useAuthorQuery(slug) per row is an N+1', async () => {
  const report = await perRowQueries('rtk-rows.html', '/api/libs/authors/', /^GET \/api\/libs\/authors\/\{slug\} requested 8× at once, one per item/);
  assert.deepEqual(requestFindings(report).filter((x) => x.detector !== 'n-plus-one').map((x) => `${x.detector}: ${x.title}`), []);
});

test('near miss: RTK Query refetching the list its tag invalidated after each added todo is no duplicate', async () => {
  await open('rtk-todos.html');
  await until(() => tab.page.eval('window.todosShown > 0'), { what: 'the list' });
  const before = await tab.page.eval('window.todosShown');
  // A user reads the list before adding to it (a test driver acting in the same
  // millisecond as the list's answer chains load, write and refetch: a waterfall).
  await sleep(600);
  await tab.page.eval(`addTodo('Select a slice')`);
  await sleep(400);
  await tab.page.eval(`addTodo('Memoize the rows')`);
  await until(() => tab.page.eval(`window.todosShown >= ${before + 2}`), { what: 'both todos in the list' });
  await settle();
  const report = await tab.fullReport();
  const reads = report.events.filter((e) => e.type === 'request_start' && e.method === 'GET' && e.url.endsWith('/api/libs/todos'));
  assert.equal(reads.length, 3, 'the list (shared by two components), and once after each write');
  assert.deepEqual(requestFindings(report).map((x) => `${x.detector}: ${x.title}`), []);
});

test('near miss: mixpanel-browser flushing its queue every second (XHR uploads answered {"status":1}) is no polling loop', async () => {
  await open('analytics.html');
  const uploads = async () => (await tab.fullReport()).events.filter((e) => e.type === 'request_start' && e.url.includes('/api/libs/mp/track/'));
  await until(async () => (await uploads()).length >= 9, { timeout: 30000, what: 'nine batches sent' });
  await settle();
  const report = await tab.fullReport();
  const sent = report.events.filter((e) => e.type === 'request_start' && e.url.includes('/api/libs/mp/track/'));
  // The SDK's own timer: a steady second between batches, each a POST with a new body.
  const gaps = sent.slice(1).map((e, i) => Math.round(e.t - sent[i].t));
  console.log(`# ${sent.length} batches, gaps ${gaps.join(', ')} ms, bodies ${sent.map((e) => e.body && e.body.split(':')[1]).join(', ')} units`);
  assert.ok(sent.every((e) => e.method === 'POST' && e.api === 'xhr' && !e.keepalive), 'plain XHR POSTs, which only the answers tell from a poll');
  assert.deepEqual(requestFindings(report).map((x) => `${x.detector}: ${x.title}`), []);
});

test('near miss: translations read again while the cached copy is fresh (max-age) are answered by the cache, no duplicate', async () => {
  await open('i18n.html');
  await until(() => tab.page.eval('window.footerShown === true'), { what: 'the footer' });
  await settle();
  const report = await tab.fullReport();
  // Each reader asks (StrictMode doubles the first effects, which their cleanup lets run).
  const reads = report.events.filter((e) => e.type === 'request_start' && e.url.endsWith('/api/libs/locales/en.json'));
  assert.ok(reads.length >= 2, `${reads.length} reads`);
  const net = report.events.filter((e) => e.type === 'network' && e.url.endsWith('/api/libs/locales/en.json'));
  console.log(`# ${reads.length} reads; on the wire: ${net.map((e) => e.transfer_size).join(', ')} bytes`);
  const dupes = report.findings.filter((f) => f.detector === 'duplicate-request' && about(f, '/locales/'));
  // The footer's read, 600 ms after the header's answer, is the cache's: never a copy.
  // (StrictMode's doubled first reads, in flight together, are information at most.)
  assert.deepEqual(dupes.filter((f) => f.severity !== 'info').map((f) => f.title), []);
  assert.ok(dupes.every((f) => f.count <= 2), JSON.stringify(dupes.map((f) => f.title)));
});

// The chat page (socket.io-client against the demo server's socket.io server): the
// user goes to settings and back three times, 700 ms apart, as a user clicking the nav.
async function backAndForth() {
  for (const to of ['settings', 'chat', 'settings', 'chat', 'settings']) {
    await sleep(700);
    await tab.page.eval(`go(${JSON.stringify(to)})`);
  }
}
const socketsOpen = async () => (await (await fetch(`${demo.origin}/api/libs/sockets`)).json()).open;
const connectionFindings = (report) => report.findings.filter((x) => x.detector === 'connection-leak');

test('near miss: socket.io-client disconnected in its effect\'s cleanup, the user going back and forth, is no leak', async () => {
  await open('chat.html?mode=clean');
  await until(() => tab.page.eval(`document.querySelectorAll('#messages li').length > 0`), { what: 'a message over the socket' });
  await backAndForth();
  // Past the route change's grace, and a memory sample after it.
  await sleep(3000);
  const report = await tab.fullReport();
  const sockets = report.events.filter((e) => e.type === 'connection_open');
  console.log(`# ${sockets.length} sockets opened, ${await socketsOpen()} open at the server now`);
  assert.ok(sockets.length >= 2 && sockets.every((e) => e.kind === 'websocket'), 'StrictMode connected, disconnected and connected again');
  assert.equal(await socketsOpen(), 0, 'the settings screen has no socket');
  assert.deepEqual(connectionFindings(report).map((x) => x.title), []);
  // socket.io's handshake (a GET, a POST, a GET to /socket.io/, each needing the
  // answer before) is one conversation, not a waterfall to parallelize.
  assert.deepEqual(requestFindings(report).map((x) => `${x.detector}: ${x.title}`), []);
});

test('near miss: one socket.io connection for the whole app, opened as it starts, outlives every screen: no leak', async () => {
  await open('chat.html?mode=app');
  await until(() => tab.page.eval(`document.querySelectorAll('#messages li').length > 0`), { what: 'a message over the socket' });
  // The panel has this page's socket before the user moves (a loaded machine delivers late).
  await until(async () => (await tab.fullReport()).events.some((e) => e.type === 'connection_open' && e.url.includes('/socket.io/')), { what: 'the panel to see the socket' });
  await backAndForth();
  await sleep(3000);
  const report = await tab.fullReport();
  const routes = report.events.filter((e) => e.type === 'route').length;
  console.log(`# ${routes} route changes, ${await socketsOpen()} socket(s) open at the server`);
  assert.ok(routes >= 5, 'the panel saw the route changes');
  assert.deepEqual(connectionFindings(report).map((x) => x.title), []);
});

test('socket.io-client never disconnected: each visit to the chat leaves sockets open, growing', async () => {
  await open('chat.html?mode=leak');
  await until(() => tab.page.eval(`document.querySelectorAll('#messages li').length > 0`), { what: 'a message over the socket' });
  await backAndForth();
  const { finding: grow } = await tab.waitForFinding((x) => x.detector === 'connection-leak' && x.key === 'growing' && x.count >= 6, { what: 'six sockets open at once' });
  const { finding: left } = await tab.waitForFinding((x) => x.detector === 'connection-leak' && x.key.startsWith('route ') && x.count >= 6, { what: 'the sockets left open after the route changes' });
  console.log(`# ${grow.severity}: "${grow.title}"; ${left.severity}: "${left.title}"; ${await socketsOpen()} open at the server`);
  assert.ok((await socketsOpen()) >= 6, 'the page really left them open');
  assert.equal(grow.severity, 'warning');
  assert.match(left.title, /^\d+ WebSocket connections to \/socket\.io\/.* still open after navigating to \/corpus-libs\/chat\.html\/settings/);
  // One finding for all of them: each socket's URL has its own session id.
  assert.equal(connectionFindings(await tab.fullReport()).filter((x) => x.key.startsWith('route ')).length, 1);
});

test('near miss: socket.io retrying a socket server that is down opens one failed socket after another, no leak', async () => {
  // A port nothing listens on: the app's local socket server is not running.
  const probe = net.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  await open(`chat.html?mode=down&port=${port}`);
  await until(() => tab.page.eval('(window.connectErrors || 0) >= 6'), { timeout: 30000, what: 'six failed attempts' });
  await sleep(2500);
  const report = await tab.fullReport();
  const opened = report.events.filter((e) => e.type === 'connection_open').length;
  const closed = report.events.filter((e) => e.type === 'connection_close').length;
  console.log(`# ${opened} sockets opened, ${closed} closed`);
  assert.ok(opened >= 6 && closed >= opened - 1, `each failed socket is closed: ${opened} opened, ${closed} closed`);
  assert.deepEqual(connectionFindings(report).map((x) => x.title), []);
});

test('near miss: a local model\'s answer streamed for 4 s by the ollama client is no slow request; a 2.5 s wait for its first token is', async () => {
  await open('assistant.html');
  await until(() => tab.page.eval('typeof window.ask === "function"'), { what: 'the assistant' });
  await tab.page.eval(`ask('Why is my table slow?')`);
  await until(() => tab.page.eval('window.answered === true'), { timeout: 20000, what: 'the streamed answer' });
  const took = await tab.page.eval('performance.now() - window.firstToken');
  await settle();
  let report = await tab.fullReport();
  console.log(`# streamed for ${Math.round(took)} ms after its first token`);
  assert.ok(took >= 3000, 'the answer streamed for seconds');
  assert.deepEqual(report.findings.filter((x) => x.detector === 'slow-request').map((x) => x.title), []);
  assert.deepEqual(requestFindings(report).map((x) => `${x.detector}: ${x.title}`), []);
  // The model is loaded first: the user waits 2.5 s before anything shows.
  await tab.page.eval(`ask('And the chart?', 'llama3.2-cold')`);
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'slow-request' && about(x, '/api/libs/ollama/api/chat'), { what: 'the slow first token' });
  console.log(`# ${f.severity}: "${f.title}"`);
  assert.match(f.title, /^POST \/api\/libs\/ollama\/api\/chat took 2\.\d s to its first byte \(a streamed answer\)$/);
  assert.equal(f.severity, 'warning');
  assert.equal(f.count, 1, 'the first answer is not counted');
});

test('near miss: socket.io held to HTTP long polling (a GET the server answers with each message, the next sent at once) is no polling loop and no slow request', async () => {
  await open('chat.html?mode=polling');
  await until(() => tab.page.eval(`document.querySelectorAll('#messages li').length >= 6`), { timeout: 20000, what: 'six messages by long polling' });
  await settle();
  const report = await tab.fullReport();
  const polls = report.events.filter((e) => e.type === 'request_start' && e.method === 'GET' && e.url.includes('transport=polling'));
  console.log(`# ${polls.length} long polls, starts ${polls.slice(1).map((e, i) => Math.round(e.t - polls[i].t)).join(', ')} ms apart`);
  assert.ok(polls.length >= 6, 'the messages came by long polling');
  assert.deepEqual(report.findings.filter((x) => ['polling-loop', 'slow-request', 'duplicate-request', 'n-plus-one', 'request-waterfall', 'error-burst'].includes(x.detector)).map((x) => `${x.detector}: ${x.title}`), []);
});

test('effect-rerun: a list whose parent passes `filters={{ status }}` inline refetches on every tick of the parent\'s clock', async () => {
  await open('orders.html?mode=ticker');
  const { finding: f, ms } = await tab.waitForFinding((x) => x.detector === 'effect-rerun', { timeout: 15000, what: 'the refetching effect' });
  console.log(`# after ${ms} ms: ${f.severity}: "${f.title}"`);
  assert.match(f.title, /^useEffect in OrderList re-ran \d+ times with dependencies of the same content, sending \d+ requests: dependency 0 \(`\{status\}`\) is a new object on every render$/);
  assert.equal(f.severity, 'warning');
  assert.deepEqual(f.evidence.components, ['OrderList', 'Orders']);
  assert.match(f.advice, /useMemo/);
  assert.match(f.advice, /load\(filters, query\)/, 'the advice quotes the effect\'s source');
  console.log(`# its requests: ${f.evidence.requests.length}, ${f.evidence.urls.join(', ')}`);
  assert.ok(f.evidence.requests.length >= 3, 'the finding names the requests those runs sent');
  assert.ok(f.evidence.urls.length >= 1 && f.evidence.urls.every((u) => new URL(u).pathname === '/api/libs/orders'),
    'only the list\'s own requests, not the beacons or the error reporter\'s');
  // The same requests read as copies or a loop elsewhere: those findings name the effect.
  await settle();
  const others = (await tab.report()).findings.filter((x) => x.detector !== 'effect-rerun' && about(x, '/api/libs/orders'));
  console.log(`# also: ${others.map((x) => `${x.detector} (sent_by: ${x.metrics.sent_by})`).join('; ')}`);
  assert.ok(others.length >= 1, 'the refetches are copies of one request too');
  for (const x of others) {
    assert.equal(x.metrics.sent_by, 'useEffect in OrderList, re-running for a dependency of the same content (effect-rerun)');
    assert.ok(x.evidence.components.includes('OrderList'));
  }
});

test('effect-rerun: an effect that builds its filters in the render and stores each answer refetches in a loop, an error', async () => {
  await open('orders.html?mode=loop');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'effect-rerun' && x.severity === 'error', { timeout: 15000, what: 'the refetch loop' });
  console.log(`# "${f.title}"`);
  assert.match(f.title, /^useEffect in LoopingList re-ran \d+ times with dependencies of the same content, sending \d+ requests: dependency 0 \(`\{status, page\}`\) is a new object on every render$/);
  assert.ok(f.metrics.requests >= 20, JSON.stringify(f.metrics));
});

test('effect-rerun: an effect without a dependency array that stores what it fetches refetches in a loop, an error', async () => {
  await open('orders.html?mode=nodeps');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'effect-rerun' && x.severity === 'error', { timeout: 15000, what: 'the loop' });
  console.log(`# "${f.title}"`);
  assert.match(f.title, /^useEffect in NoDepsList has no dependency array: it re-ran after \d+ renders, sending \d+ requests$/);
  assert.match(f.advice, /`\[\]` to run once/);
});

test('effect-rerun: an effect setting state from an array the parent rebuilds each tick renders the component twice a tick', async () => {
  await open('orders.html?mode=derive');
  const { finding: f } = await tab.waitForFinding((x) => x.detector === 'effect-rerun', { timeout: 15000, what: 'the state-setting effect' });
  console.log(`# "${f.title}"`);
  assert.match(f.title, /^useEffect in Totals re-ran \d+ times with dependencies of the same content, setting state as it ran \(\d+ more renders\): dependency 0 \(`\[3 items\]`\) is a new array on every render$/);
  assert.equal(f.severity, 'warning');
  assert.equal(f.metrics.requests, 0);
  assert.match(f.advice, /computed during render/);
});

test('near miss: memoized filters, a search whose real changes refetch, React Query\'s options effect re-running each tick, and an effect without dependencies keeping the title stay quiet', async () => {
  await open('orders.html?mode=memo');
  await until(() => tab.page.eval(`document.querySelectorAll('#orders li').length === 5 && typeof window.typeQuery === 'function'`), { what: 'the list' });
  for (const q of ['a', 'ab', 'abc']) {
    await tab.page.eval(`window.typeQuery(${JSON.stringify(q)})`);
    await sleep(700);
  }
  // Five more ticks of the clock: each re-renders React Query's component with new options.
  await sleep(5000);
  await settle();
  const report = await tab.fullReport();
  const fetched = await tab.page.eval('window.ordersFetched');
  const renders = report.events.filter((e) => e.type === 'react_renders').flatMap((e) => e.components).filter((c) => c.name === 'Summary');
  console.log(`# the list fetched ${fetched} times; Summary re-rendered ${renders.reduce((n, c) => n + c.renders - c.mounts, 0)} times`);
  assert.ok(fetched >= 4, 'the search refetched');
  assert.ok(renders.reduce((n, c) => n + c.renders - c.mounts, 0) >= 5, 'the clock re-rendered the query\'s component');
  assert.deepEqual(report.findings.filter((x) => x.detector === 'effect-rerun').map((x) => x.title), []);
});
