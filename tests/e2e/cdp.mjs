// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe, for
// driving Debian's Chromium with the extension loaded and DevTools open. Playwright
// cannot drive devtools:// pages; raw CDP can.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The longest a CDP command may take (the longest page scripts the tests run take about a minute). */
const SEND_TIMEOUT_MS = 90000;

export const CHROMIUM = process.env.STORMWATCH_CHROMIUM || '/usr/lib/chromium/chromium';

export class Browser {
  constructor(proc, dir) {
    this.proc = proc;
    this.dir = dir;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Set();
    this.writer = proc.stdio[3];
    let buf = Buffer.alloc(0);
    proc.stdio[4].on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let end;
      while ((end = buf.indexOf(0)) >= 0) {
        const msg = JSON.parse(buf.subarray(0, end).toString('utf8'));
        buf = buf.subarray(end + 1);
        this.dispatch(msg);
      }
    });
    this.stderr = '';
    proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-20000); });
  }

  /** `prefs`: the profile's preferences to start with (e.g. DevTools' own settings). */
  static async launch({ extensionDir, devtools = true, headless = true, args: extra = [], prefs = null }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormwatch-chromium-'));
    if (prefs) {
      fs.mkdirSync(path.join(dir, 'Default'));
      fs.writeFileSync(path.join(dir, 'Default', 'Preferences'), JSON.stringify(prefs));
    }
    const args = [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--no-default-browser-check',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage', '--window-size=1280,900', `--user-data-dir=${dir}`,
      '--remote-debugging-pipe',
    ];
    if (headless) args.push('--headless=new');
    if (extensionDir) args.push(`--load-extension=${extensionDir}`, `--disable-extensions-except=${extensionDir}`);
    if (devtools) args.push('--auto-open-devtools-for-tabs');
    args.push(...extra);
    args.push('about:blank');
    const proc = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    const b = new Browser(proc, dir);
    await b.send('Target.setDiscoverTargets', { discover: true });
    return b;
  }

  dispatch(msg) {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
      else p.resolve(msg.result);
      return;
    }
    for (const l of this.listeners) l(msg);
  }

  send(method, params = {}, sessionId) {
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      // A command Chromium never answers (an evaluate in a context that went away
      // mid-call) rejects instead of hanging the suite; `until` then asks again.
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) reject(new Error(`${method}: no answer in ${SEND_TIMEOUT_MS / 1000} s`));
      }, SEND_TIMEOUT_MS);
      const done = (f) => (v) => { clearTimeout(timer); f(v); };
      this.pending.set(id, { resolve: done(resolve), reject: done(reject), method });
      this.writer.write(JSON.stringify(msg) + '\0');
    });
  }

  /** Waits for an event matching `pred` (method name and optional check). */
  waitFor(method, pred = () => true, timeout = 15000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.listeners.delete(l); reject(new Error(`timed out waiting for ${method}`)); }, timeout);
      const l = (msg) => {
        if (msg.method === method && pred(msg)) {
          clearTimeout(timer);
          this.listeners.delete(l);
          resolve(msg);
        }
      };
      this.listeners.add(l);
    });
  }

  async targets() {
    return (await this.send('Target.getTargets')).targetInfos;
  }

  async attach(targetId) {
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    return new Session(this, sessionId, targetId);
  }

  async close() {
    try { await Promise.race([this.send('Browser.close'), sleep(2000)]); } catch (_) { /* already gone */ }
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
    try { fs.rmSync(this.dir, { recursive: true, force: true }); } catch (_) { /* a straggling child still writing */ }
  }
}

export class Session {
  constructor(browser, id, targetId) {
    this.browser = browser;
    this.id = id;
    this.targetId = targetId;
  }

  send(method, params) {
    return this.browser.send(method, params, this.id);
  }

  /** Evaluates an expression (awaiting promises) and returns its value. */
  async eval(expression) {
    const r = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(`eval failed: ${(d.exception && d.exception.description) || d.text}`);
    }
    return r.result.value;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` until it returns a truthy value or the time runs out. */
export async function until(fn, { timeout = 10000, every = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(every);
  }
}
