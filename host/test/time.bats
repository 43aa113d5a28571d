#!/usr/bin/env bats
# shellcheck disable=SC2016 # the stubs' bodies are single-quoted on purpose: they expand when they run
# `host/provision --only time`: chrony installed, running and synchronised. The
# machine's own chrony, systemd and dpkg are stood in for by stubs on PATH (CHRONYC,
# SYSTEMD_RUN_DIR), so the logic runs here whatever this host has; every command the
# stubs get is logged.

load helpers

setup() {
  STUBS="$BATS_TEST_TMPDIR/bin"
  LOG="$BATS_TEST_TMPDIR/calls.log"
  mkdir -p "$STUBS" "$BATS_TEST_TMPDIR/systemd"
  : >"$LOG"
  export LOG PATH="$STUBS:$PATH" CHRONYC="$STUBS/chronyc" SYSTEMD_RUN_DIR="$BATS_TEST_TMPDIR/systemd"
  installed yes
  service running
  tracking synced
}

# installed yes|no: what dpkg-query says of chrony. apt-get only logs.
installed() {
  local status="install ok installed"
  [ "$1" = yes ] || status="unknown ok not-installed"
  printf '#!/bin/bash\necho "dpkg-query $*" >>"$LOG"\nprintf %%s "%s"\n' "$status" >"$STUBS/dpkg-query"
  printf '#!/bin/bash\necho "apt-get $*" >>"$LOG"\n' >"$STUBS/apt-get"
  chmod +x "$STUBS/dpkg-query" "$STUBS/apt-get"
}

# service running|stopped: what systemctl says of chrony; it logs every call.
service() {
  local rc=0
  [ "$1" = running ] || rc=3
  printf '#!/bin/bash\necho "systemctl $*" >>"$LOG"\ncase "$1" in is-enabled|is-active) exit %s ;; esac\n' "$rc" >"$STUBS/systemctl"
  chmod +x "$STUBS/systemctl"
}

# tracking synced|unsynced|local|far|broken: what `chronyc tracking` prints (real output shapes).
tracking() {
  local ref="C0A80001 (192.168.0.1)" leap=Normal system="0.000123456 seconds fast of NTP time" rc=0
  case "$1" in
    unsynced) ref="00000000 ()" leap="Not synchronised" system="0.000000000 seconds slow of NTP time" ;;
    local) ref="7F7F0101 ()" ;;
    far) system="0.812000000 seconds slow of NTP time" ;;
    broken) rc=1 ;;
  esac
  cat >"$STUBS/chronyc" <<STUB
#!/bin/bash
echo "chronyc \$*" >>"\$LOG"
[ "\$1" = waitsync ] && exit 0
[ $rc -eq 0 ] || { echo "506 Cannot talk to daemon"; exit 1; }
cat <<OUT
Reference ID    : $ref
Stratum         : 3
Ref time (UTC)  : Mon Dec 07 04:40:11 2026
System time     : $system
Last offset     : +0.000012345 seconds
RMS offset      : 0.000045678 seconds
Frequency       : 11.111 ppm slow
Residual freq   : +0.001 ppm
Skew            : 0.050 ppm
Root delay      : 0.012345678 seconds
Root dispersion : 0.001234567 seconds
Update interval : 64.2 seconds
Leap status     : $leap
OUT
STUB
  chmod +x "$STUBS/chronyc"
}

@test "a synchronised chrony passes: nothing to change, the offset and the server named" {
  run "$PROVISION" plan --only time
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"= chrony is installed"* ]]
  [[ "$output" == *"= chrony is enabled and running"* ]]
  [[ "$output" == *"= chrony is synchronised to C0A80001 (192.168.0.1): the clock is 0.000123456 s fast of NTP time (limit 0.1 s)"* ]]
  [[ "$output" == *"nothing to change"* ]]
}

@test "an unsynchronised clock, or one synchronised only to itself, stops provisioning with what to check" {
  tracking unsynced
  run "$PROVISION" plan --only time
  [ "$status" -eq 1 ]
  [[ "$output" == *"the clock cannot be trusted: not synchronised (leap status: Not synchronised, reference: 00000000 ())"* ]]
  [[ "$output" == *"chronyc sources -v"*"UDP port 123"* ]]
  tracking local
  run "$PROVISION" plan --only time
  [ "$status" -eq 1 ]
  [[ "$output" == *"not synchronised (leap status: Normal, reference: 7F7F0101 ())"* ]]
  # apply stops there too.
  run "$PROVISION" apply --only time
  [ "$status" -eq 1 ]
  [[ "$output" == *"error: the clock cannot be trusted"* ]]
}

@test "an offset past 0.1 s stops provisioning, and chronyc failing is named" {
  tracking far
  run "$PROVISION" plan --only time
  [ "$status" -eq 1 ]
  [[ "$output" == *"the clock is 0.812000000 s slow of NTP time (more than 0.1 s)"* ]]
  tracking broken
  run "$PROVISION" plan --only time
  [ "$status" -eq 1 ]
  [[ "$output" == *"chronyc tracking failed: 506 Cannot talk to daemon; is chronyd running?"* ]]
}

@test "without chrony, plan shows the install and the start and changes nothing; apply runs them, waits, then checks" {
  installed no
  service stopped
  run "$PROVISION" plan --only time
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *'$ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chrony'* ]]
  [[ "$output" == *'$ systemctl enable --now chrony'* ]]
  [[ "$output" == *"apply then waits up to 120 s for the first synchronisation"* ]]
  refute grep -qE '^(apt-get|chronyc|systemctl enable)' "$LOG"

  run "$PROVISION" apply --only time
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx 'apt-get install -y -q chrony' "$LOG"
  grep -qx 'systemctl enable --now chrony' "$LOG"
  # Waits for the first synchronisation before it judges the clock.
  [ "$(grep -n '^chronyc' "$LOG" | head -n 2 | cut -d: -f2 | tr '\n' ' ')" = "chronyc waitsync 12 0.1 chronyc tracking " ]
  [[ "$output" == *"= chrony is synchronised"* ]]
}

@test "an installed chrony that is stopped is started; without systemd it is only checked; --root skips the phase" {
  service stopped
  run "$PROVISION" apply --only time
  [ "$status" -eq 0 ]
  grep -qx 'systemctl enable --now chrony' "$LOG"
  refute grep -q '^apt-get' "$LOG"

  : >"$LOG"
  rmdir "$SYSTEMD_RUN_DIR"
  run "$PROVISION" plan --only time
  [ "$status" -eq 0 ]
  [[ "$output" == *"no systemd here: chronyd must be started by this host's init"* ]]
  refute grep -q '^systemctl' "$LOG"

  tracking unsynced
  run "$PROVISION" plan --only time --root "$BATS_TEST_TMPDIR/image"
  [ "$status" -eq 0 ]
  [[ "$output" == *"--root $BATS_TEST_TMPDIR/image: the clock is the running host's"* ]]
}
