#!/usr/bin/env bats
# Point-in-time recovery drill (host/pg-pitr, which host/backup runs in the postgres
# container) against a real PostgreSQL started for the test in a temp directory, on a
# private socket (no TCP): Debian's PostgreSQL programs (postgresql-15 here; the
# production image runs 18, whose recovery settings are the same since 12). The
# server runs as the `postgres` user when the test runs as root.

load helpers

PG_BIN=""
setup() {
  local v
  for v in 18 17 16 15; do
    if [ -x "/usr/lib/postgresql/$v/bin/pg_basebackup" ]; then
      PG_BIN=/usr/lib/postgresql/$v/bin
      break
    fi
  done
  [ -n "$PG_BIN" ] || skip "no PostgreSQL server programs (apt-get install postgresql)"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || skip "running as root needs a postgres user to run the server as"
    AS=(runuser -u postgres --)
  else
    AS=()
  fi
  # A directory the server's user can reach (bats' own is private to root).
  D=$(mktemp -d /tmp/jts-pitr-test-XXXXXX)
  [ "$(id -u)" -ne 0 ] || chown postgres: "$D"
  PORT=$((20000 + RANDOM % 20000))
  mkdir -p "$D/sock" "$D/wal" "$D/base"
  [ "$(id -u)" -ne 0 ] || chown postgres: "$D/sock" "$D/wal" "$D/base"
}

teardown() {
  [ -n "${D:-}" ] || return 0
  if [ -f "$D/data/postmaster.pid" ]; then pg stop -D "$D/data" -m immediate -w >/dev/null 2>&1 || true; fi
  rm -rf "$D"
}

# as_pg COMMAND...: as the server's user, with PostgreSQL's programs first on PATH.
as_pg() { "${AS[@]}" env PATH="$PG_BIN:$PATH" PGHOST="$D/sock" PGPORT="$PORT" PGUSER=jts "$@"; }
pg() { as_pg pg_ctl "$@"; }
sql() { as_pg psql -d jts -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# start_server [ARCHIVE_DIR]: a new cluster archiving to ARCHIVE_DIR ($D/wal).
start_server() {
  local archive=${1:-$D/wal}
  as_pg initdb -N -D "$D/data" -U jts -A trust >/dev/null
  # fsync off: a throw-away test server on a shared machine (never in production).
  cat >>"$D/data/postgresql.conf" <<EOF
fsync = off
listen_addresses = ''
unix_socket_directories = '$D/sock'
port = $PORT
wal_level = replica
archive_mode = on
archive_timeout = 60
archive_command = '$("$REPO/host/pg-pitr" archive-command "$archive")'
EOF
  pg start -D "$D/data" -l "$D/server.log" -w >/dev/null
  as_pg createdb jts
}

# wait_archived [ARCHIVE_DIR]: the segment in use is switched out and in the archive.
wait_archived() {
  local seg archive=${1:-$D/wal}
  seg=$(sql "SELECT pg_walfile_name(pg_switch_wal())")
  for _ in $(seq 100); do
    [ -f "$archive/$seg.gz" ] && return 0
    sleep 0.1
  done
  echo "segment $seg never reached the archive"
  return 1
}

@test "drill: rows, base backup, rows at T1, rows at T2, a table dropped; restore to T1 finds exactly the T1 rows" {
  start_server
  sql "CREATE TABLE orders (id int PRIMARY KEY, note text)"
  sql "INSERT INTO orders SELECT g, 'before the base backup' FROM generate_series(1, 3) g"
  run as_pg "$REPO/host/pg-pitr" base-backup "$D/base" 20261207T040000Z
  echo "$output"
  [ "$status" -eq 0 ]
  [ -s "$D/base/20261207T040000Z/base.tar.gz" ]
  grep -q '^START WAL LOCATION: ' "$D/base/20261207T040000Z/backup_label"
  sql "INSERT INTO orders SELECT g, 'T1' FROM generate_series(4, 6) g"
  local t1
  t1=$(sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
  sleep 1
  sql "INSERT INTO orders SELECT g, 'T2' FROM generate_series(7, 9) g"
  sleep 1
  sql "DROP TABLE orders"
  wait_archived
  # The disaster: the server is gone. Its data directory is still there (a mistaken
  # DROP, not a lost disk): pg-pitr keeps it aside and takes its unarchived WAL too.
  pg stop -D "$D/data" -m fast -w >/dev/null
  run as_pg "$REPO/host/pg-pitr" restore --pgdata "$D/data" --archive "$D/wal" --base "$D/base" --to-time "$t1"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"recovery stopping before commit of transaction"* ]]
  [[ "$output" == *"recovered to $t1"* || "$output" == *"recovered to ${t1%+00}"* ]]
  [ "$(find "$D" -maxdepth 1 -name 'data.before-restore-*' | wc -l)" -eq 1 ]
  pg start -D "$D/data" -l "$D/server2.log" -w >/dev/null
  [ "$(sql "SELECT string_agg(id || ':' || note, ',' ORDER BY id) FROM orders")" = \
    "1:before the base backup,2:before the base backup,3:before the base backup,4:T1,5:T1,6:T1" ]
  # A new timeline, writable, and it archives on.
  [ "$(sql "SELECT pg_is_in_recovery()")" = f ]
  [ "$(sql "SELECT timeline_id FROM pg_control_checkpoint()")" -ge 2 ]
  sql "INSERT INTO orders VALUES (10, 'after the restore')"
  wait_archived
  compgen -G "$D/wal/00000002*" >/dev/null
}

