# shellcheck shell=bash
# Shared by host/servers/{redis,nats,kafka,all}; sourced, never run.
#
# One way to do each thing: find the repo and the data dirs, install a missing
# Debian package, track a server by its pidfile, wait for readiness with a timeout,
# and dispatch the start|stop|status|wait|env subcommands.
#
# A server script sets SERVER_NAME and SERVER_TIMEOUT (seconds), calls server_init,
# defines the hooks below, and ends with `server_main "$@"`:
#   server_prepare   install what is missing and write config (runs before a launch)
#   server_launch    exec-style command line of the server, in the global array LAUNCH
#   server_ready     exit 0 when the server answers clients (cheap, quiet)
#   server_ports     the TCP ports it binds, to refuse a start when another process holds one
#   server_env       the `export NAME=URL` lines clients need (and credentials, see server_password)
#
# Data lives in $JTS_DATA_DIR/servers/<name>; JTS_DATA_DIR defaults to <repo>/.data
# (git-ignored). Each data dir holds <name>.pid and <name>.log.

JTS_SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JTS_ROOT=$(cd "$JTS_SERVERS_DIR/../.." && pwd)
JTS_DATA_DIR=${JTS_DATA_DIR:-$JTS_ROOT/.data}

# Progress goes to stdout, prefixed by the server name so `all` stays readable
# when the servers start in parallel. `env` prints nothing but export lines.
say() { printf '[%s] %s\n' "${SERVER_NAME:-servers}" "$*"; }
die() { say "error: $*" >&2; exit 1; }

server_init() {
  DATA="$JTS_DATA_DIR/servers/$SERVER_NAME"
  PIDFILE="$DATA/$SERVER_NAME.pid"
  LOGFILE="$DATA/$SERVER_NAME.log"
  mkdir -p "$DATA"
}

# ---------------------------------------------------------------- credentials

# NATS and Kafka require a user and password (JTS_SERVERS_AUTH=off turns that off for
# a server started anew). The password is random, made once per data dir, kept in
# <data>/password (mode 600) and handed to clients by `env`; it never appears on a
# command line, where `ps` would show it.
# shellcheck disable=SC2034 # used by the server scripts that source this file
SERVER_USER=jts
servers_auth() { [ "${JTS_SERVERS_AUTH:-on}" != off ]; }
server_password() {
  local file="$DATA/password"
  if [ ! -s "$file" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '+/=\n' | cut -c 1-32 >"$file")
  fi
  cat "$file"
}

# ---------------------------------------------------------------- packages

# need_cmd COMMAND DEBIAN_PACKAGE: apt-get install the package when the command is
# missing. Installs are serialized with flock because `all start` runs the server
# scripts in parallel and dpkg allows one install at a time. The package lists are
# refreshed only when the first attempt fails (stale or empty lists on a fresh machine).
need_cmd() {
  local cmd=$1 pkg=$2 sudo=() apt_log
  command -v "$cmd" >/dev/null 2>&1 && return 0
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  mkdir -p "$JTS_DATA_DIR/servers"
  apt_log="$JTS_DATA_DIR/servers/apt.log"
  say "installing Debian package $pkg (for $cmd), log in $apt_log"
  (
    flock 8
    command -v "$cmd" >/dev/null 2>&1 && exit 0 # another script installed it meanwhile
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -q "$pkg" >>"$apt_log" 2>&1 || {
      say "apt-get install $pkg failed; refreshing the package lists and retrying"
      "${sudo[@]}" apt-get update -q >>"$apt_log" 2>&1
      "${sudo[@]}" apt-get install -y -q "$pkg" >>"$apt_log" 2>&1
    }
  ) 8>"$JTS_DATA_DIR/servers/.apt.lock" || { tail -n 20 "$apt_log" >&2; die "could not install $pkg"; }
  command -v "$cmd" >/dev/null 2>&1 || die "$pkg is installed but $cmd is still missing"
}

# ---------------------------------------------------------------- processes

# Field N (1-based, as in proc(5)) of /proc/PID/stat. The command name (field 2) may
# hold spaces, so the fields are counted from the last ')'.
proc_stat_field() {
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  read -ra fields <<<"$rest"
  printf '%s\n' "${fields[$(($2 - 3))]}"
}

# alive PID: the process exists and is not a zombie (a server whose starter exited
# is reparented; until something reaps it, kill -0 alone would still succeed).
alive() {
  local state
  state=$(proc_stat_field "$1" 3) || return 1
  [ "$state" != Z ] && [ "$state" != X ]
}

