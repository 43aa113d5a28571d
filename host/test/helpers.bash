# shellcheck shell=bash disable=SC2034 # REPO and PROVISION are used by the suites
# Shared by the host/test/*.bats suites: paths, and loop devices, volume groups and
# mounts that are always undone, also when a test fails (teardown runs then too).
# Every disk image is named jts-host-test-*.img and every volume group vg_jtstest*,
# so host/test/run can also clean up after a run that was killed.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PROVISION="$REPO/host/provision"
export LVM_SUPPRESS_FD_WARNINGS=1

# Python with PyYAML: Debian's (docker-compose depends on python3-yaml) first.
py() { if [ -x /usr/bin/python3 ]; then /usr/bin/python3 "$@"; else python3 "$@"; fi; }

need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root for loop devices, LVM and mounts"; }

# make_loop SIZE: a sparse image on a new loop device; prints the device.
make_loop() {
  local img dev
  img=$(mktemp -p "$BATS_TEST_TMPDIR" jts-host-test-XXXXXX.img)
  truncate -s "$1" "$img"
  dev=$(losetup -f --show "$img")
  echo "$dev" >>"$BATS_TEST_TMPDIR/.loops"
  echo "$dev"
}

# A volume group name for this test, removed in teardown.
test_vg() {
  local vg="vg_jtstest${BATS_TEST_NUMBER}_$$"
  echo "$vg" >>"$BATS_TEST_TMPDIR/.vgs"
  echo "$vg"
}

cleanup_devices() {
  local m vg dev
  [ -d "$BATS_TEST_TMPDIR" ] || return 0
  while read -r m; do umount "$m" || umount -l "$m"; done < <(findmnt -rn -o TARGET | grep "^$BATS_TEST_TMPDIR/" | sort -r)
  if [ -f "$BATS_TEST_TMPDIR/.vgs" ]; then
    while read -r vg; do vgs "$vg" >/dev/null 2>&1 && vgremove -q -f "$vg" >/dev/null; done <"$BATS_TEST_TMPDIR/.vgs"
  fi
  if [ -f "$BATS_TEST_TMPDIR/.loops" ]; then
    while read -r dev; do
      [ "$(blkid -p -o value -s TYPE "$dev" 2>/dev/null)" != LVM2_member ] || pvremove -q -ff -y "$dev" >/dev/null 2>&1 || true
      losetup -d "$dev" 2>/dev/null || true
    done <"$BATS_TEST_TMPDIR/.loops"
  fi
  # Mount points are made immutable by host/provision; bats must be able to delete them.
  chattr -R -i "$BATS_TEST_TMPDIR" 2>/dev/null || true
}

# layout_rows OUTPUT: "name extents" for each lv_ row of a plan's table.
layout_rows() { awk '$1 ~ /^lv_/ && $3 ~ /^[0-9]+$/ { print $1, $3 }' <<<"$1"; }

# refute COMMAND...: fails when COMMAND succeeds. (A bare `! command` never fails a
# bats test: bash's errexit ignores negated commands.)
refute() {
  if "$@"; then
    echo "expected to fail: $*"
    return 1
  fi
}
