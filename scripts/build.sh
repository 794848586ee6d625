#!/usr/bin/env bash
# Builds dist/extension/, the unpacked MV3 extension Chrome loads as is, and the
# release CLI. Installs missing tools first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh "$@"

OUT=dist/extension
echo "build: wasm panel (profile wasm: optimized for size)"
cargo build --profile wasm --lib --target wasm32-unknown-unknown
rm -rf "$OUT"
mkdir -p "$OUT"
wasm-bindgen --target web --no-typescript --out-dir "$OUT" --out-name stormwatch \
  target/wasm32-unknown-unknown/wasm/stormwatch.wasm
echo "build: wasm-opt"
# Two -Oz passes: the second finds 1 KB (brotli) more after the first's inlining;
# --converge finds as much and takes longer, --gufa makes it larger.
# --low-memory-unused (1.8 KB brotli): constant offsets fold into loads and stores.
# It is sound here: rustc's wasm32 layout puts the 1 MB stack first and the data
# after it, so the low 1 KB is the stack's deepest end, reached by no pointer that
# wraps around 4 GB, which is the only case the folded access reads differently.
node_modules/.bin/wasm-opt -Oz -Oz --low-memory-unused --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$OUT/stormwatch_bg.wasm" -o "$OUT/stormwatch_bg.wasm"
cp extension/manifest.json extension/hook.js extension/react.js extension/relay.js extension/background.js \
  extension/devtools.html extension/devtools.js "$OUT/"
cp static/panel.html static/panel.css static/panel.js static/icon.png "$OUT/"
node scripts/build-viewer.mjs
# Minify wasm-bindgen's glue for the extension (7.8 -> 6.0 KB brotli). After the
# viewer is built: the viewer inlines the glue and calls its `__wbg_init` by name,
# which minifying renames; the module's exports keep their names.
node_modules/.bin/esbuild "$OUT/stormwatch.js" --minify --format=esm --log-level=warning \
  --outfile="$OUT/stormwatch.js" --allow-overwrite
# The same for its inline JavaScript modules (src/ui/network.rs's: 1.6 -> 1.0 KB
# brotli); their exports, which the glue imports by name, keep their names.
for snippet in "$OUT"/snippets/*/*.js; do
  [ -f "$snippet" ] || continue
  node_modules/.bin/esbuild "$snippet" --minify --format=esm --log-level=warning \
    --outfile="$snippet" --allow-overwrite
done

echo "build: React demo and test pages"
node scripts/build-react.mjs

echo "build: CLI (release: optimized for speed)"
cargo build --release --bin stormwatch
echo "build: done: $OUT, target/release/stormwatch"
# What opening the panel costs: its wasm plus JavaScript, raw, gzip and brotli.
node scripts/panel-size.mjs "$OUT"
