# The two commands of the README: `make demo` (set up, then run the demo) and `make test`.
# Both run `make setup` first; it is idempotent and fast when nothing changed.
SHELL := /bin/bash
BIN := node_modules/.bin

.PHONY: setup build demo test test-unit test-integration check format bench clean

setup:
	@bash scripts/setup.sh

build:
	@$(BIN)/tsc -b

demo: setup
	@bash scripts/demo.sh

test: setup
	@$(BIN)/vitest run

test-unit:
	@$(BIN)/vitest run --project unit

test-integration: setup
	@$(BIN)/vitest run --project integration

check:
	@test -d node_modules || npm install --no-audit --no-fund --loglevel=error
	@$(BIN)/tsc -b
	@$(BIN)/biome check .

format:
	@$(BIN)/biome check --write .

bench: setup
	@bash bench/run-all.sh

# Removes build outputs. The engine, the registry and the images stay (make setup reuses them).
clean:
	@rm -rf build packages/*/dist
