// Regenerates the real-browser HAR fixtures in tests/fixtures/har/ from the demo
// app: DevTools' own getHAR() in the Stormwatch panel, exactly what a user's
// "Save all as HAR" would hold. Run: node tests/e2e/capture-har.mjs (after a build).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from '../../scripts/demo-server.mjs';
import { Browser, Inspected, EXTENSION_DIR, sleep } from './devtools.mjs';

const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'har');
fs.mkdirSync(out, { recursive: true });
const { server, origin } = await startDemoServer();
const browser = await Browser.launch({ extensionDir: EXTENSION_DIR });
const har = (tab) => tab.panel.eval(`new Promise((r) => chrome.devtools.network.getHAR((h) => r(JSON.stringify({ log: h }, null, 1))))`);
try {
  const tab = await Inspected.open(browser, `${origin}/index.html`);
  const scenes = [
    ['duplicates', async () => { await tab.click('#load-profile'); await sleep(800); }],
    ['polling', async () => { await tab.click('#start-polling'); await sleep(6300); await tab.click('#stop-polling'); }],
    ['nplusone', async () => { await tab.click('#go'); await sleep(600); }],
    ['waterfall', async () => { await tab.click('#go'); await sleep(900); }],
    ['errors', async () => { await tab.click('#go'); await sleep(500); }],
    ['slow', async () => { await tab.click('#go'); await sleep(1700); }],
    ['payload', async () => { await tab.click('#go'); await sleep(900); }],
    ['bundle', async () => { await sleep(300); }],
    ['clean', async () => { for (const w of [600, 1500, 300]) { await tab.click('#next-page'); await tab.click('#search'); await sleep(w); } }],
  ];
  for (const [name, play] of scenes) {
    await tab.navigate(`${origin}/${name}.html`);
    await sleep(300);
    await play();
    await sleep(300);
    fs.writeFileSync(path.join(out, `chrome-${name}.har`), (await har(tab)).replaceAll(origin, 'http://127.0.0.1:8477'));
    console.log(`wrote chrome-${name}.har`);
  }
} finally {
  await browser.close();
  server.close();
}
