# shellcheck shell=bash
# Database configuration from the host's RAM and cores. Sourced by host/provision.
#
# The original spec's values are the 32 GiB profile (spec = 32 GiB, 8 cores: its 16
# Kafka I/O threads and 8 network threads are 2 and 1 per core): PostgreSQL
# shared_buffers 8GB, effective_cache_size 24GB, maintenance_work_mem 2GB,
# random_page_cost 1.1; ClickHouse 16 GiB; Redis maxmemory 8gb. Other sizes scale
# by the same fractions. Those caps add up to more than the RAM (as in the spec):
# they are upper bounds, not reservations; see host/RUNBOOK.md.

CONFIG_DIR=/etc/jts

# resolve_profile: RAM_GIB and CORES from --profile (auto | spec | <GiB>g[:<cores>]).
resolve_profile() {
  local kb
  case "$PROFILE" in
    auto)
      kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
      # MemTotal leaves out what the firmware and kernel keep: round up to whole GiB.
      RAM_GIB=$(((kb + 1048575) / 1048576))
      CORES=$(nproc)
      ;;
    spec) RAM_GIB=32 CORES=8 ;;
    *)
      [[ "$PROFILE" =~ ^([0-9]+)[gG](:([0-9]+))?$ ]] || die "--profile wants auto, spec or <GiB>g[:<cores>] (e.g. 64g:16), not '$PROFILE'"
      RAM_GIB=${BASH_REMATCH[1]}
      CORES=${BASH_REMATCH[3]:-$((BASH_REMATCH[1] / 4 > 2 ? BASH_REMATCH[1] / 4 : 2))}
      ;;
  esac
  ((RAM_GIB >= 4)) || die "the JTS stack needs at least 4 GiB of RAM (profile has $RAM_GIB GiB)"
  ((CORES >= 1)) || die "--profile: cores must be at least 1"
}

clamp() { local v=$1 lo=$2 hi=$3; ((v < lo)) && v=$lo; ((v > hi)) && v=$hi; echo "$v"; }

# MiB in the units each server reads: PostgreSQL "8GB"/"512MB", Redis "8gb"/"512mb",
# Docker "8g"/"512m" (all of them 1024-based).
pg_mem() { if (($1 % 1024 == 0)); then echo "$(($1 / 1024))GB"; else echo "${1}MB"; fi; }
redis_mem() { if (($1 % 1024 == 0)); then echo "$(($1 / 1024))gb"; else echo "${1}mb"; fi; }
docker_mem() { if (($1 % 1024 == 0)); then echo "$(($1 / 1024))g"; else echo "${1}m"; fi; }

# Partitions of every Kafka topic family the services declare (contracts/src/topics.ts
# KAFKA_TOPICS; host/test/configs.bats checks the sum).
KAFKA_PARTITIONS=40

