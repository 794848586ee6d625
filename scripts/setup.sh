#!/usr/bin/env bash
# Installs what building and testing need and a fresh machine lacks: the wasm32
# target, wasm-bindgen-cli at the pinned version, npm packages, and (for tests and
# the demo) Debian's chromium and chromium-driver. Each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  echo "setup: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes about 3 minutes)"
  # No --locked: it fails here on a lock entry the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# npm records what it installed in node_modules/.package-lock.json; reinstall
# when package-lock.json is newer (a package was added or bumped). A node_modules
# that is a symlink belongs to another checkout (a git worktree sharing it): `npm ci`
# would empty that checkout's packages through the link, so it is left alone.
if [ -L node_modules ]; then
  echo "setup: node_modules is a link to $(readlink node_modules); not reinstalling it here"
elif [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages (wasm-opt, esbuild, React 17/18/19, react-devtools-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--browser" ]; then
  if [ ! -x /usr/lib/chromium/chromium ] || ! command -v chromedriver >/dev/null; then
    echo "setup: installing chromium and chromium-driver from Debian"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi
