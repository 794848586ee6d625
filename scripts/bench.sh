#!/usr/bin/env bash
# Benchmarks that print figures (not timed tests): the engine's throughput against
# a JSON-parse reference, the page hook's cost against a browser without it, a busy
# page's time with the panel shown against DevTools alone, the CLI over a
# generated 200,000-entry HAR beside Node's JSON.parse of it, and the panel's
# memory (wasm plus JS heap) over repeated 20,000-request floods.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --browser >/dev/null
cargo run --quiet --release --example bench_engine
node scripts/bench-hook.mjs
node scripts/bench-page.mjs
node scripts/bench-react.mjs
node scripts/bench-har.mjs
node scripts/bench-panel.mjs
node scripts/bench-panel-memory.mjs
