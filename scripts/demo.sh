#!/usr/bin/env bash
# make demo: real modules, pulled from the local registry for this engine's platform, run through e.
# 1. hello on linux/amd64 and linux/arm64 (under qemu)
# 2. the design's walk-through: azi applies five nodes, a person edits one node's IPs by hand,
#    kafka's init picks the edited IPs and its apply marks those nodes usedBy: kafka; kafka
#    influences monitoring, which is flagged and planned, never applied behind your back.
# 3. the design's PostgreSQL story on a second site: install fails naming what is missing, then
#    --with-deps installs kubernetes, rook and postgresql in order.
# 4. an air-gapped site: e export of hello and azi into one archive (both platforms), e import
#    checks it and loads the engine's platform into the engine, then hello installs from it
#    (test/offline-archive.test.ts does the same with the registry stopped, and into a registry).
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO=build/demo
export E_SHARED=$PWD/$DEMO/shared
rm -rf "$DEMO"
mkdir -p "$E_SHARED"

bold() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
e() {
  printf '\n'
  bold "\$ e $*"
  node packages/cli/bin/e.js "$@"
}
show() {
  printf '\n'
  bold "\$ cat $DEMO/shared/$1"
  cat "$E_SHARED/$1"
}
section() { printf '\n'; bold "=== $* ==="; }

echo "The demo's shared directory is $DEMO/shared (e -s DIR or E_SHARED choose it)."
e --version
e repo list

section "1. hello, on the engine's platform and on linux/arm64"
e module init hello
e module init hello --platform linux/arm64

section "2. the design's walk-through"
e module init azi
e apply azi -y
show state.yml
e module install monitoring -y

section "a person changes node 1's IPs by hand in state.yml"
sed -i -E 's/(privateIP: 10\.0\.0\.)1$/\1100/; s/(publicIP: 213\.1\.1\.)1$/\1100/' "$E_SHARED/state.yml"
e state show azi

e module init kafka
show kafka-config.yml
e plan kafka
e apply kafka -y
e state show
e audit kafka
e status
e plan monitoring
e apply monitoring -y
e state history

section "3. the PostgreSQL story, on a second site (shared directory $DEMO/site2)"
export E_SHARED=$PWD/$DEMO/site2
mkdir -p "$E_SHARED"
e module install awsi -y
e module install postgresql || echo "(exit code $?: nothing was run)"
e module install postgresql --with-deps --dry-run
e module install postgresql --with-deps -y
e status
e graph

section "4. an air-gapped site: one archive, checked and loaded into the engine, then installed"
e export "$DEMO/site.tar" hello azi --without-cli
e import "$DEMO/site.tar" --repository-out "$DEMO/site.yml" --out "$DEMO/site-files"
export E_SHARED=$PWD/$DEMO/site3
mkdir -p "$E_SHARED"
e -r "$DEMO/site.yml" module install hello -y
