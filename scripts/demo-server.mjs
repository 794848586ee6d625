// The bundled demo app: static pages from static/demo/ and a small JSON API, on
// 127.0.0.1. Each page produces one anti-pattern on demand (or none: clean.html).
// Run alone: node scripts/demo-server.mjs [port]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as SocketServer } from 'socket.io';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'static', 'demo');
// React pages built from static/demo/react/ by scripts/build-react.mjs, served at /react/.
const reactRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'demo-react');
// The corpus-libs pages' scripts, built by scripts/build-react.mjs.
const libsRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'corpus-libs');
// End-to-end corpora: static/corpus-<name>/ served at /corpus-<name>/.
const staticRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'static');
// /api/flaky: answers per key so far (503 until `fail` of them were answered).
const flaky = new Map();
const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let progress = 0;
const STEP_IDS = { user: 4711, settings: 5002, feed: 6003 };
// A 600 KB script with a content hash in its name, served raw with an hour of caching:
// oversized, uncompressed, and not cached as immutable.
const VENDOR_LINES = 12000;
const VENDOR = '/* vendor bundle */\n' + Array.from({ length: VENDOR_LINES }, (_, i) => `function helper${i}(a, b) { return a * ${i} + b; }`).join('\n') +
  '\n//# sourceMappingURL=vendor.3f9a2c1b.js.map\n';
// Its source map says what it was built from: mostly mermaid, some lodash, a little app code.
function vlq(n) {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[digit];
  } while (v > 0);
  return out;
}
const VENDOR_MAP = (() => {
  const sourceOf = (line) => (line < 8000 ? 0 : line < 11000 ? 1 : 2);
  let prev = 0;
  const lines = [''];
  for (let i = 0; i < VENDOR_LINES; i++) {
    const src = sourceOf(i);
    lines.push(vlq(0) + vlq(src - prev) + vlq(i === 0 ? 0 : 1) + vlq(0));
    prev = src;
  }
  return JSON.stringify({
    version: 3,
    sources: ['webpack://shop/./node_modules/mermaid/dist/mermaid.core.mjs', 'webpack://shop/./node_modules/lodash/lodash.js', 'webpack://shop/./src/charts.js'],
    names: [],
    mappings: lines.join(';'),
  });
})();
// The corpus-assets pages (tests/e2e/corpus-assets.test.mjs): what a local dev server
// (Vite and the like) sends. Pages and their scripts from static/corpus-assets/, React
// pages built into dist/corpus-assets/ by scripts/build-react.mjs, and two generated
// bundles: a pre-bundled dependency, 600 KB unminified, and a 1.2 MB worker script,
// both raw and `no-cache`, as dev servers serve them.
const corpusRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'static', 'corpus-assets');
const corpusBuilt = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'corpus-assets');
const unminified = (name, bytes) => {
  const parts = [`/**\n * ${name}: unminified, as a dev server serves it.\n */\n`];
  let size = parts[0].length;
  for (let i = 0; size < bytes; i++) {
    const fn = `\n/**\n * Scales series ${i} of the chart.\n * @param {number[]} values\n */\nexport function scaleSeries${i}(values) {\n  const out = [];\n  for (const value of values) {\n    out.push(value * ${i + 1} + ${i % 7});\n  }\n  return out;\n}\n`;
    parts.push(fn);
    size += fn.length;
  }
  return parts.join('');
};
const CORPUS_GENERATED = {
  '/corpus-assets/node_modules/.vite/deps/chart-lib.js': unminified('chart-lib', 600_000) + '\nwindow.chartLibLoaded = true;\n',
  '/corpus-assets/build/pdf.worker.js': unminified('pdf.worker', 1_200_000).replace(/export /g, '') + '\nself.onmessage = (e) => self.postMessage({ pong: e.data });\n',
};

