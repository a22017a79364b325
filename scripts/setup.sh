#!/usr/bin/env bash
# make setup: everything `e` needs to run real modules on this machine, idempotently.
#   1. npm dependencies (npm ci, from the lock file) and the TypeScript build
#   2. a Docker engine (uses the one that answers; on Debian as root installs and starts dockerd)
#   3. qemu-aarch64 in binfmt_misc, so linux/arm64 images run
#   4. a local OCI registry on 127.0.0.1:5000
#   5. the Debian + Node.js base images for linux/amd64 and linux/arm64
#   6. every module image (modules/, test/modules/) for both platforms, pushed with a multi-arch index
#   7. zsh and fish, for the completion tests
# Each step says what it did and how long it took. Nothing is rebuilt when nothing changed.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TESTBED="$ROOT/.e-testbed"
REGISTRY_ADDR=127.0.0.1:5000
mkdir -p "$TESTBED"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
seconds_since() { local ms=$(($(now_ms) - $1)); printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)); }
total_start=$(now_ms)
step_start=0
step() { step_start=$(now_ms); printf '==> %s\n' "$*"; }
done_step() { printf '    %s (%s)\n' "$*" "$(seconds_since "$step_start")"; }
fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

is_debian_root() { [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; }

apt_updated=false
apt_install() {
  local missing=()
  # installed, not merely known: a removed package keeps its configuration and dpkg -s still finds it
  for pkg in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  is_debian_root || fail "missing Debian packages: ${missing[*]}; install them (apt-get install ${missing[*]}) or run setup as root"
  echo "    installing ${missing[*]} (apt-get)"
  if [ "$apt_updated" = false ]; then apt-get update -qq >/dev/null; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$TESTBED/apt.log" 2>&1 ||
    fail "apt-get install ${missing[*]} failed; see $TESTBED/apt.log"
}

engine_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# --- 1. npm dependencies and build -------------------------------------------------------------
step "npm dependencies and TypeScript build"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ package.json -nt node_modules/.package-lock.json ]; then
  # npm ci installs exactly what the lock file says; it records every platform's optional packages
  # (biome and esbuild binaries), so it works on any machine (scripts/package-lock.test.ts)
  if [ -f package-lock.json ]; then how=ci; else how=install; fi
  npm "$how" --no-audit --no-fund --loglevel=error >"$TESTBED/npm.log" 2>&1 || {
    cat "$TESTBED/npm.log" >&2
    fail "npm $how failed (see above); if package.json changed, npm install updates package-lock.json"
  }
  echo "    installed npm dependencies (npm $how)"
fi
node_modules/.bin/tsc -b || fail "the TypeScript build failed (see above)"
# e's own code with commander in three CommonJS files (e.cjs, e-read.cjs, e-run.cjs:
# scripts/bundle-cli.mjs), and V8's code cache of each (e starts much faster: docs/runtime.md);
# bin/e.js uses them while newer than the build.
BUNDLES=packages/cli/dist/bundle
rm -rf "$BUNDLES"
node scripts/bundle-cli.mjs || fail "bundling the CLI failed (see above)"
CACHE_SHARED="$TESTBED/code-cache-shared"
rm -rf "$CACHE_SHARED" && mkdir -p "$CACHE_SHARED"
# a state with an installed module, so `status` compiles the state's YAML parsing into the cache too
printf 'hello:\n  greeting: hello\ne:\n  installed:\n    hello:\n      version: 0.1.0\n      labels: {kind: example}\n      status: applied\n      installedAt: 2026-01-01T00:00:00.000Z\n      updatedAt: 2026-01-01T00:00:00.000Z\n      needsPlan: false\n' >"$CACHE_SHARED/state.yml"
# the repository in a cache of read repositories of its own, empty at first: e.cjs, whose cache is
# made first, reads and checks the file (that code goes into its cache) and keeps it (the copy is
# old enough to be kept); e-read.cjs and e-run.cjs then take it from there, as they mostly do in
# use, so their caches hold no code that only reads and checks a repository file
cp repository.yml "$CACHE_SHARED/repository.yml" && touch -d '1 hour ago' "$CACHE_SHARED/repository.yml"
# (what the commands print goes through a pipe, as in most use: e writes to one itself, output.ts)
for BUNDLE in "$BUNDLES/e.cjs" "$BUNDLES/e-read.cjs" "$BUNDLES/e-run.cjs"; do
  XDG_CACHE_HOME="$CACHE_SHARED/cache" node packages/cli/bin/bundle-loader.js --write-cache "$BUNDLE" \
    "$CACHE_SHARED/repository.yml" "$CACHE_SHARED" | cat >/dev/null ||
    fail "making the code cache of the CLI failed (see above)"
done
rm -rf "$CACHE_SHARED"
# dockerode and yaml bundled beside it, each with its code cache (e loads them from there while they are fresh)
node scripts/bundle-dockerode.mjs || fail "bundling dockerode failed (see above)"
node scripts/bundle-yaml.mjs || fail "bundling yaml failed (see above)"
done_step "built"

# --- 2. Docker engine --------------------------------------------------------------------------
step "Docker engine"
command -v docker >/dev/null 2>&1 || apt_install docker.io
if engine_answers; then
  done_step "using the engine that answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null), ${DOCKER_HOST:-local socket})"
