#!/usr/bin/env bash
# Benchmarks that print figures (not timed tests): the engine's throughput against
# a JSON-parse reference, and the page hook's cost against a browser without it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --browser >/dev/null
cargo run --quiet --release --example bench_engine
node scripts/bench-hook.mjs
node scripts/bench-react.mjs
node scripts/bench-panel.mjs
