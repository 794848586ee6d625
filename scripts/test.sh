#!/usr/bin/env bash
# Runs every test: the engine's native tests, the CLI over HAR fixtures, the panel
# UI in headless Chromium (wasm-bindgen-test), and the end-to-end suite with the
# real extension in a real DevTools window. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh --browser

echo "test: engine, CLI and fixtures (native)"
cargo test --quiet

echo "test: panel UI in headless Chromium (wasm-bindgen-test)"
# The runner gives the whole suite 20 s by default; on a loaded 2-core machine
# (a CI run beside other builds) it once took longer and failed on the deadline.
WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-180}" \
  cargo test --target wasm32-unknown-unknown --test ui_wasm

echo "test: end to end in Chromium with DevTools open"
node --test --test-concurrency=1 --test-timeout=300000 tests/e2e/