function corpusAsset(res, url) {
  const generated = CORPUS_GENERATED[url.pathname];
  if (generated !== undefined) {
    res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-cache' });
    res.end(generated);
    return;
  }
  const rel = url.pathname.slice('/corpus-assets/'.length);
  for (const base of [corpusBuilt, corpusRoot]) {
    const file = path.normalize(path.join(base, rel));
    if (file.startsWith(base + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
      fs.createReadStream(file).pipe(res);
      return;
    }
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}

const EXPORT = JSON.stringify({ rows: Array.from({ length: 12000 }, (_, i) => ({ id: i, name: `row ${i}`, note: 'x'.repeat(60) })) });

async function api(req, res, url) {
  const json = (status, value, delay = 0) =>
    sleep(delay).then(() => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(value));
    });
  switch (url.pathname) {
    case '/api/profile':
      return json(200, { name: 'Ada', plan: 'pro' }, 120);
    case '/api/status':
      progress = (progress + 7) % 100;
      return json(200, { job: url.searchParams.get('job'), progress }, 15);
    case '/api/items': {
      const page = Number(url.searchParams.get('page') || 1);
      return json(200, { page, items: Array.from({ length: 10 }, (_, i) => ({ id: page * 10 + i })) }, 40);
    }
    case '/api/report':
      return json(200, { ready: true }, Math.min(Number(url.searchParams.get('ms') || 1300), 5000));
    case '/api/export':
      // Big and uncompressed on purpose.
      return json(200, JSON.parse(EXPORT), 150);
    case '/api/_error': {
      for await (const chunk of req) void chunk;
      return json(500, { error: 'internal' }, 10);
    }
    case '/api/events': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write('retry: 60000\n\n');
      const timer = setInterval(() => res.write(`data: ${Date.now()}\n\n`), 1000);
      req.on('close', () => clearInterval(timer));
      return undefined;
    }
    case '/api/beacon': {
      for await (const chunk of req) void chunk;
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return undefined;
    }
    case '/api/chain/step':
      // A fast local API: one step of a multi-step load, answered at once.
      return json(200, { step: Number(url.searchParams.get('n')) || 0 });
    case '/api/flaky': {
      // 503 for the first `fail` requests with this `key`, then 200; each answer after
      // `ms` milliseconds (a real server takes a while to fail).
      const key = url.searchParams.get('key') || '';
      const ms = Math.min(Number(url.searchParams.get('ms')) || 0, 5000);
      if (flaky.size > 1000) flaky.clear();
      const n = (flaky.get(key) || 0) + 1;
      flaky.set(key, n);
      const fail = Number(url.searchParams.get('fail')) || 0;
      return n <= fail ? json(503, { error: 'unavailable', attempt: n }, ms) : json(200, { ok: true, attempt: n }, ms);
    }
    case '/api/search': {
      let body = '';
      for await (const chunk of req) body += chunk;
      return json(200, { query: body, hits: body.length }, 30);
    }
    default: {
      // /api/messages/:id (one message) and /api/step/:name (a step of a waterfall)
      const message = /^\/api\/messages\/(\d+)$/.exec(url.pathname);
      if (message) return json(200, { id: Number(message[1]), text: 'hello' }, 60);
      const step = /^\/api\/step\/(\w+)$/.exec(url.pathname);
      if (step) return json(200, { step: step[1], id: STEP_IDS[step[1]] || 100 }, 180);
      const answered = await corpusApi(req, res, url, json);
      if (answered !== undefined) return answered;
      return json(404, { error: 'not found' });
    }
  }
}

