// Regenerates tests/fixtures/har/corpus-*.har from the corpus pages
// (static/demo/corpus/): DevTools' own getHAR() in the Stormwatch panel, as a
// user's "Save all as HAR" would hold it. tests/cli_corpus.rs reads them.
// Run: node tests/e2e/capture-corpus-har.mjs (after scripts/build.sh --browser).
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
const inPage = (tab, js) => tab.page.eval(`new Promise((done) => { ${js} })`);
try {
  const tab = await Inspected.open(browser, `${origin}/index.html`);
  const scenes = [
    ['cursor-poll', async () => { await sleep(6000); await tab.click('#stop'); }],
    ['cursor-pages', () => inPage(tab, `const waits = [700, 1500, 400, 1100, 900, 2000, 600, 1300]; let i = 0;
      (function click() { if (i === waits.length) return done(); document.getElementById('next').click(); setTimeout(click, waits[i++]); })();`)],
    ['graphql-poll', async () => {
      await inPage(tab, `const waits = [350, 1200, 500, 900, 1700]; let i = 0;
        (function click() { if (i === waits.length) return done(); document.getElementById('search').click(); setTimeout(click, waits[i++]); })();`);
      await tab.click('#stop');
    }],
    ['search-typing', () => inPage(tab, `const q = document.getElementById('q'); const word = 'blue widgets'; const waits = [180, 320, 260, 410, 150, 300, 520, 240, 350, 280, 610, 200]; let i = 0;
      (function key() { if (i === word.length) return done(); q.value = word.slice(0, i + 1); q.dispatchEvent(new Event('input')); setTimeout(key, waits[i++]); })();`)],
    ['products', async () => { await tab.click('#load'); await sleep(600); }],
    ['dashboard', async () => { await sleep(400); await tab.click('#reload'); await sleep(600); }],
    ['document', async () => { await sleep(600); await tab.click('#read'); await sleep(800); }],
  ];
  for (const [name, play] of scenes) {
    await tab.navigate(`${origin}/corpus/${name}.html`);
    await sleep(200);
    await play();
    await sleep(400);
    fs.writeFileSync(path.join(out, `corpus-${name}.har`), (await har(tab)).replaceAll(origin, 'http://127.0.0.1:8477'));
    console.log(`wrote corpus-${name}.har`);
  }
} finally {
  await browser.close();
  server.close();
}
