// The standalone viewer (dist/viewer.html): opened from disk in Chromium without
// the extension, it imports a saved report or a HAR file and shows it like the panel.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { until, openPlain } from './devtools.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let browser;
let page;

before(async () => {
  ({ browser, page } = await openPlain(`file://${path.join(root, 'dist', 'viewer.html')}`));
});

after(async () => {
  if (browser) await browser.close();
});

async function importFile(file) {
  const { root: doc } = await page.send('DOM.getDocument', {});
  const { nodeId } = await page.send('DOM.querySelector', { nodeId: doc.nodeId, selector: '#import-file' });
  await page.send('DOM.setFileInputFiles', { nodeId, files: [file] });
}

test('the viewer opens from disk with no extension and says what it is for', async () => {
  const status = await until(async () => {
    const text = await page.eval(`document.querySelector('.status .state')?.textContent || ''`);
    return text.startsWith('Not inside DevTools') && text;
  }, { what: 'the viewer status' });
  assert.match(status, /import a saved report or HAR file/);
});

test('a saved React session shows its findings and components', async () => {
  await importFile(path.join(root, 'tests', 'fixtures', 'reports', 'react-storm.json'));
  const cards = await until(() => page.eval(`document.querySelectorAll('.finding').length >= 3 && [...document.querySelectorAll('.finding')].map((c) => c.dataset.detector)`), { what: 'finding cards' });
  assert.deepEqual(cards.slice().sort(), ['long-task', 'rerender-storm', 'unnecessary-render']);
  await page.eval(`document.getElementById('tab-components').click()`);
  const rows = await until(() => page.eval(`document.querySelectorAll('tr.component').length === 3 && [...document.querySelectorAll('tr.component')].map((r) => r.dataset.component)`), { what: 'component rows' });
  assert.deepEqual(rows.slice().sort(), ['Row', 'Status', 'Ticker']);
  await page.eval(`document.getElementById('tab-findings').click()`);
});

test('a Chrome HAR file shows its network findings', async () => {
  await importFile(path.join(root, 'tests', 'fixtures', 'har', 'chrome-polling.har'));
  const summary = await until(async () => {
    const s = await page.eval('window.stormwatch.summary()');
    return s.findings.some((f) => f.detector === 'polling-loop') && s;
  }, { what: 'the polling finding' });
  assert.ok(summary.stats.requests >= 4);
  await until(() => page.eval(`document.querySelectorAll('.finding[data-detector="polling-loop"]').length === 1`), { what: 'the polling card' });
});
