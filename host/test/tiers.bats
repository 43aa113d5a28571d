#!/usr/bin/env bats
# host/provision's tiers (--warm-device, --cold-mount). The warm device runs for real on
# a loop device: mkfs.btrfs, the fstab line by UUID, the mount with its options, the
# ClickHouse directory, the scheduler through sysfs. The cold NFS export cannot be
# reached here (no NFS server): its fstab line is checked, and systemd's own fstab
# generator turns it into the mount unit the host would run.

load helpers

setup() {
  ROOTDIR="$BATS_TEST_TMPDIR/root"
  mkdir -p "$ROOTDIR/etc"
  echo "# fstab of the test root" >"$ROOTDIR/etc/fstab"
}

teardown() {
  if [ -n "${RESTORE_QUEUE:-}" ]; then
    echo "$RESTORE_SCHED" >"$RESTORE_QUEUE/scheduler" 2>/dev/null || true
  fi
  cleanup_devices
}

need_btrfs() {
  grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null || skip "this kernel has no btrfs"
  command -v mkfs.btrfs >/dev/null || skip "mkfs.btrfs is missing (apt-get install btrfs-progs)"
}

tiers_apply() { "$PROVISION" "$1" --root "$ROOTDIR" --only tiers "${@:2}"; }

@test "warm device: btrfs made, mounted by UUID with its options, ClickHouse's directory, scheduler; twice" {
  need_root
  need_btrfs
  local dev queue
  dev=$(make_loop 512M)
  queue=/sys/block/${dev#/dev/}/queue
  RESTORE_QUEUE=$queue
  RESTORE_SCHED=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$queue/scheduler")
  grep -qw mq-deadline "$queue/scheduler" || modprobe mq-deadline 2>/dev/null || skip "no mq-deadline scheduler"
  run tiers_apply plan --warm-device "$dev" --warm-kind ssd
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"\$ mkfs.btrfs -q -L jts-warm $dev"* ]]
  [ -z "$(wipefs -i "$dev")" ]
  run tiers_apply apply --warm-device "$dev" --warm-kind ssd
  echo "$output"
  [ "$status" -eq 0 ]
  [ "$(blkid -p -o value -s TYPE "$dev")" = btrfs ]
  [ "$(blkid -p -o value -s LABEL "$dev")" = jts-warm ]
  local uuid
  uuid=$(blkid -p -o value -s UUID "$dev")
  grep -qx "UUID=$uuid /srv/jts/warm btrfs noatime,nodev,nosuid,x-systemd.before=docker.service,x-systemd.required-by=docker.service 0 0" "$ROOTDIR/etc/fstab"
  grep -qx '# fstab of the test root' "$ROOTDIR/etc/fstab"
  [[ "$(findmnt -rn -o FSTYPE,OPTIONS --mountpoint "$ROOTDIR/srv/jts/warm")" == "btrfs rw,nosuid,nodev,noatime"* ]]
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/srv/jts/warm/clickhouse")" = "101:101 750" ]
  grep -q '\[mq-deadline\]' "$queue/scheduler"
  grep -q 'ATTR{queue/scheduler}="mq-deadline"' "$ROOTDIR/etc/udev/rules.d/61-jts-warm-io.rules"
  # Idempotent: a second apply finds everything in place.
  run tiers_apply apply --warm-device "$dev" --warm-kind ssd
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"= $dev holds btrfs jts-warm"* ]]
  [[ "$output" == *"nothing to change: the host matches the plan"* ]]
  # Unmounted, the mount point refuses writes (ClickHouse never fills the root disk instead).
  umount "$ROOTDIR/srv/jts/warm"
  refute touch "$ROOTDIR/srv/jts/warm/stray"
}