else
  [ -z "${DOCKER_HOST:-}" ] || fail "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST; start it or unset DOCKER_HOST"
  is_debian_root || fail "no Docker engine answers and this is not Debian as root, so setup cannot start one; start Docker and run again"
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  apt_install iptables
  # a dockerd killed without cleanup leaves its pid file behind and refuses to start
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then rm -f /var/run/docker.pid; fi
  if [ -f /run/containerd/containerd.pid ] && ! kill -0 "$(cat /run/containerd/containerd.pid)" 2>/dev/null; then
    rm -f /run/containerd/containerd.pid
  fi
  echo "    starting dockerd (log: .e-testbed/dockerd.log)"
  nohup dockerd >"$TESTBED/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do engine_answers && break; sleep 1; done
  engine_answers || { tail -n 20 "$TESTBED/dockerd.log" >&2; fail "dockerd did not answer within 60 s; see .e-testbed/dockerd.log"; }
  done_step "started dockerd $(docker version --format '{{.Server.Version}}')"
fi

# --- 3. arm64 emulation ------------------------------------------------------------------------
step "qemu-aarch64 in binfmt_misc"
BINFMT=/proc/sys/fs/binfmt_misc
if [ "$(uname -m)" = aarch64 ]; then
  done_step "not needed: this machine is arm64"
elif [ -f "$BINFMT/qemu-aarch64" ] && grep -q enabled "$BINFMT/qemu-aarch64"; then
  done_step "already registered"
elif [ -n "${DOCKER_HOST:-}" ]; then
  done_step "skipped: the engine is remote (DOCKER_HOST); arm64 images run only if it emulates them"
else
  apt_install qemu-user-static
  is_debian_root || fail "cannot register qemu-aarch64 in binfmt_misc without root"
  [ -f "$BINFMT/register" ] || mount -t binfmt_misc binfmt_misc "$BINFMT" || fail "cannot mount binfmt_misc at $BINFMT"
  if [ ! -f "$BINFMT/qemu-aarch64" ]; then
    conf=/usr/lib/binfmt.d/qemu-aarch64.conf
    [ -f "$conf" ] || fail "qemu-user-static did not install $conf"
    # the F flag (in the packaged line) makes the interpreter work inside containers
    tr -d '\n' <"$conf" >"$BINFMT/register" || fail "cannot register qemu-aarch64 in $BINFMT"
  fi
  echo 1 >"$BINFMT/qemu-aarch64" 2>/dev/null || true
  done_step "registered $(sed -n 's/^interpreter //p' "$BINFMT/qemu-aarch64")"
fi

# --- 4. local registry -------------------------------------------------------------------------
step "local OCI registry on $REGISTRY_ADDR"
command -v curl >/dev/null 2>&1 || apt_install curl
registry_answers() { curl -fsS -m 5 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }
if registry_answers; then
  done_step "using the registry that answers"
else
  apt_install docker-registry
  mkdir -p "$TESTBED/registry/data"
  cat >"$TESTBED/registry/config.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $TESTBED/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
  nohup docker-registry serve "$TESTBED/registry/config.yml" >"$TESTBED/registry.log" 2>&1 </dev/null &
  for _ in $(seq 1 30); do registry_answers && break; sleep 0.5; done
  registry_answers || { tail -n 20 "$TESTBED/registry.log" >&2; fail "the registry did not answer; see .e-testbed/registry.log"; }
  done_step "started docker-registry (storage: .e-testbed/registry/data)"
fi

# --- 5 and 6. images ---------------------------------------------------------------------------
# mmdebstrap (and arch-test, for the foreign architecture) makes the base images: install them like
# every other tool setup calls, so a brand-new machine needs nothing by hand
{ command -v mmdebstrap && command -v arch-test; } >/dev/null 2>&1 || { step "mmdebstrap (for the base images)"; apt_install mmdebstrap arch-test; done_step "installed"; }
node scripts/build-images.mjs

# --- 7. shells the completion tests drive ------------------------------------------------------
# e completion bash|zsh|fish is tested in each real shell (bash is always there)
{ command -v zsh && command -v fish; } >/dev/null 2>&1 || { step "zsh and fish (for the completion tests)"; apt_install zsh fish; done_step "installed"; }

# --- 8. PostgreSQL for the state backend tests ------------------------------------------------
# only installed: the tests start (and stop) a throw-away cluster of their own with initdb + pg_ctl
[ "$(dpkg-query -W -f='${db:Status-Status}' postgresql 2>/dev/null)" = installed ] || { step "postgresql (for the state backend tests)"; apt_install postgresql; done_step "installed"; }

# --- 9. tools of the remote-engine test bed -------------------------------------------------------
# test/support/second-engine.mjs starts a second dockerd behind its own bridge (ip) in its own mount namespace (unshare)
command -v ip >/dev/null 2>&1 || { step "iproute2 (for the remote-engine tests)"; apt_install iproute2; done_step "installed"; }
# test/support/ssh-server.ts starts a throw-away sshd in front of it, for the ssh:// engine tests (ssh, ssh-keygen, sshd)
{ command -v ssh && command -v ssh-keygen && [ -x /usr/sbin/sshd ]; } >/dev/null 2>&1 || { step "openssh (for the ssh:// engine tests)"; apt_install openssh-client openssh-server; done_step "installed"; }

printf '==> setup done in %s\n' "$(seconds_since "$total_start")"
