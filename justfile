# JTS developer commands. `just --list` shows them.
set shell := ["bash", "-euo", "pipefail", "-c"]

# Run the whole platform on embedded defaults; PWA on http://localhost:5173
dev: install web-build
    bun services/platform/src/main.ts

# Run the tests (extra arguments go to `bun test`)
test *args: install
    bun test {{args}}

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