compute_config_values() {
  local r=$((RAM_GIB * 1024)) c=$CORES
  PG_SHARED_BUFFERS=$((r / 4))
  PG_EFFECTIVE_CACHE=$((r * 3 / 4))
  PG_MAINTENANCE=$(clamp $((r / 16)) 64 4096)
  PG_AUTOVACUUM=$(clamp $((PG_MAINTENANCE / 4)) 64 1024)
  PG_WORK_MEM=$(clamp "$RAM_GIB" 4 256)
  PG_MAX_WAL_GB=$(clamp $((RAM_GIB / 2)) 2 64)
  PG_MIN_WAL_GB=$(clamp $((PG_MAX_WAL_GB / 8)) 1 8)
  PG_WORKERS=$(clamp "$c" 8 64)
  PG_PARALLEL=$(clamp "$c" 1 64)
  PG_PER_GATHER=$(clamp $((c / 2)) 1 4)
  case "${DEV_KIND:-nvme}" in
    hdd) PG_RANDOM_PAGE_COST=4 PG_IO_CONCURRENCY=2 ;;
    ssd) PG_RANDOM_PAGE_COST=1.1 PG_IO_CONCURRENCY=200 ;;
    *) PG_RANDOM_PAGE_COST=1.1 PG_IO_CONCURRENCY=256 ;;
  esac
  CH_SERVER_MEMORY=$((r / 2))
  CH_QUERY_MEMORY=$((r / 4))
  CH_SPILL=$((r / 8))
  CH_MARK_CACHE=$(clamp $((r / 16)) 256 5120)
  CH_BACKGROUND_POOL=$(clamp $((2 * c)) 8 32)
  REDIS_MAXMEMORY=$((r / 4))
  # WiredTiger cache in GiB with two decimals; MongoDB only keeps strategy and
  # settings documents here, far less than its default of half the RAM.
  MONGO_CACHE_CENTI=$(clamp $((RAM_GIB * 100 / 16)) 25 100000)
  KAFKA_HEAP=$(clamp $((r / 8)) 512 6144)
  KAFKA_IO_THREADS=$(clamp $((2 * c)) 8 64)
  KAFKA_NETWORK_THREADS=$(clamp "$c" 3 32)
  KAFKA_RECOVERY_THREADS=$(clamp $((c / 2)) 1 8)
  # A size cap beside the 7 days, so a burst cannot fill lv_kafka: retention.bytes is
  # per partition and Kafka deletes whole 1 GiB segments, so each partition may hold
  # one segment more than the cap: (cap + 1 GiB) x partitions <= 80% of lv_kafka.
  # Whole GiB, at least 1. Sized from the planned lv_kafka, else the mounted one, else
  # the spec's 4 TB layout (503 GiB).
  local kafka_mib=$((503 * 1024))
  if [ -n "${LV_EXT[lv_kafka]:-}" ]; then
    kafka_mib=$((LV_EXT[lv_kafka] * PE_MIB))
  elif live_host && mountpoint -q /var/lib/kafka; then
    kafka_mib=$(df -m --output=size /var/lib/kafka | tail -n 1 | tr -d ' ')
  fi
  KAFKA_RETENTION_GIB=$(clamp $(((kafka_mib * 8 / 10 / KAFKA_PARTITIONS - 1024) / 1024)) 1 1024)
  if (((KAFKA_RETENTION_GIB + 1) * 1024 * KAFKA_PARTITIONS > kafka_mib)); then
    warn "lv_kafka ($((kafka_mib / 1024)) GiB) cannot hold $KAFKA_PARTITIONS partitions of 1 GiB segments with a 1 GiB cap each: grow it"
  fi
  # Container memory limits (compose.yaml): each server's own memory plus a share of
  # the page cache, which the kernel charges to the container that reads the file.
  LIMIT_POSTGRES=$((r * 3 / 4))
  LIMIT_POSTGRES_SHM=$(clamp $((r / 16)) 256 8192)
  LIMIT_CLICKHOUSE=$((CH_SERVER_MEMORY + r / 16))
  LIMIT_KAFKA=$((KAFKA_HEAP + r / 4))
  LIMIT_REDIS=$((REDIS_MAXMEMORY + r / 16))
  LIMIT_MONGODB=$((MONGO_CACHE_CENTI * 1024 / 100 + r / 8))
}

centi() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }

# No "--" in it: the line also goes into XML comments, where "--" is not allowed.
profile_line() { echo "$GENERATED_MARK for $RAM_GIB GiB RAM, $CORES cores, ${DEV_KIND:-nvme} disk (profile $PROFILE)."; }

postgresql_conf() {
  cat <<EOF
# $(profile_line)
# PostgreSQL 18 in compose.yaml reads it with -c config_file=...; pg_hba.conf stays
# in the data directory. Crash safety is never traded for speed here.
listen_addresses = '*'
port = 5432
max_connections = 200
password_encryption = scram-sha-256

# Memory
shared_buffers = $(pg_mem "$PG_SHARED_BUFFERS")    # 1/4 of RAM
effective_cache_size = $(pg_mem "$PG_EFFECTIVE_CACHE")    # 3/4 of RAM
maintenance_work_mem = $(pg_mem "$PG_MAINTENANCE")    # 1/16 of RAM, at most 4GB
autovacuum_work_mem = $(pg_mem "$PG_AUTOVACUUM")
work_mem = $(pg_mem "$PG_WORK_MEM")    # per sort or hash node
huge_pages = try

# Disk (${DEV_KIND:-nvme})
random_page_cost = $PG_RANDOM_PAGE_COST
effective_io_concurrency = $PG_IO_CONCURRENCY
maintenance_io_concurrency = $PG_IO_CONCURRENCY

# WAL and checkpoints
wal_level = replica
fsync = on
full_page_writes = on
synchronous_commit = on
wal_compression = lz4
wal_buffers = 16MB
min_wal_size = ${PG_MIN_WAL_GB}GB
max_wal_size = ${PG_MAX_WAL_GB}GB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9
max_wal_senders = 10    # pg_basebackup (host/RUNBOOK.md)

# WAL archive for point-in-time recovery (host/backup, host/pg-pitr): every finished
# segment gzipped to /backup/postgresql/wal, and one at least every minute, so a
# restore loses at most the last minute (--to-time any moment since the oldest base backup).
archive_mode = on
archive_timeout = 60
archive_command = '$("$(dirname "${BASH_SOURCE[0]}")/../pg-pitr" archive-command /backup/postgresql/wal)'

# Parallelism ($CORES cores)
max_worker_processes = $PG_WORKERS
max_parallel_workers = $PG_PARALLEL
max_parallel_workers_per_gather = $PG_PER_GATHER
max_parallel_maintenance_workers = $PG_PER_GATHER

# Observability
shared_preload_libraries = 'pg_stat_statements'
log_min_duration_statement = 500ms
log_checkpoints = on
log_lock_waits = on
log_temp_files = 10MB
EOF
}