@test "restore refuses a time before the oldest base backup, and a running server" {
  start_server
  local early
  early=$(date -u -d '-1 hour' '+%Y-%m-%d %H:%M:%S+00')
  run as_pg "$REPO/host/pg-pitr" base-backup "$D/base" 20261207T040000Z
  [ "$status" -eq 0 ]
  run as_pg "$REPO/host/pg-pitr" restore --pgdata "$D/data" --archive "$D/wal" --base "$D/base" --to-time "$early"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no base backup in $D/base finished before"*"cannot be recovered"* ]]
  run as_pg "$REPO/host/pg-pitr" restore --pgdata "$D/data" --archive "$D/wal" --base "$D/base" --to-time now
  [ "$status" -eq 1 ]
  [[ "$output" == *"a server is running on $D/data: stop it first"* ]]
  [ "$(find "$D" -maxdepth 1 -name 'data.before-restore-*' | wc -l)" -eq 0 ]
}

@test "prune: old base backups and the WAL only they needed go, the newest stays" {
  start_server
  sql "CREATE TABLE t (x int)"
  as_pg "$REPO/host/pg-pitr" base-backup "$D/base" 20261201T000000Z >/dev/null
  sql "INSERT INTO t VALUES (1)"
  wait_archived
  as_pg "$REPO/host/pg-pitr" base-backup "$D/base" 20261207T000000Z >/dev/null
  wait_archived
  # The first one finished long ago.
  echo "2026-11-01 00:00:00.000000000+00" >"$D/base/20261201T000000Z/end"
  local first_start second_start
  first_start=$(sed -n 's/.*(file \(.*\))$/\1/p' "$D/base/20261201T000000Z/backup_label")
  second_start=$(sed -n 's/.*(file \(.*\))$/\1/p' "$D/base/20261207T000000Z/backup_label")
  [ -f "$D/wal/$first_start.gz" ]
  run as_pg "$REPO/host/pg-pitr" prune --archive "$D/wal" --base "$D/base" --keep-days 14
  echo "$output"
  [ "$status" -eq 0 ]
  [ ! -e "$D/base/20261201T000000Z" ]
  [ -d "$D/base/20261207T000000Z" ]
  [ ! -e "$D/wal/$first_start.gz" ]
  [ -f "$D/wal/$second_start.gz" ]
  # The newest is kept however old it is.
  echo "2026-11-01 00:00:00.000000000+00" >"$D/base/20261207T000000Z/end"
  run as_pg "$REPO/host/pg-pitr" prune --archive "$D/wal" --base "$D/base" --keep-days 14
  [ -d "$D/base/20261207T000000Z" ]
}

