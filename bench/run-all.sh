#!/usr/bin/env bash
# `make bench`: runs every bench/*.mjs (also after one misses its target or fails), then prints a
# summary of each target (the `target: ...: met|MISSED (...)` lines the benchmarks print) and
# exits 1 if any target was missed or any benchmark failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failed=0
for b in bench/*.mjs; do
  name=$(basename "$b" .mjs)
  echo "==> $b"
  node "$b" 2>&1 | tee "$out/$name.log"
  echo "${PIPESTATUS[0]}" >"$out/$name.rc"
done
echo
echo "==> summary"
for b in bench/*.mjs; do
  name=$(basename "$b" .mjs)
  rc=$(cat "$out/$name.rc")
  targets=$(grep -E '^target: ' "$out/$name.log" | sed 's/^target: //')
  if [ -n "$targets" ]; then
    while IFS= read -r line; do echo "  $name: $line"; done <<<"$targets"
    # a missed target counts even when its benchmark exits 0
    if grep -qE '^target: .*: MISSED' "$out/$name.log"; then failed=1; fi
  fi
  if [ "$rc" != 0 ]; then
    failed=1
    # a benchmark that stopped before reporting its targets: its error, else its last line
    if [ -z "$targets" ] || ! grep -qE '^target: .*: MISSED' "$out/$name.log"; then
      why=$(grep -m 1 -E '^[A-Za-z]*Error\b' "$out/$name.log" || tail -n 1 "$out/$name.log")
      echo "  $name: FAILED (exit $rc): $why"
    fi
  fi
done
if [ "$failed" != 0 ]; then
  echo "some targets were missed or a benchmark failed (see above)"
  exit 1
fi
echo "every target met"
