#!/usr/bin/env bash
# Installs the SARIF multitool the SARIF test validates reports with
# (@microsoft/sarif-multitool from the npm registry: a self-contained .NET program,
# shipped per platform as @microsoft/sarif-multitool-linux) into DIR (default:
# build/tools/sarif), then checks that it runs here.  Does nothing when it is
# already there and runs.  Prints the program's path on stdout.
# Exit status: 0 ready, 1 could not install or it does not run (npm missing, no
# network, a platform the package does not cover).
#
#   setup.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/../../.." && pwd)"
dir="${1:-$here/build/tools/sarif}"
version=5.7.0
# The npm wrapper (bin.js) runs the program through a shell, which splits the
# "Gh;Sarif" rule list at the ';': the test runs the platform program directly.
tool="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
# .NET needs libicu unless told to do without; the multitool needs no culture data.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

runs() {
  local v
  [ -x "$tool" ] && v=$("$tool" --version 2>&1) && [[ $v == *"SARIF Multitool"* ]]
}

if runs; then
  echo "$tool"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "sarif setup: npm is not installed (scripts/deps.sh installs it)" >&2
  exit 1
fi
mkdir -p "$dir"
echo "sarif setup: installing @microsoft/sarif-multitool@$version into $dir" >&2
if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
      "@microsoft/sarif-multitool@$version" >&2; then
  echo "sarif setup: npm install @microsoft/sarif-multitool@$version failed" >&2
  exit 1
fi
if [ ! -e "$tool" ]; then
  echo "sarif setup: no $tool after the install (the package has no build for $(uname -sm)?)" >&2
  exit 1
fi
chmod +x "$tool" 2>/dev/null || true
if ! runs; then
  echo "sarif setup: $tool does not run here:" >&2
  "$tool" --version >&2 || true
  exit 1
fi
echo "$tool"