# fake_compose: stands in for `docker compose -p jts` so host/backup's own orchestration
# runs against the test server: `exec` and `run` run the command here (as root, like a
# container's default user; `-u` and `-e` honoured), with the container's paths
# /backup/postgresql and 127.0.0.1 turned into the test's backup folder and socket;
# `stop`/`start` of postgres stop and start the test server; every call is logged.
fake_compose() {
  cat >"$D/compose" <<SH
#!/usr/bin/env bash
set -euo pipefail
echo "\$*" >>"$D/compose.log"
export PATH="$PG_BIN:\$PATH" PGHOST="$D/sock" PGPORT="$PORT"
verb=\$1 && shift
case "\$verb" in
  ps) [ "\${2:-}" = postgres ] && runuser -u postgres -- pg_ctl status -D "$D/data" >/dev/null 2>&1 && echo pg || true ;;
  stop) for s in "\$@"; do [ "\$s" != postgres ] || runuser -u postgres -- pg_ctl stop -D "$D/data" -m fast -w >/dev/null; done ;;
  start) for s in "\$@"; do [ "\$s" != postgres ] || runuser -u postgres -- pg_ctl start -D "$D/data" -l "$D/server-after.log" -w >/dev/null; done ;;
  exec | run)
    as=() envs=()
    while [[ "\$1" == -* ]]; do
      case "\$1" in
        -u) as=(runuser -u "\$2" --) && shift 2 ;;
        -e) envs+=("\$2") && shift 2 ;;
        --entrypoint) entry=\$2 && shift 2 ;;
        *) shift ;;
      esac
    done
    shift # the service
    args=()
    for a in \${entry:+"\$entry"} "\$@"; do a=\${a//\/backup\/postgresql/$D/backup}; args+=("\${a//127.0.0.1/$D/sock}"); done
    exec env "\${envs[@]}" "\${as[@]}" "\${args[@]}"
    ;;
  *) echo "fake compose: \$verb not handled" >&2 && exit 2 ;;
esac
SH
  chmod +x "$D/compose"
  mkdir -p "$D/backup" "$D/host-backup"
  chown postgres: "$D/backup"
  # host/backup's settings: the stand-in, the host's backup folder, no copy off the host.
  export JTS_COMPOSE="$D/compose" JTS_BACKUP_DIR="$D/host-backup" JTS_BACKUP_COPY_TO="" JTS_BACKUP_KEEP_DAYS=14
}

@test "host/backup now and host/backup pitr TIME drive the drill through compose's exec and run (a stand-in compose)" {
  [ "$(id -u)" -eq 0 ] || skip "the stand-in compose runs the server's commands as postgres with runuser: needs root"
  fake_compose
  start_server "$D/backup/wal"
  sql "CREATE TABLE orders (id int PRIMARY KEY, note text)"
  sql "INSERT INTO orders SELECT g, 'before the backup' FROM generate_series(1, 3) g"
  run "$REPO/host/backup" now
  echo "$output"
  [ "$status" -eq 0 ]
  local stamp=${lines[-1]}
  [ -s "$D/backup/jts-$stamp.dump" ]
  [ -s "$D/backup/base/$stamp/base.tar.gz" ]
  [[ "$output" == *"PostgreSQL: base backup /backup/postgresql/base/$stamp"* ]]
  sql "INSERT INTO orders SELECT g, 'T1' FROM generate_series(4, 6) g"
  local t1
  t1=$(sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
  sleep 1
  sql "INSERT INTO orders SELECT g, 'T2' FROM generate_series(7, 9) g"
  sleep 1
  sql "DROP TABLE orders"
  wait_archived "$D/backup/wal"
  : >"$D/compose.log"
  run "$REPO/host/backup" pitr "$t1"
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"PostgreSQL recovered to $t1; writers started again"* ]]
  [ "$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM orders")" = "1,2,3,4,5,6" ]
  # The order of things: writers stopped, then postgres; the recovery in a one-off
  # container; postgres started, then the writers.
  cat "$D/compose.log"
  [ "$(grep -E '^(stop|run|start) ' "$D/compose.log" | awk '{ print $1, $2, $NF }')" = "$(printf '%s\n' \
    "stop api-gateway strategy-engine" "stop postgres postgres" "run --rm $D/data/postgresql.conf" \
    "start postgres postgres" "start api-gateway strategy-engine")" ]
  # The recovered files belong to the server's user, not to root who unpacked them.
  [ "$(stat -c %U "$D/data" "$D/data/base" "$D/data/pg_wal" | sort -u)" = postgres ]
}

@test "host/backup now says so when WAL archiving fails, and still takes its backups" {
  [ "$(id -u)" -eq 0 ] || skip "the stand-in compose runs the server's commands as postgres with runuser: needs root"
  fake_compose
  # An archive the server cannot write: every segment fails.
  start_server /proc/jts-no-archive
  sql "CREATE TABLE t (x int)"
  sql "SELECT pg_switch_wal()" >/dev/null
  for _ in $(seq 100); do
    [ "$(sql "SELECT failed_count > 0 FROM pg_stat_archiver")" = t ] && break
    sleep 0.1
  done
  run "$REPO/host/backup" now
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning: WAL archiving is failing (last failed segment 0000000100000000000000"* ]]
  [[ "$output" == *"warning: no WAL archive at $D/backup/wal"* ]]
  [ -s "$D/backup/jts-${lines[-1]}.dump" ]
}
