// Prints what opening the panel downloads and compiles: its wasm plus its JavaScript
// (wasm-bindgen's glue, its inline snippets and panel.js), raw, gzip and brotli (best settings, as a store
// or a server would compress them). `--json` prints the figures as JSON instead.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv.find((a) => !a.startsWith('--') && a !== process.argv[0] && a !== process.argv[1]) || path.join(root, 'dist', 'extension');
const FILES = ['stormwatch_bg.wasm', 'stormwatch.js', 'panel.js'];

// wasm-bindgen's inline JavaScript modules, which the glue imports.
function snippets(extensionDir) {
  const base = path.join(extensionDir, 'snippets');
  if (!fs.existsSync(base)) return [];
  return fs.readdirSync(base, { recursive: true })
    .map((rel) => path.join('snippets', rel))
    .filter((rel) => rel.endsWith('.js') && fs.statSync(path.join(extensionDir, rel)).isFile())
    .sort();
}

export function panelSize(extensionDir = dir) {
  const files = [...FILES, ...snippets(extensionDir)].map((name) => {
    const bytes = fs.readFileSync(path.join(extensionDir, name));
    return {
      name,
      raw: bytes.length,
      gzip: zlib.gzipSync(bytes, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }).length,
    };
  });
  const total = { name: 'total', raw: 0, gzip: 0, brotli: 0 };
  for (const f of files) for (const k of ['raw', 'gzip', 'brotli']) total[k] += f[k];
  return { files, total };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const size = panelSize();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(size));
  } else {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    for (const f of [...size.files, size.total]) {
      console.log(`size: ${f.name.padEnd(18)} ${String(f.raw).padStart(9)} B raw (${kb(f.raw)}), ${kb(f.gzip)} gzip, ${kb(f.brotli)} brotli`);
    }
  }
}
