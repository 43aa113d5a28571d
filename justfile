# JTS developer commands. `just --list` shows them.
set shell := ["bash", "-euo", "pipefail", "-c"]

# Run the whole platform on embedded defaults; PWA on http://localhost:5173
dev: install web-build
    bun services/platform/src/main.ts

# Run every test, starting the real servers the adapter suites need (JTS_TEST_SERVERS=off: unit tests only)
test *args: install
    #!/usr/bin/env bash
    set -euo pipefail
    if [ "${JTS_TEST_SERVERS:-on}" != off ]; then
      host/servers/all start
      eval "$(host/servers/all env)"
    fi
    bun test {{args}}

# Start Redis, NATS and Kafka on loopback (data under .data/servers)
servers-up:
    host/servers/all start

# Stop the servers that `just test` or `just servers-up` started
servers-down:
    host/servers/all stop

# Type-check the services, contracts, bench and the web app
typecheck: install
    bunx tsc -p tsconfig.json
    bunx tsc -p web/tsconfig.json

# Lint and check formatting
lint: install
    bunx biome check .

# Format and apply safe lint fixes
fmt: install
    bunx biome check --write .

# Install dependencies exactly as locked
install:
    bun install --frozen-lockfile

# Build the PWA into web/dist
web-build: install
    bun run --cwd web build

# Real servers plus every service as its own process (JTS_BUS=kafka|nats)
stack: web-build
    host/stack up

# Stop what `just stack` started
stack-down:
    host/stack down