clickhouse_config() {
  # The tiers (tiers.sh) only when provision was given --warm-device or --cold-mount.
  local tier_disks tier_policy
  tier_disks=$(clickhouse_tier_disks)
  tier_policy=$(clickhouse_tier_policy)
  cat <<EOF
<!-- $(profile_line) -->
<clickhouse>
    <!-- Half the RAM: the spec's 16 GiB on a 32 GiB host. -->
    <max_server_memory_usage>$((CH_SERVER_MEMORY * MIB))</max_server_memory_usage>
    <mark_cache_size>$((CH_MARK_CACHE * MIB))</mark_cache_size>
    <background_pool_size>$CH_BACKGROUND_POOL</background_pool_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <!-- BACKUP ... TO Disk('backups', ...) writes to the lv_backup volume (host/RUNBOOK.md). -->
    <storage_configuration>
        <disks>
            <backups>
                <type>local</type>
                <path>/backup/clickhouse/</path>
            </backups>${tier_disks:+
$tier_disks}
        </disks>${tier_policy:+
$tier_policy}
    </storage_configuration>
    <backups>
        <allowed_disk>backups</allowed_disk>
        <allowed_path>/backup/clickhouse/</allowed_path>
    </backups>
</clickhouse>
EOF
}

clickhouse_users() {
  cat <<EOF
<!-- $(profile_line) -->
<clickhouse>
    <profiles>
        <default>
            <!-- One query may use a quarter of the RAM and spills to disk at an eighth. -->
            <max_memory_usage>$((CH_QUERY_MEMORY * MIB))</max_memory_usage>
            <max_bytes_before_external_group_by>$((CH_SPILL * MIB))</max_bytes_before_external_group_by>
            <max_bytes_before_external_sort>$((CH_SPILL * MIB))</max_bytes_before_external_sort>
        </default>
    </profiles>
</clickhouse>
EOF
}

redis_conf() {
  cat <<EOF
# $(profile_line)
# The password comes from the environment (compose.yaml passes --requirepass). The
# data directory is the image's working directory, /data: the lv_redis volume.
bind 0.0.0.0
protected-mode yes
port 6379
tcp-backlog 4096
maxmemory $(redis_mem "$REDIS_MAXMEMORY")
maxmemory-policy allkeys-lru
appendonly yes
appendfsync everysec
aof-use-rdb-preamble yes
auto-aof-rewrite-percentage 100
auto-aof-rewrite-min-size 1gb
save 3600 1 300 100
EOF
}

mongod_conf() {
  cat <<EOF
# $(profile_line)
storage:
  dbPath: /data/db
  wiredTiger:
    engineConfig:
      cacheSizeGB: $(centi "$MONGO_CACHE_CENTI")
net:
  port: 27017
  bindIpAll: true
operationProfiling:
  slowOpThresholdMs: 100
EOF
}

compose_env() {
  cat <<EOF
# $(profile_line)
# \`just up\` exports these before docker compose, so compose.yaml's \${...} take them;
# without this file compose.yaml falls back to the values for 32 GiB and 8 cores.
# Memory limits include each server's share of the page cache, so they add up to
# more than the RAM on purpose: page cache is given back under pressure.
JTS_POSTGRES_MEMORY=$(docker_mem "$LIMIT_POSTGRES")
JTS_POSTGRES_SHM=$(docker_mem "$LIMIT_POSTGRES_SHM")
JTS_CLICKHOUSE_MEMORY=$(docker_mem "$LIMIT_CLICKHOUSE")
JTS_KAFKA_MEMORY=$(docker_mem "$LIMIT_KAFKA")
JTS_REDIS_MEMORY=$(docker_mem "$LIMIT_REDIS")
JTS_MONGODB_MEMORY=$(docker_mem "$LIMIT_MONGODB")
# Kafka broker: the apache/kafka image reads KAFKA_* variables; compose.yaml maps these.
JTS_KAFKA_HEAP_OPTS="-Xms$(docker_mem "$KAFKA_HEAP") -Xmx$(docker_mem "$KAFKA_HEAP")"
JTS_KAFKA_NUM_IO_THREADS=$KAFKA_IO_THREADS
JTS_KAFKA_NUM_NETWORK_THREADS=$KAFKA_NETWORK_THREADS
JTS_KAFKA_NUM_RECOVERY_THREADS_PER_DATA_DIR=$KAFKA_RECOVERY_THREADS
JTS_KAFKA_LOG_SEGMENT_BYTES=1073741824
JTS_KAFKA_COMPRESSION_TYPE=lz4
JTS_KAFKA_LOG_RETENTION_HOURS=168
# Per partition, beside the 7 days: (cap + one 1 GiB segment) x $KAFKA_PARTITIONS partitions fit 80% of lv_kafka.
JTS_KAFKA_LOG_RETENTION_BYTES=$((KAFKA_RETENTION_GIB * 1024 * 1024 * 1024))
$(tier_compose_env)
EOF
}

