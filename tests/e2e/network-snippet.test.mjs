// The panel's JavaScript side of DevTools' network log (the inline module of
// src/ui/network.rs), run in Node on DevTools-shaped entries: what it hands the
// wasm for the entries it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const source = fs.readFileSync(path.join(root, 'src', 'ui', 'network.rs'), 'utf8');
const from = source.indexOf('inline_js = r#"') + 'inline_js = r#"'.length;
const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stormwatch-')), 'network.mjs');
fs.writeFileSync(file, source.slice(from, source.indexOf('"#)]', from)));
const snippet = await import(pathToFileURL(file));

const entry = (url, body) => ({
  startedDateTime: '2026-12-01T00:00:00.000Z', time: 5, _resourceType: 'fetch',
  request: { method: 'POST', url, headers: [], postData: body === undefined ? undefined : { mimeType: 'text/plain', text: body } },
  response: { status: 200, headers: [], content: { size: 2, mimeType: 'application/json' } },
});
const urlOf = (e) => snippet.heads_of([e]).split('\n')[1];

test('a head carries a long URL cut, with a hash of the rest, so it still tells entries apart', () => {
  const short = 'http://h/api/items?page=1';
  assert.equal(urlOf(entry(short)), short);
  const long = (end) => `http://h/api/x?junk=${'x'.repeat(100 * 1024)}${end}`;
  const a = urlOf(entry(long('a')));
  const b = urlOf(entry(long('b')));
  assert.ok(a.length < 2100, `${a.length} characters`);
  assert.ok(a.startsWith('http://h/api/x?junk=xxx'));
  assert.notEqual(a, b);
  assert.equal(a, urlOf(entry(long('a'))));
});

test('a request body too long to hash is left out of the entry the wasm reads', () => {
  const big = 'b'.repeat(256 * 1024 + 1);
  const read = (e) => JSON.parse(snippet.entry_json(e)).request.postData;
  assert.deepEqual(read(entry('http://h/up', big)), {});
  assert.deepEqual(read(entry('http://h/up', 'small')), { mimeType: 'text/plain', text: 'small' });
  assert.equal(read(entry('http://h/up')), undefined);
});