// The corpus pages (static/demo/corpus/): a fast local API, as in development,
// answering at once. Returns undefined for paths it does not serve.
const PRODUCTS = ['blue-widget', 'red-gadget', 'green-gizmo', 'plain-sprocket', 'tiny-cog', 'huge-lever', 'brass-hinge', 'steel-bolt', 'oak-shelf', 'felt-pad', 'glass-knob', 'iron-hook'];
const DASHBOARD = {
  user: { id: 7, name: 'Ada Lovelace', email: 'ada@example.com' },
  settings: { theme: 'dark', locale: 'en-GB', density: 'compact', timezone: 'Europe/London' },
  flags: Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`feature_${i}`, i % 3 === 0])),
  cart: { items: [] },
  notifications: Array.from({ length: 25 }, (_, i) => ({ id: i, text: `Notification number ${i} about something that happened`, read: i > 3 })),
};
const AUTHORS = ['ada-lovelace', 'grace-hopper', 'alan-turing', 'edsger-dijkstra', 'barbara-liskov', 'ken-thompson', 'donald-knuth', 'margaret-hamilton'];
const FILE_BYTES = 256 * 1024;
// The todo list of static/corpus-libs/todos.jsx (one per process: a test adds to it
// and counts the list's reads, not its length).
const todos = [{ id: 't_1', title: 'Write the audit' }];
// The GraphQL API of the Apollo Client pages (static/corpus-libs/apollo-*.jsx): one
// POST endpoint answering by operation, as Apollo Client sends them.
async function libsGraphql(req, json) {
  let body = '';
  for await (const chunk of req) body += chunk;
  let op = {};
  try { op = JSON.parse(body); } catch { return json(400, { errors: [{ message: 'not JSON' }] }); }
  const v = op.variables || {};
  switch (op.operationName) {
    case 'Posts':
      return json(200, { data: { posts: Array.from({ length: 8 }, (_, i) => ({ __typename: 'Post', id: `post_${i + 1}`, title: `Post ${i + 1}`, authorSlug: AUTHORS[i] })) } });
    case 'Author':
      return json(200, { data: { author: { __typename: 'Author', slug: v.slug, name: String(v.slug).replace('-', ' ') } } });
    case 'Unread':
      return json(200, { data: { unread: { __typename: 'Unread', id: 'me', count: 3 } } });
    case 'Viewer':
      return json(200, { data: { viewer: { __typename: 'User', id: 'u_1842', name: 'Ada Lovelace', unread: 3 } } });
    case 'MarkAllRead':
      return json(200, { data: { markAllRead: { __typename: 'Result', ok: true } } });
    default:
      return json(200, { errors: [{ message: `unknown operation ${op.operationName}` }] });
  }
}
async function corpusApi(req, res, url, json) {
  const p = url.pathname;
  if (p === '/api/collect') {
    for await (const chunk of req) void chunk;
    res.writeHead(204, { 'cache-control': 'no-store' });
    res.end();
    return null;
  }
  if (p === '/api/feed') {
    const cursor = Number(url.searchParams.get('cursor') || 0);
    const items = Array.from({ length: 1 + (cursor % 2) }, (_, i) => ({ id: cursor + i + 1, text: 'new post' }));
    return json(200, { items, next: cursor + items.length });
  }
  if (p === '/api/graphql') {
    let body = '';
    for await (const chunk of req) body += chunk;
    let op = {};
    try { op = JSON.parse(body); } catch { /* answered as an empty operation */ }
    return json(200, { data: { op: op.operationName || null, after: op.variables?.after ?? null, items: [] } });
  }
  if (p === '/api/products') return json(200, { products: PRODUCTS.map((slug) => ({ slug })) });
  // The corpus-libs pages (static/corpus-libs/): ids as real APIs write them.
  if (p === '/api/libs/envelope') {
    for await (const chunk of req) void chunk;
    return json(200, { id: 'e_77f1' });
  }
  if (p === '/api/libs/session') return json(200, { user: 'u_1842', org: 'acme-42', expires: 3600 });
  if (p === '/api/libs/orgs/acme-42') return json(200, { id: 'org_8f2k', name: 'Acme', plan: 'team' });
  if (p === '/api/libs/projects') return json(200, [{ id: 'p_1a2b', name: 'Web' }, { id: 'p_3c4d', name: 'API' }]);
  if (p === '/api/libs/me') return json(200, { id: 'u_1842', name: 'Ada Lovelace' });
  if (p === '/api/libs/orders') {
    const status = url.searchParams.get('status') || 'open';
    return json(200, Array.from({ length: 5 }, (_, i) => ({ id: `ord_${status}_${i + 1}`, status, total: 40 + i })));
  }
  if (p === '/api/libs/posts') {
    return json(200, Array.from({ length: 12 }, (_, i) => ({ id: 100 + i, title: `Post ${i + 1}`, author: AUTHORS[i % AUTHORS.length] })));
  }
  if (p === '/api/libs/graphql') return libsGraphql(req, json);
  if (p === '/api/libs/todos') {
    // The list as it stands: each POST adds one.
    if (req.method === 'POST') {
      let body = '';
      for await (const chunk of req) body += chunk;
      todos.push({ id: `t_${todos.length + 1}`, title: JSON.parse(body || '{}').title || '' });
      return json(201, todos[todos.length - 1]);
    }
    return json(200, todos);
  }
  // A short-lived access token: only the one the refresh hands out is accepted.
  if (p === '/api/libs/auth/refresh') {
    for await (const chunk of req) void chunk;
    return json(200, { token: 'fresh-7f3a' });
  }
  if (p === '/api/libs/account') {
    if (req.headers.authorization !== 'Bearer fresh-7f3a') return json(401, { error: 'token expired' });
    return json(200, { id: 'u_1842', name: 'Ada Lovelace' });
  }
  // Translations, as an i18n backend serves them: cacheable for five minutes.
  if (p === '/api/libs/locales/en.json') {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
    res.end(JSON.stringify({ greeting: 'Welcome back', footer: 'All systems normal', cart: 'Your cart' }));
    return null;
  }
  if (p === '/api/libs/sockets') return json(200, { open: socketsOpen });
  // Ollama's /api/chat as a local model streams it: NDJSON, the first token after
  // 300 ms (2.5 s when the model asked for is `cold`: Ollama loading it first),
  // then one every 120 ms, 30 of them (about 4 s).
  if (p === '/api/libs/ollama/api/chat') {
    let body = '';
    for await (const chunk of req) body += chunk;
    let model = '';
    try { model = JSON.parse(body).model || ''; } catch { /* an empty model */ }
    const first = model.includes('cold') ? 2500 : 300;
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    await sleep(first);
    const words = 'Memoize the row component and select only the fields each row shows from the store so a price tick re-renders one row instead of the whole table'.split(' ');
    for (let i = 0; i < 30; i++) {
      const message = { role: 'assistant', content: `${words[i % words.length]} ` };
      res.write(`${JSON.stringify({ model: 'llama3.2', created_at: new Date().toISOString(), message, done: false })}\n`);
      await sleep(120);
    }
    res.end(`${JSON.stringify({ model: 'llama3.2', message: { role: 'assistant', content: '' }, done: true, total_duration: 3900000000, eval_count: 30 })}\n`);
    return undefined;
  }
  // A product-analytics host (mixpanel-browser's api_host): every batch of events
  // acknowledged as Mixpanel's own server does with `verbose=1`.
  if (p.startsWith('/api/libs/mp/')) {
    for await (const chunk of req) void chunk;
    return json(200, { status: 1, error: null });
  }
  const author = /^\/api\/libs\/authors\/([\w-]+)$/.exec(p);
  if (author && AUTHORS.includes(author[1])) return json(200, { slug: author[1], name: author[1].replace('-', ' ') });
  const tab = /^\/api\/libs\/tabs\/([\w-]+)$/.exec(p);
  if (tab) return json(200, { name: tab[1], widgets: [] });
  const product = /^\/api\/products\/([\w-]+)$/.exec(p);
  if (product && PRODUCTS.includes(product[1])) {
    return json(200, { slug: product[1], name: product[1].replace('-', ' '), price: 100 + product[1].length, stock: product[1].length * 3, description: 'A fine thing for the house.' });
  }
  if (Object.hasOwn(DASHBOARD, p.slice(5)) && p.startsWith('/api/')) return json(200, DASHBOARD[p.slice(5)]);
  if (p === '/api/suggest') {
    const q = url.searchParams.get('q') || '';
    return json(200, { q, suggestions: PRODUCTS.filter((s) => s.includes(q)) });
  }
  const file = /^\/api\/files\/([\w.-]+)$/.exec(p);
  if (file) {
    // One document read in pieces: Range requests (PDF.js) or offset/limit chunks.
    let start = 0;
    let end = FILE_BYTES - 1;
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range || '');
    const offset = url.searchParams.get('offset');
    if (range) [start, end] = [Number(range[1]), Math.min(Number(range[2]), FILE_BYTES - 1)];
    else if (offset !== null) [start, end] = [Number(offset), Math.min(Number(offset) + Number(url.searchParams.get('limit') || 65536), FILE_BYTES) - 1];
    const body = Buffer.alloc(end - start + 1, 0x25);
    const headers = { 'content-type': 'application/pdf', 'cache-control': 'no-store', 'accept-ranges': 'bytes', 'content-length': body.length };
    if (range) headers['content-range'] = `bytes ${start}-${end}/${FILE_BYTES}`;
    res.writeHead(range ? 206 : 200, headers);
    res.end(body);
    return null;
  }
  return undefined;
}

