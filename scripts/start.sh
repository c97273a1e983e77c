#!/usr/bin/env bash
# `npm start`: the whole demo in one command — prerequisites, the local stack, and a deploy of
# examples/hello — ending with the URL that serves it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh
bin/slipway local up
bin/slipway deploy examples/hello --app hello
echo
echo "Open the url above. Edit examples/hello/content/index.html and run: npx slipway deploy examples/hello --app hello"
echo "Stop everything with: npx slipway local down"
