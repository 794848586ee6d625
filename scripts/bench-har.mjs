// HAR benchmark (prints figures; not a timed test). Generates a Chrome-shaped HAR of
// 200,000 entries (about 200 MB) into target/, then measures in the same run:
//   1. `stormwatch analyze` on it: wall time and peak RSS (the goal: <= 2 s, <= 250 MB);
//   2. the reader alone (stream + decode every entry, no engine), so the reader's and
//      the engine's shares are known;
//   3. Node's JSON.parse of the same file (read + parse): time and peak RSS.
// Peak RSS is VmHWM from /proc/<pid>/status (via /usr/bin/time -v when present).
//
// Run: node scripts/bench-har.mjs [entries]
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const entries = Number(process.argv[2] || 200000);
const file = path.join(root, 'target', `bench-${entries}-v2.har`);

function entry(i) {
  const t0 = Date.UTC(2026, 11, 1, 10, 0, 0);
  const started = new Date(t0 + i * 3).toISOString();
  const kind = i % 4;
  const url = kind === 0 ? `https://app.example/api/items/${i % 5000}`
    : kind === 1 ? 'https://app.example/api/status?_=1'
    : kind === 2 ? `https://app.example/api/search?q=term${i % 300}`
    : `https://cdn.example/img/${i}.png`;
  const json = kind !== 3;
  return {
    startedDateTime: started,
    time: 40.5 + (i % 7),
    pageref: 'page_1',
    request: {
      method: 'GET', url, httpVersion: 'http/2.0',
      headers: [
        { name: ':authority', value: 'app.example' },
        { name: 'accept', value: json ? 'application/json' : 'image/avif,image/webp,*/*' },
        { name: 'accept-encoding', value: 'gzip, deflate, br, zstd' },
      ],
      queryString: [], cookies: [], headersSize: -1, bodySize: 0,
    },
    response: {
      status: 200, statusText: '', httpVersion: 'http/2.0',
      headers: [
        { name: 'content-type', value: json ? 'application/json; charset=utf-8' : 'image/png' },
        { name: 'content-encoding', value: json ? 'br' : 'identity' },
        { name: 'cache-control', value: json ? 'no-store' : 'public, max-age=31536000, immutable' },
      ],
      cookies: [],
      content: json
        ? { size: 180, mimeType: 'application/json', text: JSON.stringify({ id: `item-${i % 5000}`, status: 'ok', count: i % 13 }) }
        : { size: 5120, mimeType: 'image/png' },
      redirectURL: '', headersSize: -1, bodySize: json ? 120 : 5120, _transferSize: json ? 220 : 5220, _error: null,
    },
    cache: {},
    timings: { blocked: 0.8, dns: -1, ssl: -1, connect: -1, send: 0.1, wait: 35.2, receive: 4.4 },
    _initiator: json
      ? { type: 'script', stack: { callFrames: [{ functionName: 'load', scriptId: '12', url: 'https://app.example/assets/app.js', lineNumber: 120, columnNumber: 17 }] } }
      : { type: 'parser', url: 'https://app.example/dashboard', lineNumber: 40 },
    _resourceType: json ? 'fetch' : 'image',
    connection: '443',
  };
}

if (!fs.existsSync(file)) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, '{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"pages":[{"startedDateTime":"2026-12-01T10:00:00.000Z","id":"page_1","title":"https://app.example/dashboard","pageTimings":{"onContentLoad":-1,"onLoad":-1}}],"entries":[');
  let chunk = [];
  for (let i = 0; i < entries; i++) {
    chunk.push(JSON.stringify(entry(i)));
    if (chunk.length === 2000 || i === entries - 1) {
      fs.writeSync(fd, (i + 1 > chunk.length ? ',' : '') + chunk.join(','));
      chunk = [];
    }
  }
  fs.writeSync(fd, ']}}');
  fs.closeSync(fd);
}
const mb = fs.statSync(file).size / 1e6;
console.log(`HAR: ${path.relative(root, file)}, ${entries} entries, ${mb.toFixed(1)} MB`);

// Native `release` at opt-level 3 (the panel's wasm has its own profile). Binaries
// come from CARGO_TARGET_DIR when set; STORMWATCH_BENCH_SKIP_BUILD=1 measures the
// binaries already there (say, another commit's build, for a before/after).
const env = { ...process.env, CARGO_PROFILE_RELEASE_OPT_LEVEL: '3' };
const target = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
if (!process.env.STORMWATCH_BENCH_SKIP_BUILD) {
  execFileSync('cargo', ['build', '--quiet', '--release', '--bin', 'stormwatch', '--example', 'bench_har_read'], { cwd: root, env, stdio: 'inherit' });
}

const hasTime = fs.existsSync('/usr/bin/time');
/** Runs a command, returns { secs, rssMB, stdout }. */
function measure(cmd, args) {
  const t = process.hrtime.bigint();
  const r = hasTime
    ? spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd: root, maxBuffer: 1 << 30 })
    : spawnSync(cmd, args, { cwd: root, maxBuffer: 1 << 30 });
  const secs = Number(process.hrtime.bigint() - t) / 1e9;
  const err = r.stderr.toString();
  const m = err.match(/Maximum resident set size \(kbytes\): (\d+)/);
  const user = err.match(/User time \(seconds\): ([\d.]+)/);
  const sys = err.match(/System time \(seconds\): ([\d.]+)/);
  const cpu = user && sys ? Number(user[1]) + Number(sys[1]) : NaN;
  return { secs, cpu, rssMB: m ? Number(m[1]) / 1024 : NaN, stdout: r.stdout.toString(), status: r.status, err };
}

const bin = path.join(target, 'release', 'stormwatch');
const cli = measure(bin, ['analyze', file]);
const last = cli.stdout.trim().split('\n').pop();
// cpu/wall: the CLI reads on one thread and analyses on another, so above 1 means both cores worked.
console.log(`stormwatch analyze:      wall ${cli.secs.toFixed(2)} s, cpu ${cli.cpu.toFixed(2)} s (${(cli.cpu / cli.secs).toFixed(2)} cores), peak RSS ${cli.rssMB.toFixed(0)} MB  (exit ${cli.status}; ${last})`);

const reader = measure(path.join(target, 'release', 'examples', 'bench_har_read'), [file]);
console.log(`reader only (no engine), peak RSS ${reader.rssMB.toFixed(0)} MB:\n${reader.stdout.trimEnd()}`);

const nodeScript = `const fs=require('fs');const t=process.hrtime.bigint();const v=JSON.parse(fs.readFileSync(${JSON.stringify(file)},'utf8'));const s=Number(process.hrtime.bigint()-t)/1e9;console.log(v.log.entries.length+' entries in '+s.toFixed(2)+' s (inside node)');`;
const node = measure(process.execPath, ['--max-old-space-size=8192', '-e', nodeScript]);
console.log(`node JSON.parse:         wall ${node.secs.toFixed(2)} s, cpu ${node.cpu.toFixed(2)} s, peak RSS ${node.rssMB.toFixed(0)} MB  (${node.stdout.trim()})`);
console.log(`load average while measuring: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (2 cores; wall time grows with it, cpu time much less)`);