// The corpus-libs chat page's socket.io server (the real one from npm, at
// /socket.io/ on the same port): a message to each client every second, and how many
// are connected now at /api/libs/sockets, so a test can tell the page's leak happened
// (one count for every demo server in this process; a test process starts one).
let socketsOpen = 0;
function chatSockets(server) {
  const io = new SocketServer(server);
  io.on('connection', (socket) => {
    socketsOpen++;
    let n = 0;
    const timer = setInterval(() => socket.emit('message', { id: `m_${++n}`, text: 'hello' }), 1000);
    socket.on('disconnect', () => {
      socketsOpen--;
      clearInterval(timer);
    });
  });
}

export function startDemoServer(port = 0) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/')) {
      api(req, res, url).catch(() => res.destroy());
      return;
    }
    // A React Server Components payload, as Next.js's app router asks for a page on
    // navigation and prefetches one per link in view (the corpus blog index).
    if (url.pathname.startsWith('/corpus/blog/') && url.searchParams.has('_rsc')) {
      res.writeHead(200, { 'content-type': 'text/x-component', 'cache-control': 'no-store', vary: 'RSC, Next-Router-Prefetch' });
      res.end(`0:["$","article",null,{"children":"${url.pathname.slice('/corpus/blog/'.length)}"}]\n`);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, { 'cache-control': 'max-age=86400' });
      res.end();
      return;
    }
    if (url.pathname === '/assets/vendor.3f9a2c1b.js.map') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(VENDOR_MAP);
      return;
    }
    if (url.pathname === '/assets/vendor.3f9a2c1b.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'public, max-age=3600' });
      res.end(VENDOR);
      return;
    }
    if (url.pathname.startsWith('/corpus-assets/')) {
      corpusAsset(res, url);
      return;
    }
    // The corpus-libs pages' scripts are built (scripts/build-react.mjs) into dist/corpus-libs/.
    const libsBuilt = /^\/corpus-libs\/([\w-]+\.js)$/.exec(url.pathname);
    if (libsBuilt && fs.existsSync(path.join(libsRoot, libsBuilt[1]))) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-cache' });
      fs.createReadStream(path.join(libsRoot, libsBuilt[1])).pipe(res);
      return;
    }
    const fromReact = url.pathname.startsWith('/react/');
    const corpus = /^\/(corpus-[a-z0-9-]+)\//.exec(url.pathname);
    const base = fromReact ? reactRoot : corpus ? path.join(staticRoot, corpus[1]) : root;
    const rel = url.pathname === '/' ? 'index.html' : url.pathname.slice(fromReact ? 7 : corpus ? corpus[0].length : 1);
    const file = path.normalize(path.join(base, rel));
    if (!file.startsWith(base) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    // Pages revalidate; their scripts and styles are cached for 30 days, as a
    // well-configured server would (the cache scenario serves its own headers).
    const cache = file.endsWith('.html') ? 'no-cache' : 'public, max-age=2592000';
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream', 'cache-control': cache });
    fs.createReadStream(file).pipe(res);
  });
  chatSockets(server);
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin } = await startDemoServer(Number(process.argv[2] || 8477));
  console.log(`Stormwatch demo app on ${origin}/`);
}
