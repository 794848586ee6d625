#!/usr/bin/env bash
# Builds everything and runs the Stormwatch panel live against the demo app.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --browser
exec node scripts/demo.mjs
