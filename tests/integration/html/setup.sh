#!/usr/bin/env bash
# Installs what the HTML report's browser test drives Chromium with: playwright-core
# from the npm registry into DIR (default: build/tools/html), never a browser
# download (Chromium comes from Debian: scripts/deps.sh).  Does nothing when it is
# already there.  Exit status: 0 ready, 1 could not install (npm missing or failed).
#
#   setup.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
dir="${1:-$here/build/tools/html}"
if [ -f "$dir/node_modules/playwright-core/package.json" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "html setup: npm is not installed (scripts/deps.sh installs it)" >&2
  exit 1
fi
mkdir -p "$dir"
echo "html setup: installing playwright-core@1 into $dir" >&2
# PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: the package must not fetch a browser of its own.
if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$dir" --no-audit --no-fund \
      --loglevel=error playwright-core@1 >&2; then
  echo "html setup: npm install playwright-core@1 failed" >&2
  exit 1
fi
