// Opens the Stormwatch panel in a real DevTools window and gives sessions on the
// inspected page and on the panel. The DevTools frontend module paths used here
// are internal to DevTools and may move in a later Chromium: they live only here.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Browser, until, sleep } from './cdp.mjs';
import { startDemoServer } from '../../scripts/demo-server.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXTENSION_DIR = path.join(root, 'dist', 'extension');
export const EXTENSION_ID = fs.readFileSync(path.join(root, 'extension', 'EXTENSION_ID'), 'utf8').trim();
export const PANEL_URL = `chrome-extension://${EXTENSION_ID}/panel.html`;

const INSPECTED_URL = `(async () => (await import('./core/sdk/sdk.js')).TargetManager.TargetManager.instance().primaryPageTarget()?.inspectedURL())()`;
const SHOW_PANEL = `(async () => {
  const UI = await import('./ui/legacy/legacy.js');
  const view = UI.InspectorView.InspectorView.instance();
  const id = view.tabbedPane.tabIds().find((t) => t.startsWith('chrome-extension://${EXTENSION_ID}'));
  if (!id) return null;
  await view.showPanel(id);
  return id;
})()`;

/** How long one DevTools window gets to answer before the others are asked. */
const ANSWER_MS = 2000;

/** The promise's value, or null if it fails or takes longer than `ms`. */
function within(ms, promise) {
  promise.catch(() => {});
  return Promise.race([promise.catch(() => null), sleep(ms).then(() => null)]);
}

/** A tab with DevTools open on it and the Stormwatch panel shown. */
export class Inspected {
  static async open(browser, url, { newWindow = false, showPanel = true } = {}) {
    let pageTarget;
    if (newWindow) {
      const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank', newWindow: true });
      pageTarget = targetId;
    } else {
      const blank = await until(async () => (await browser.targets()).find((t) => t.type === 'page' && t.url === 'about:blank'), { what: 'the first tab' });
      pageTarget = blank.targetId;
    }
    const page = await browser.attach(pageTarget);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    const me = new Inspected(browser, page);
    await me.navigate(url);
    me.devtools = await me.findDevtools(url);
    if (showPanel) await me.showPanel();
    return me;
  }

  constructor(browser, page) {
    this.browser = browser;
    this.page = page;
  }

  /** Navigates and waits until the panel shows that page (its session starts over). */
  async visit(url) {
    await this.navigate(url);
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    await until(async () => (await this.report()).page.url.endsWith(path), { what: `the panel on ${path}` });
  }

  async navigate(url) {
    const loaded = this.browser.waitFor('Page.loadEventFired', (m) => m.sessionId === this.page.id);
    await this.page.send('Page.navigate', { url });
    await loaded;
  }

  async findDevtools(url) {
    const seen = new Map();
    return until(async () => {
      for (const t of await this.browser.targets()) {
        if (t.type !== 'page' || !t.url.startsWith('devtools://')) continue;
        // A DevTools window still starting (or one left by a closed tab) may not
        // answer for a long while: give each a moment and ask again next round.
        if (!seen.has(t.targetId)) {
          const s = await within(ANSWER_MS, this.browser.attach(t.targetId));
          if (!s) continue;
          seen.set(t.targetId, s);
        }
        const s = seen.get(t.targetId);
        const inspected = await within(ANSWER_MS, s.eval(INSPECTED_URL));
        if (inspected && inspected.split('#')[0] === url.split('#')[0]) return s;
      }
      return null;
    }, { timeout: 20000, every: 200, what: `DevTools for ${url}` });
  }

  async showPanel() {
    await until(() => this.devtools.eval(SHOW_PANEL), { timeout: 20000, every: 200, what: 'the Stormwatch panel in DevTools' });
    const sessions = new Map();
    this.panel = await until(async () => {
      for (const t of await this.browser.targets()) {
        if (t.url !== PANEL_URL) continue;
        if (!sessions.has(t.targetId)) {
          const s = await within(ANSWER_MS, this.browser.attach(t.targetId));
          if (!s) continue;
          sessions.set(t.targetId, s);
        }
        const s = sessions.get(t.targetId);
        // Two inspected tabs have two panels: take the one inspecting our page.
        const href = await within(ANSWER_MS, s.eval(`new Promise((r) => chrome.devtools.inspectedWindow.eval('location.href', (v) => r(v)))`));
        const mine = await this.page.eval('location.href');
        if (href && href === mine) return s;
      }
      return null;
    }, { timeout: 20000, every: 200, what: 'the panel frame' });
  }

  /** The panel's report without its event log (cheap to poll). */
  report() {
    return this.panel.eval('window.stormwatch.summary()');
  }

  /** The full report, as Export saves it. */
  fullReport() {
    return this.panel.eval('window.stormwatch.report()');
  }

  /** What the panel saw of requests and navigations, in order, one line each: for a
   *  failing near miss, to tell a real finding from a race in how the halves met. */
  async requestLog() {
    const full = await this.fullReport();
    const t0 = full.page && full.page.time_origin ? full.page.time_origin : 0;
    return (full.events || []).filter((e) => ['page', 'request_start', 'request_end', 'network', 'focus'].includes(e.type))
      .map((e) => `${e.type} ${e.method || ''} ${e.url || ''} id=${e.id ?? ''} t=${e.t}${t0 ? ` (+${Math.round(e.t - t0)})` : ''}${e.initiator ? ` from ${String(e.initiator).slice(0, 80)}` : ''}`)
      .concat([`stats ${JSON.stringify(full.stats)}`]).join('\n');
  }

  click(selector) {
    return this.page.eval(`document.querySelector(${JSON.stringify(selector)}).click()`);
  }

  /** Waits until the panel's report has a finding matching `pred`; returns it and the wait. */
  async waitForFinding(pred, { timeout = 10000, what = 'a finding' } = {}) {
    const t0 = Date.now();
    const finding = await until(async () => (await this.report()).findings.find(pred), { timeout, every: 25, what });
    return { finding, ms: Date.now() - t0 };
  }

  async screenshot(file) {
    const { data } = await this.devtools.send('Page.captureScreenshot', { format: 'png' });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
  }
}

export { Browser, until, sleep };

/** Chromium without DevTools (and without the extension unless given) on `url`,
 *  loaded: { browser, page }. For "with and without" comparisons and the viewer. */
export async function openPlain(url, { extensionDir = null } = {}) {
  const browser = await Browser.launch({ extensionDir, devtools: false });
  const { targetId } = (await browser.targets()).find((t) => t.type === 'page');
  const page = await browser.attach(targetId);
  await page.send('Page.enable');
  const loaded = browser.waitFor('Page.loadEventFired', (m) => m.sessionId === page.id);
  await page.send('Page.navigate', { url });
  await loaded;
  return { browser, page };
}

/** The demo app, Chromium with the extension, and a tab on `page` with the panel shown. */
export async function openDemo(page) {
  const demo = await startDemoServer();
  const browser = await Browser.launch({ extensionDir: EXTENSION_DIR });
  const tab = await Inspected.open(browser, `${demo.origin}/${page}`);
  return {
    demo,
    browser,
    tab,
    async close() {
      await browser.close();
      demo.server.close();
    },
  };
}