@test "warm device holding another filesystem is refused and left as it was" {
  need_root
  local dev uuid
  dev=$(make_loop 256M)
  mkfs.ext4 -q "$dev"
  uuid=$(blkid -p -o value -s UUID "$dev")
  run tiers_apply apply --warm-device "$dev"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--warm-device $dev is not empty (signatures: ext4"*"refusing it"* ]]
  [ "$(blkid -p -o value -s UUID "$dev")" = "$uuid" ]
}

@test "cold NFS export: the fstab line and the mount unit systemd makes of it (no NFS server here)" {
  run tiers_apply apply --cold-mount nas.lan:/export/jts
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"the NFS export nas.lan:/export/jts is not mounted"* ]]
  local line
  line=$(grep '^nas.lan:/export/jts ' "$ROOTDIR/etc/fstab")
  [[ "$line" == "nas.lan:/export/jts /srv/jts/cold nfs vers=4.2,hard,proto=tcp,nconnect=4,"*",_netdev,"*"x-systemd.required-by=docker.service 0 0" ]]
  local gen=/lib/systemd/system-generators/systemd-fstab-generator
  [ -x "$gen" ] || skip "no systemd-fstab-generator to check the mount unit with"
  mkdir -p "$BATS_TEST_TMPDIR/units"
  SYSTEMD_FSTAB="$ROOTDIR/etc/fstab" SYSTEMD_PROC_CMDLINE="" run "$gen" "$BATS_TEST_TMPDIR/units" "$BATS_TEST_TMPDIR/units" "$BATS_TEST_TMPDIR/units"
  echo "$output"
  local unit="$BATS_TEST_TMPDIR/units/srv-jts-cold.mount"
  cat "$unit"
  grep -qx 'What=nas.lan:/export/jts' "$unit"
  grep -qx 'Where=/srv/jts/cold' "$unit"
  grep -qx 'Type=nfs' "$unit"
  grep -qx 'Before=remote-fs.target' "$unit" || grep -q 'remote-fs' "$unit"
  grep -qx 'TimeoutSec=90s' "$unit" || grep -q 'TimeoutSec=1min 30s' "$unit"
  grep -q 'Before=.*docker.service' "$unit"
  [ -e "$BATS_TEST_TMPDIR/units/docker.service.requires/srv-jts-cold.mount" ]
  # And the ClickHouse policy and the collector's switch name the cold volume only.
  run "$PROVISION" apply --root "$ROOTDIR" --only configs --profile spec --cold-mount nas.lan:/export/jts
  [ "$status" -eq 0 ]
  grep -q '<path>/var/lib/clickhouse-cold/</path>' "$ROOTDIR/etc/jts/clickhouse/config.d/jts.xml"
  refute grep -q 'clickhouse-warm' "$ROOTDIR/etc/jts/clickhouse/config.d/jts.xml"
  grep -qx 'JTS_CLICKHOUSE_STORAGE_POLICY=tiered' "$ROOTDIR/etc/jts/compose.env"
  grep -qx 'JTS_CLICKHOUSE_WARM_AFTER_DAYS=0' "$ROOTDIR/etc/jts/compose.env"
  grep -qx 'JTS_CLICKHOUSE_COLD_AFTER_DAYS=90' "$ROOTDIR/etc/jts/compose.env"
  if command -v xmllint >/dev/null; then xmllint --noout "$ROOTDIR/etc/jts/clickhouse/config.d/jts.xml"; fi
}

@test "without tiers nothing is written and the collector's switch stays off" {
  run tiers_apply apply
  [ "$status" -eq 0 ]
  [[ "$output" == *"no --warm-device or --cold-mount"* ]]
  [ "$(cat "$ROOTDIR/etc/fstab")" = "# fstab of the test root" ]
  run "$PROVISION" apply --root "$ROOTDIR" --only configs --profile spec
  grep -qx 'JTS_CLICKHOUSE_STORAGE_POLICY=' "$ROOTDIR/etc/jts/compose.env"
  refute grep -q '<policies>' "$ROOTDIR/etc/jts/clickhouse/config.d/jts.xml"
}

@test "a --cold-mount that is not host:/path is refused" {
  run "$PROVISION" plan --root "$ROOTDIR" --cold-mount /export/jts
  [ "$status" -eq 1 ]
  [[ "$output" == *"--cold-mount wants an NFS export as host:/path"* ]]
}

@test "compose.yaml gives ClickHouse the tiers' directories at the paths the policy names, and the collector its switch" {
  source "$REPO/host/provision.d/common.sh"
  source "$REPO/host/provision.d/tiers.sh"
  run py -c '
import yaml, sys
c = yaml.safe_load(open(sys.argv[1]))
print("\n".join(c["services"]["clickhouse"]["volumes"]))
env = c["services"]["market-data-collector"]["environment"]
for k in ("CLICKHOUSE_STORAGE_POLICY", "CLICKHOUSE_WARM_AFTER_DAYS", "CLICKHOUSE_COLD_AFTER_DAYS"):
    print(k + "=" + str(env[k]))
' "$REPO/compose.yaml"
  echo "$output"
  [ "$status" -eq 0 ]
  grep -qx "\${JTS_DATA_ROOT:-}$TIER_WARM_MOUNT/clickhouse:${CH_WARM_PATH%/}" <<<"$output"
  grep -qx "\${JTS_DATA_ROOT:-}$TIER_COLD_MOUNT/clickhouse:${CH_COLD_PATH%/}" <<<"$output"
  # shellcheck disable=SC2016 # compose.yaml's own ${...}, matched literally
  grep -qx 'CLICKHOUSE_STORAGE_POLICY=${JTS_CLICKHOUSE_STORAGE_POLICY:-}' <<<"$output"
  # shellcheck disable=SC2016
  grep -qx 'CLICKHOUSE_WARM_AFTER_DAYS=${JTS_CLICKHOUSE_WARM_AFTER_DAYS:-0}' <<<"$output"
}

@test "--warm-after and --cold-after set the ages in compose.env; cold before warm is refused" {
  run "$PROVISION" apply --root "$ROOTDIR" --only configs --profile spec --cold-mount nas:/x --warm-after 3 --cold-after 30
  [ "$status" -eq 0 ]
  grep -qx 'JTS_CLICKHOUSE_WARM_AFTER_DAYS=0' "$ROOTDIR/etc/jts/compose.env"
  grep -qx 'JTS_CLICKHOUSE_COLD_AFTER_DAYS=30' "$ROOTDIR/etc/jts/compose.env"
  run "$PROVISION" plan --root "$ROOTDIR" --warm-device /dev/null --cold-mount nas:/x --warm-after 30 --cold-after 30
  [ "$status" -eq 1 ]
  [[ "$output" == *"--cold-after (30) must be more than --warm-after (30)"* ]]
  run "$PROVISION" plan --root "$ROOTDIR" --cold-mount nas:/x --cold-after soon
  [ "$status" -eq 1 ]
  [[ "$output" == *"--cold-after wants a whole number of days"* ]]
}
