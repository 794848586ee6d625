// Builds dist/viewer.html: the Stormwatch panel as one self-contained page (its
// wasm inlined as base64, its script and styles inline) that opens from disk with
// no extension and no server, to import a saved report or HAR file and look at it
// exactly as in DevTools. Run by scripts/build.sh after the panel is built.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const ext = path.join(root, 'dist', 'extension');
// wasm-bindgen's inline JavaScript modules (`dist/extension/snippets/`) cannot be
// fetched from a page opened from disk: each import becomes a data: URL of its module.
const glue = fs.readFileSync(path.join(ext, 'stormwatch.js'), 'utf8').replace(
  /from\s*(["'])(\.\/snippets\/[^"']+)\1/g,
  (_, quote, rel) => `from ${quote}data:text/javascript;base64,${fs.readFileSync(path.join(ext, rel)).toString('base64')}${quote}`,
);
const wasm = fs.readFileSync(path.join(ext, 'stormwatch_bg.wasm')).toString('base64');
const css = fs.readFileSync(path.join(root, 'static', 'panel.css'), 'utf8');
if (glue.includes('</script') || css.includes('</style')) throw new Error('cannot inline: a closing tag in the source');

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Stormwatch viewer</title>
<style>${css}</style>
</head>
<body>
<script type="module">
${glue}
const bytes = Uint8Array.from(atob('${wasm}'), (c) => c.charCodeAt(0));
__wbg_init({ module_or_path: bytes }).catch((error) => {
  const p = document.createElement('p');
  p.id = 'fatal';
  p.textContent = 'Stormwatch could not start: ' + error;
  document.body.prepend(p);
});
</script>
</body>
</html>
`;
fs.writeFileSync(path.join(root, 'dist', 'viewer.html'), html);
console.log(`build: dist/viewer.html (${Math.round(html.length / 1024)} KB, opens from disk)`);