# The pidfile holds the PID and, on a second line, the process start time (field 22
# of /proc/PID/stat). Matching both means a reused PID is never taken for our server.
# running_pid prints the PID of our live server; a stale pidfile is removed.
running_pid() {
  local pid start now
  [ -f "$PIDFILE" ] || return 1
  { read -r pid && read -r start; } <"$PIDFILE" || true
  if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" && now=$(proc_stat_field "$pid" 22) && [ "$now" = "${start:-}" ]; then
    printf '%s\n' "$pid"
    return 0
  fi
  rm -f "$PIDFILE"
  return 1
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT (bash's /dev/tcp,
# no extra tool; a refused loopback connect fails at once).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

log_tail() {
  say "last lines of $LOGFILE:"
  tail -n 40 "$LOGFILE" 2>/dev/null | sed 's/^/    /' || true
}

# Start LAUNCH in the background: nohup so it survives the shell that started it,
# setsid so a Ctrl-C or a job-control kill aimed at the caller's process group does
# not reach it (it is stopped by PID with `stop`). The previous log is kept as .log.1.
# fd 9 (the start/stop lock, see with_lock) is closed for the server, or it would
# hold the lock for its whole life.
launch_background() {
  local pid
  [ -f "$LOGFILE" ] && mv -f "$LOGFILE" "$LOGFILE.1"
  setsid nohup "${LAUNCH[@]}" >"$LOGFILE" 2>&1 </dev/null 9>&- &
  pid=$!
  printf '%s\n%s\n' "$pid" "$(proc_stat_field "$pid" 22)" >"$PIDFILE"
  say "started pid $pid, log $LOGFILE"
}

# wait_ready TIMEOUT: poll server_ready until it answers. Fails early with the log
# tail when the process exits, and after TIMEOUT seconds; says how long it has been
# waiting every 5 s so slow starts are visible.
wait_ready() {
  local timeout=$1 started=$SECONDS next_note=5 pid
  while :; do
    if server_ready; then
      say "ready after $((SECONDS - started)) s"
      return 0
    fi
    if ! pid=$(running_pid); then
      say "the server is not running (exited or never started)"
      log_tail
      return 1
    fi
    if ((SECONDS - started >= timeout)); then
      say "not ready after ${timeout} s; pid $pid is left running for \`$0 wait\` or \`$0 stop\`"
      log_tail
      return 1
    fi
    if ((SECONDS - started >= next_note)); then
      say "still waiting for readiness ($((SECONDS - started)) s of ${timeout} s)"
      next_note=$((next_note + 5))
    fi
    sleep 0.2
  done
}

# run_logged LOGFILE DESCRIPTION COMMAND...: run a long, quiet step with its output in
# LOGFILE, saying every 10 s that it is still going; on failure print the log tail.
run_logged() {
  local log=$1 what=$2 pid started=$SECONDS next_note=10 rc=0
  shift 2
  say "$what (log $log)"
  "$@" >"$log" 2>&1 &
  pid=$!
  while alive "$pid"; do
    if ((SECONDS - started >= next_note)); then
      say "  still $what ($((SECONDS - started)) s)"
      next_note=$((next_note + 10))
    fi
    sleep 0.5
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    say "failed: $what (exit $rc); last lines of $log:"
    tail -n 30 "$log" | sed 's/^/    /'
    return "$rc"
  fi
  say "done in $((SECONDS - started)) s: $what"
}

# Serialize start/stop of one server (two `start`s at once would launch it twice).
with_lock() {
  exec 9>"$DATA/.lock"
  flock 9
  "$@"
}

# ---------------------------------------------------------------- subcommands

cmd_start() {
  local pid port
  if pid=$(running_pid); then
    if server_ready; then
      say "already running (pid $pid) and ready"
      return 0
    fi
    say "already running (pid $pid) but not ready yet; waiting"
    wait_ready "$SERVER_TIMEOUT"
    return
  fi
  for port in $(server_ports); do
    port_open "$port" && die "port $port on 127.0.0.1 is taken by a process this script did not start; stop it or choose other ports (see the script's header)"
  done
  server_prepare
  server_launch
  launch_background
  wait_ready "$SERVER_TIMEOUT"
}

cmd_stop() {
  local pid waited=0
  if ! pid=$(running_pid); then
    say "not running"
    return 0
  fi
  say "stopping pid $pid (SIGTERM, SIGKILL after 15 s)"
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && ((waited < 150)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if alive "$pid"; then
    say "still alive after 15 s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$PIDFILE"
  say "stopped after $((waited / 10)).$((waited % 10)) s"
}

cmd_status() {
  local pid
  if ! pid=$(running_pid); then
    say "not running"
    return 1
  fi
  if server_ready; then
    say "running (pid $pid) and ready; $(server_env | tr '\n' ' ')"
    return 0
  fi
  say "running (pid $pid) but not ready"
  return 1
}

cmd_wait() {
  running_pid >/dev/null || { say "not running (start it first)"; return 1; }
  wait_ready "$SERVER_TIMEOUT"
}

server_main() {
  case "${1:-}" in
    start) with_lock cmd_start ;;
    stop) with_lock cmd_stop ;;
    status) cmd_status ;;
    wait) cmd_wait ;;
    env) server_env ;;
    *)
      echo "usage: $0 start|stop|status|wait|env" >&2
      return 2
      ;;
  esac
}
