#!/usr/bin/env bash
# make demo: real modules, pulled from the local registry, run through e.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO=build/demo
export E_SHARED=$PWD/$DEMO/shared
export NO_COLOR=${NO_COLOR:-}
rm -rf "$DEMO"
mkdir -p "$E_SHARED"

e() {
  printf '\n\033[1m$ e %s\033[0m\n' "$*"
  node packages/cli/bin/e.js "$@"
}

echo "Demo shared directory: $DEMO/shared"
e --version
e module init hello
e module init hello --platform linux/arm64