# The daily backup (`just backup`: host/backup now, in this repository) as a systemd
# timer; Persistent=true runs a missed one after the host was off.
backup_service() {
  local repo
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  cat <<EOF
# $GENERATED_MARK: the daily backup of the JTS stack (host/RUNBOOK.md section 4).
[Unit]
Description=JTS backup: PostgreSQL, ClickHouse and MongoDB to /backup, copied off the host
After=docker.service
Requires=docker.service

[Service]
Type=oneshot
WorkingDirectory=$repo
ExecStart=$repo/host/backup now
EOF
}

backup_timer() {
  cat <<EOF
# $GENERATED_MARK: runs jts-backup.service every night.
[Unit]
Description=Daily JTS backup

[Timer]
OnCalendar=*-*-* 03:30:00
RandomizedDelaySec=10min
Persistent=true

[Install]
WantedBy=timers.target
EOF
}

phase_configs() {
  compute_config_values
  section "database configuration for $RAM_GIB GiB RAM and $CORES cores (under $(rooted "$CONFIG_DIR"))"
  note "PostgreSQL shared_buffers $(pg_mem "$PG_SHARED_BUFFERS"), effective_cache_size $(pg_mem "$PG_EFFECTIVE_CACHE"), maintenance_work_mem $(pg_mem "$PG_MAINTENANCE"), random_page_cost $PG_RANDOM_PAGE_COST"
  note "ClickHouse max_server_memory_usage $(gib "$CH_SERVER_MEMORY") GiB; Redis maxmemory $(redis_mem "$REDIS_MAXMEMORY") allkeys-lru, AOF everysec; MongoDB WiredTiger cache $(centi "$MONGO_CACHE_CENTI") GiB"
  note "Kafka heap $(docker_mem "$KAFKA_HEAP"), 1 GiB segments, lz4, 168 h retention, $KAFKA_IO_THREADS I/O threads, $KAFKA_NETWORK_THREADS network threads"
  local dir
  dir=$(rooted "$CONFIG_DIR")
  write_file "$dir/postgresql/postgresql.conf" 0644 <<<"$(postgresql_conf)"
  write_file "$dir/clickhouse/config.d/jts.xml" 0644 <<<"$(clickhouse_config)"
  write_file "$dir/clickhouse/users.d/jts.xml" 0644 <<<"$(clickhouse_users)"
  write_file "$dir/redis/redis.conf" 0644 <<<"$(redis_conf)"
  write_file "$dir/mongodb/mongod.conf" 0644 <<<"$(mongod_conf)"
  write_file "$dir/compose.env" 0644 <<<"$(compose_env)"
  local units
  units=$(rooted /etc/systemd/system)
  write_file "$units/jts-backup.service" 0644 <<<"$(backup_service)"
  write_file "$units/jts-backup.timer" 0644 <<<"$(backup_timer)"
  if live_host && [ -d /run/systemd/system ] && ! systemctl is-enabled --quiet jts-backup.timer 2>/dev/null; then
    cmd systemctl daemon-reload
    cmd systemctl enable --now jts-backup.timer
  fi
  if [ -n "${LV_EXT[lv_redis]:-}" ] && ((LV_EXT[lv_redis] * PE_MIB < 2 * REDIS_MAXMEMORY)); then
    warn "lv_redis ($(gib $((LV_EXT[lv_redis] * PE_MIB))) GiB) is smaller than twice Redis maxmemory ($(redis_mem "$REDIS_MAXMEMORY")): an AOF rewrite may run out of room"
  fi
}
