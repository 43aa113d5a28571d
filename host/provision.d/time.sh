# shellcheck shell=bash
# The host's clock: chrony installed, running and synchronised. Venues refuse signed
# requests outside their receive window (Binance: 5 s by default) and every event is
# stamped with this clock, so provisioning stops on a clock it cannot trust; while
# trading, the connectors measure their offset to each venue (alert ClockOffsetToVenue,
# past 500 ms). Sourced by host/provision.
#
# Stubbed in the tests (host/test/time.bats): CHRONYC, SYSTEMD_RUN_DIR and PATH.
CHRONYC=${CHRONYC:-chronyc}
SYSTEMD_RUN_DIR=${SYSTEMD_RUN_DIR:-/run/systemd/system}
# The largest offset to NTP time accepted, in seconds: well inside the alert's 500 ms.
TIME_MAX_OFFSET=0.1
# How long apply waits for a first synchronisation after starting chrony: 12 x 10 s.
TIME_WAITSYNC_TRIES=12

chrony_installed() { [ "$(dpkg-query -W -f='${Status}' chrony 2>/dev/null)" = "install ok installed" ]; }

# tracking_verdict: reads `chronyc tracking` on stdin; prints "ok OFFSET SOURCE" or
# "bad REASON". Synchronised: a leap status other than "Not synchronised" and a
# reference that is a real server (not 0.0.0.0, nor chrony's own local clock).
tracking_verdict() {
  awk -v max="$TIME_MAX_OFFSET" -F' *: *' '
    $1 == "Reference ID" { ref = $2 }
    $1 == "Leap status" { leap = $2 }
    $1 == "System time" { split($2, t, " "); offset = t[1]; dir = t[3] }
    END {
      if (leap == "" ) { print "bad chronyc tracking said nothing readable"; exit }
      if (leap == "Not synchronised" || ref ~ /^(00000000|7F7F0101)/) { print "bad not synchronised (leap status: " leap ", reference: " ref ")"; exit }
      if (offset + 0 > max + 0) { printf "bad the clock is %s s %s of NTP time (more than %s s)\n", offset, dir, max; exit }
      print "ok " offset " " dir " " ref
    }'
}

check_tracking() {
  local out verdict offset dir ref
  if ! out=$("$CHRONYC" tracking 2>&1); then
    blocker "chronyc tracking failed: ${out:-no output}; is chronyd running?"
    return
  fi
  verdict=$(tracking_verdict <<<"$out")
  case "$verdict" in
    ok\ *)
      read -r _ offset dir ref <<<"$verdict"
      ok "chrony is synchronised to $ref: the clock is $offset s $dir of NTP time (limit $TIME_MAX_OFFSET s)"
      ;;
    *)
      blocker "the clock cannot be trusted: ${verdict#bad }. Check \`chronyc sources -v\` and that UDP port 123 reaches the NTP servers (/etc/chrony/chrony.conf)"
      ;;
  esac
}

phase_time() {
  section "time: chrony installed, running and synchronised (offset under $TIME_MAX_OFFSET s)"
  if ! live_host; then
    note "--root $ROOT: the clock is the running host's; checked when provisioning it"
    return
  fi
  local fresh=0
  if chrony_installed; then
    ok "chrony is installed"
  else
    # Debian's chrony replaces systemd-timesyncd: one NTP client, not two fighting.
    cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chrony
    fresh=1
  fi
  if [ -d "$SYSTEMD_RUN_DIR" ]; then
    if ((!fresh)) && systemctl is-enabled --quiet chrony 2>/dev/null && systemctl is-active --quiet chrony 2>/dev/null; then
      ok "chrony is enabled and running"
    else
      cmd systemctl enable --now chrony
      fresh=1
    fi
  else
    note "no systemd here: chronyd must be started by this host's init"
  fi
  if ((fresh)); then
    # A chrony just started needs a few polls before it trusts a server.
    if [ "$MODE" = plan ]; then
      note "apply then waits up to $((TIME_WAITSYNC_TRIES * 10)) s for the first synchronisation and checks the offset"
      return
    fi
    "$CHRONYC" waitsync "$TIME_WAITSYNC_TRIES" "$TIME_MAX_OFFSET" >/dev/null 2>&1 || true
  fi
  check_tracking
}
