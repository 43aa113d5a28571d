# JTS developer commands. `just --list` shows them.
set shell := ["bash", "-euo", "pipefail", "-c"]

# Run the whole platform on embedded defaults; PWA on http://localhost:5173
dev: install web-build
    bun services/platform/src/main.ts

# bun test with the real servers started for the adapter suites, the gateway fuzzer, the host
# scripts' bats suites and the compose test (host/docker/ci/run: the production stack built and
# run in Docker, 10 to 13 min on this 2-core machine at load 25-50, under 10 at 17-28; images cached outside the clone; skipped where dockerd cannot run).
# JTS_TEST_SERVERS=off: unit tests only, no servers, no fuzzing, no compose. JTS_TEST_COMPOSE=off: no compose test.
# JTS_TEST_REPORT_DIR=dir: JUnit reports of every part go there (CI counts them).
# Run every test: unit, contract on real servers, end to end, fuzzer, host scripts, compose stack
test *args: install
    #!/usr/bin/env bash
    set -uo pipefail
    reports=${JTS_TEST_REPORT_DIR:-}
    [ -n "$reports" ] && mkdir -p "$reports"
    status=0
    if [ "${JTS_TEST_SERVERS:-on}" != off ]; then
      host/servers/all start || exit 1
      eval "$(host/servers/all env)"
      host/servers/chromium || echo "chromium could not be installed: the PWA browser tests will be skipped"
    fi
    # 30 s per test and hook: suites that start real servers (initdb, a Kafka group join) take
    # seconds on a busy 2-core machine. A preload's setDefaultTimeout reaches only the first file.
    bun test --timeout 30000 {{args}} ${reports:+--reporter=junit --reporter-outfile="$reports/bun.xml"} || status=1
    if [ "${JTS_TEST_SERVERS:-on}" != off ]; then
      services/api-gateway/fuzz/run ${reports:+--junit "$reports"} || status=1
      if [ -x host/test/run ]; then host/test/run ${reports:+--junit "$reports"} || status=1; fi
      if [ "${JTS_TEST_COMPOSE:-on}" != off ]; then host/docker/ci/run ${reports:+--junit "$reports"} || status=1; fi
    fi
    exit $status

# Replay candles or ticks through a strategy, risk and the paper broker (no args: the generated sample); `just backtest --help`
backtest *args: install
    bun services/backtest/src/main.ts {{args}}

# Search a strategy's parameters (grid or seeded random, optionally walk-forward) with backtests on one worker per core; `just optimize --help`
optimize *args: install
    bun services/backtest/src/optimize.ts {{args}}

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

# Prepare a host for `just up`: LVM, filesystems, fstab, I/O and kernel tuning, server configs (plan by default; host/RUNBOOK.md)
provision *args:
    host/provision {{args}}

# Build the JTS image and start the production stack from compose.yaml with the connectors of COMPOSE_PROFILES (needs Docker with compose v2, .env, `just provision apply`)
up:
    #!/usr/bin/env bash
    set -euo pipefail
    # Every missing secret, placeholder and key of the chosen COMPOSE_PROFILES, named at once.
    "{{justfile_directory()}}/host/docker/env-check" .env
    config_dir=$(sed -n 's/^JTS_CONFIG_DIR=//p' .env | tail -n 1)
    config_dir=${config_dir:-/etc/jts}
    for f in compose.env postgresql/postgresql.conf clickhouse/config.d/jts.xml clickhouse/users.d/jts.xml redis/redis.conf mongodb/mongod.conf; do
      [ -f "$config_dir/$f" ] || { echo "just up: $config_dir/$f is missing: run \`just provision apply ...\` first (host/RUNBOOK.md)" >&2; exit 1; }
    done
    docker compose version >/dev/null 2>&1 || { echo "just up: needs Docker Engine with the compose plugin (\`docker compose\`)" >&2; exit 1; }
    # The host's tuning (memory limits, Kafka threads) replaces compose.yaml's 32 GiB defaults.
    set -a
    . "$config_dir/compose.env"
    set +a
    docker compose -p jts up -d --build --wait
    docker compose -p jts ps

# Stop the production stack; the data stays on its volumes
down:
    docker compose -p jts down

# Copy the TLS proxy's local CA (made on its first start) to jts-local-ca.crt, for the LAN's phones and browsers to trust (host/RUNBOOK.md, "TLS")
tls-ca:
    #!/usr/bin/env bash
    set -euo pipefail
    docker compose -p jts cp proxy:/data/caddy/pki/authorities/local/root.crt jts-local-ca.crt
    # Compare this fingerprint with the one the phone shows before trusting it.
    if command -v openssl >/dev/null; then openssl x509 -in jts-local-ca.crt -noout -subject -enddate -fingerprint -sha256; fi
    echo "jts-local-ca.crt: install it on each device as a trusted CA (host/RUNBOOK.md, \"TLS\")"

# Back up the running stack's databases to /backup, prune old backups, copy off the host (JTS_BACKUP_COPY_TO)
backup:
    host/backup now

# Restore the databases from the backup of STAMP (`host/backup list` shows them); the writers are stopped meanwhile
restore stamp:
    host/backup restore {{stamp}}

# Recover PostgreSQL to a point in time from the base backups and the WAL archive, e.g. just restore-pitr "2026-12-07 09:15:00+09"
restore-pitr time:
    host/backup pitr "{{time}}"

# Every bench scenario, 3 reps: bench/report.json + REPORT.md, fails on a missed target (~45 min); stops the servers it started. Flags: --only=scale,startup (report in bench/out/; add --merge to replace those scenarios in REPORT.md), --reps=N
bench *flags: install
    bun bench/src/run.ts {{flags}}

# The bench harness at tiny sizes (about a minute): checks it works, judges nothing; report in bench/out/
bench-smoke: install
    bun bench/src/run.ts --smoke

# Historical 1m candles from a venue into ClickHouse/chdb, resumable, rate-limited: just backfill binance BTC-USDT 1m 2026-11-01 2026-11-02
backfill venue symbol interval from to: install
    bun services/brokers/{{venue}}/src/backfill.ts {{symbol}} {{interval}} {{from}} {{to}}
