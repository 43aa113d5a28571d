#!/usr/bin/env bats
# host/provision on real block devices: sparse files on loop devices. What runs for
# real here: the device checks, pvcreate and vgcreate, mkfs.ext4 and mkfs.xfs, fstab
# written under --root and checked by findmnt --verify, mount with the generated
# options, owners, and the scheduler and read-ahead written through sysfs.
#
# What cannot: lvcreate needs the kernel's device-mapper, which kernels without it
# (like the one these tests were written on) lack. There the storage test checks
# that apply stops with a clear message after vgcreate, and the filesystem and mount
# tests stand loop devices in for the logical volumes (JTS_PROVISION_TEST_LV_DIR).
# Where device-mapper exists, the storage test creates the volumes for real.

load helpers

setup() {
  need_root
  ROOTDIR="$BATS_TEST_TMPDIR/root"
  mkdir -p "$ROOTDIR/etc"
  echo "# fstab of the test root" >"$ROOTDIR/etc/fstab"
}

teardown() {
  if [ -n "${RESTORE_QUEUE:-}" ]; then
    echo "$RESTORE_SCHED" >"$RESTORE_QUEUE/scheduler" 2>/dev/null || true
    echo "$RESTORE_RA" >"$RESTORE_QUEUE/read_ahead_kb" 2>/dev/null || true
  fi
  cleanup_devices
}

has_device_mapper() { [ -e /sys/class/misc/device-mapper ]; }

# stand_in_volumes: seven loop devices as the seven logical volumes (XFS needs 300 MiB).
stand_in_volumes() {
  LVDIR="$BATS_TEST_TMPDIR/lv"
  mkdir -p "$LVDIR"
  local name size
  for name in lv_system lv_postgres lv_clickhouse lv_kafka lv_mongodb lv_redis lv_backup; do
    size=64M
    [ "$name" != lv_kafka ] || size=320M
    ln -s "$(make_loop "$size")" "$LVDIR/$name"
  done
}

volumes_apply() { JTS_PROVISION_TEST_LV_DIR="$LVDIR" "$PROVISION" "$@" --root "$ROOTDIR" --only filesystems,mounts; }

@test "LVM's extent count on 500 GB, 1 TB, 4 TB and 8 TB disks is the one the layout computes" {
  source "$REPO/host/provision.d/common.sh"
  source "$REPO/host/provision.d/layout.sh"
  local bytes dev vg have
  for bytes in 500000000000 1000000000000 4000000000000 8000000000000; do
    dev=$(make_loop "$bytes")
    vg=$(test_vg)
    pvcreate -q "$dev"
    vgcreate -q -s 4M "$vg" "$dev"
    have=$(vgs --noheadings -o vg_extent_count "$vg" | tr -d ' ')
    echo "$bytes bytes: LVM $have extents, layout $(vg_extents_for "$bytes")"
    [ "$have" = "$(vg_extents_for "$bytes")" ]
    vgremove -q -f "$vg"
    pvremove -q -y "$dev"
  done
}

@test "plan on a real 4 TB device shows the layout of --size 4TB and changes nothing" {
  local dev
  dev=$(make_loop 4000000000000)
  run "$PROVISION" plan --device "$dev" --root "$ROOTDIR" --only storage
  [ "$status" -eq 0 ]
  local real=$output
  run "$PROVISION" plan --size 4TB --root "$ROOTDIR" --only storage
  [ "$(layout_rows "$real")" = "$(layout_rows "$output")" ]
  [ -z "$(wipefs -i "$dev")" ]
}

@test "apply runs pvcreate and vgcreate for real; without device-mapper it stops before lvcreate, and resumes" {
  local dev vg
  dev=$(make_loop 200G)
  vg=$(test_vg)
  run "$PROVISION" apply --device "$dev" --vg "$vg" --root "$ROOTDIR" --only storage
  echo "$output"
  [[ "$output" == *"\$ pvcreate $dev"* ]]
  [[ "$output" == *"\$ vgcreate -s 4M $vg $dev"* ]]
  [ "$(pvs --noheadings -o vg_name "$dev" | tr -d ' ')" = "$vg" ]
  [ "$(vgs --noheadings -o vg_extent_count "$vg" | tr -d ' ')" = 51199 ]
  if has_device_mapper; then
    [ "$status" -eq 0 ]
    [ "$(lvs --noheadings "$vg" | wc -l)" -eq 7 ]
  else
    [ "$status" -eq 1 ]
    [[ "$output" == *"this kernel has no device-mapper"*"The physical volume and $vg are in place"* ]]
    refute grep -q '\$ lvcreate' <<<"$output"
  fi
  # A second apply finds the PV and VG and does not make them again.
  run "$PROVISION" apply --device "$dev" --vg "$vg" --root "$ROOTDIR" --only storage
  [[ "$output" == *"= $dev is a physical volume of $vg"* ]]
  refute grep -qE '\$ (pvcreate|vgcreate)' <<<"$output"
  if has_device_mapper; then [[ "$output" == *"nothing to change"* ]]; fi
}

@test "plan leaves a device untouched" {
  local dev
  dev=$(make_loop 200G)
  run "$PROVISION" plan --device "$dev" --vg "$(test_vg)" --root "$ROOTDIR"
  [[ "$output" == *"\$ pvcreate $dev"* ]]
  [ -z "$(wipefs -i "$dev")" ]
  [ ! -e "$ROOTDIR/etc/jts" ]
}

@test "refuses a device that holds a filesystem, and leaves it as it was" {
  local dev uuid
  dev=$(make_loop 200G)
  mkfs.ext4 -q "$dev"
  uuid=$(blkid -p -o value -s UUID "$dev")
  for mode in plan apply; do
    run "$PROVISION" "$mode" --device "$dev" --vg "$(test_vg)" --root "$ROOTDIR"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$dev is not empty (signatures: ext4). It may hold data: refusing it."*"--force wipes the signatures"* ]]
  done
  [ "$(blkid -p -o value -s UUID "$dev")" = "$uuid" ]
}

@test "refuses a device with a partition table" {
  local dev
  dev=$(make_loop 200G)
  echo 'label: gpt' | sfdisk -q "$dev"
  run "$PROVISION" apply --device "$dev" --vg "$(test_vg)" --root "$ROOTDIR" --only storage
  [ "$status" -eq 1 ]
  [[ "$output" == *"$dev is not empty (signatures: "*gpt*"refusing it"* ]]
}

@test "refuses an LVM signature unless --force, and another group's disk even with --force" {
  local dev vg
  dev=$(make_loop 200G)
  pvcreate -q "$dev"
  run "$PROVISION" apply --device "$dev" --vg "$(test_vg)" --root "$ROOTDIR" --only storage
  [ "$status" -eq 1 ]
  [[ "$output" == *"not empty (signatures: LVM2_member)"* ]]
  vg=$(test_vg)
  vgcreate -q "${vg}other" "$dev"
  echo "${vg}other" >>"$BATS_TEST_TMPDIR/.vgs"
  run "$PROVISION" apply --device "$dev" --vg "$vg" --root "$ROOTDIR" --only storage --force
  [ "$status" -eq 1 ]
  [[ "$output" == *"physical volume of volume group '${vg}other': refusing it even with --force"* ]]
}

@test "--force wipes a non-empty device and takes it" {
  local dev vg
  dev=$(make_loop 200G)
  mkfs.ext4 -q "$dev"
  vg=$(test_vg)
  run "$PROVISION" apply --device "$dev" --vg "$vg" --root "$ROOTDIR" --only storage --force
  [[ "$output" == *"warning: $dev is not empty (signatures: ext4): --force wipes it"* ]]
  [[ "$output" == *"\$ wipefs --all $dev"* ]]
  [ "$(blkid -p -o value -s TYPE "$dev")" = LVM2_member ]
  [ "$(pvs --noheadings -o vg_name "$dev" | tr -d ' ')" = "$vg" ]
}

@test "refuses a mounted device even with --force" {
  local dev
  dev=$(make_loop 200G)
  mkfs.ext4 -q "$dev"
  mkdir "$BATS_TEST_TMPDIR/mnt"
  mount "$dev" "$BATS_TEST_TMPDIR/mnt"
  run "$PROVISION" apply --device "$dev" --vg "$(test_vg)" --root "$ROOTDIR" --only storage --force
  [ "$status" -eq 1 ]
  [[ "$output" == *"is mounted: refusing it"* ]]
}

@test "mkfs and mount with the generated options; fstab by UUID under --root, backed up and verified by findmnt" {
  stand_in_volumes
  run volumes_apply apply
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"findmnt --verify --tab-file $ROOTDIR/etc/fstab"*"Success, no errors or warnings detected"* ]]
  # The fstab: the test root's own line kept, the old file backed up, one line per volume by UUID.
  local fstab="$ROOTDIR/etc/fstab" name uuid
  grep -qx '# fstab of the test root' "$fstab"
  [ "$(find "$ROOTDIR/etc" -name 'fstab.jts-backup.*' | wc -l)" -eq 1 ]
  for name in lv_system lv_postgres lv_clickhouse lv_kafka lv_mongodb lv_redis lv_backup; do
    uuid=$(blkid -p -o value -s UUID "$LVDIR/$name")
    [ -n "$uuid" ]
    grep -q "^UUID=$uuid " "$fstab"
  done
  # Our own check of the result, independent of the script's.
  awk -v r="$ROOTDIR" '$1 !~ /^#/ && $2 ~ /^\// { $2 = r $2 } { print }' "$fstab" >"$BATS_TEST_TMPDIR/fstab.rooted"
  findmnt --verify --tab-file "$BATS_TEST_TMPDIR/fstab.rooted"
  # The kernel's view of each mount.
  opts() { findmnt -rn -o FSTYPE,OPTIONS --mountpoint "$ROOTDIR$1"; }
  [[ "$(opts /var/lib/postgresql)" == "ext4 rw,nosuid,nodev,noatime"*"data=ordered"* ]]
  [[ "$(opts /var/lib/redis)" == "ext4 rw,nosuid,nodev,noatime"*"data=ordered"* ]]
  [[ "$(opts /var/lib/clickhouse)" == "ext4 rw,nosuid,nodev,noatime"* ]]
  [[ "$(opts /var/lib/mongodb)" == "ext4 rw,nosuid,nodev,noatime"* ]]
  [[ "$(opts /var/lib/kafka)" == "xfs rw,nosuid,nodev,noatime"*"logbufs=8,logbsize=256k"* ]]
  [[ "$(opts /backup)" == "ext4 rw,nosuid,nodev,noexec,noatime"* ]]
  [[ "$(opts /var/lib/docker)" == "ext4 rw,noatime"* ]]
  # ext4 made with the inode tables and journal initialised now (lazy_*_init=0).
  [ "$(blkid -p -o value -s LABEL "$LVDIR/lv_postgres")" = jts-postgres ]
  [ "$(blkid -p -o value -s TYPE "$LVDIR/lv_kafka")" = xfs ]
  # Owners the servers' images run as.
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/var/lib/postgresql")" = "999:999 700" ]
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/var/lib/clickhouse")" = "101:101 750" ]
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/var/lib/kafka")" = "1000:1000 750" ]
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/var/lib/mongodb")" = "999:999 750" ]
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/var/lib/redis")" = "999:999 750" ]
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/backup/postgresql")" = "999:999 700" ]
  [ "$(stat -c '%u:%g %a' "$ROOTDIR/backup/clickhouse")" = "101:101 750" ]
  # While unmounted, a mount point refuses writes (a server started too early fails).
  umount "$ROOTDIR/var/lib/redis"
  refute touch "$ROOTDIR/var/lib/redis/stray-file"
}

@test "a second apply changes nothing (idempotence), and plan agrees" {
  stand_in_volumes
  run volumes_apply apply
  [ "$status" -eq 0 ]
  local before
  before=$(sha256sum "$ROOTDIR/etc/fstab"; ls "$ROOTDIR/etc"; findmnt -rn -o TARGET | grep -c "^$ROOTDIR/")
  run volumes_apply apply
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"nothing to change: the host matches the plan"* ]]
  refute grep -qE '^  (\$|>) ' <<<"$output"
  [ "$(sha256sum "$ROOTDIR/etc/fstab"; ls "$ROOTDIR/etc"; findmnt -rn -o TARGET | grep -c "^$ROOTDIR/")" = "$before" ]
  run volumes_apply plan
  [[ "$output" == *"nothing to change"* ]]
  # After a reboot-like unmount, apply mounts again from the fstab and changes nothing else.
  umount "$ROOTDIR/var/lib/kafka"
  run volumes_apply apply
  [ "$status" -eq 0 ]
  [ "$(grep -c '^  \$ ' <<<"$output")" -eq 1 ]
  [[ "$output" == *"\$ mount --fstab $ROOTDIR/etc/fstab --target-prefix $ROOTDIR /var/lib/kafka"* ]]
}

@test "a mount point holding files is not hidden by a mount: apply stops, plan reports it" {
  stand_in_volumes
  mkdir -p "$ROOTDIR/var/lib/postgresql"
  echo data >"$ROOTDIR/var/lib/postgresql/PG_VERSION"
  run volumes_apply plan
  [ "$status" -eq 1 ]
  [[ "$output" == *"apply would stop here: $ROOTDIR/var/lib/postgresql is not mounted but holds files"* ]]
  run volumes_apply apply
  [ "$status" -eq 1 ]
  [[ "$output" == *"$ROOTDIR/var/lib/postgresql is not mounted but holds files"* ]]
  refute mountpoint -q "$ROOTDIR/var/lib/postgresql"
}

@test "the kernel refuses the spec's XFS nobarrier, which the layout never uses" {
  local dev
  dev=$(make_loop 320M)
  mkfs.xfs -q "$dev"
  mkdir "$BATS_TEST_TMPDIR/mnt"
  run mount -t xfs -o noatime,nobarrier,logbufs=8 "$dev" "$BATS_TEST_TMPDIR/mnt"
  [ "$status" -ne 0 ]
  mount -t xfs -o noatime,logbufs=8,logbsize=256k "$dev" "$BATS_TEST_TMPDIR/mnt"
}

@test "the I/O scheduler and read-ahead are written through sysfs on a loop device and kept in a udev rule" {
  local dev name queue
  dev=$(make_loop 1G)
  name=${dev#/dev/}
  queue=/sys/block/$name/queue
  RESTORE_QUEUE=$queue
  RESTORE_SCHED=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$queue/scheduler")
  RESTORE_RA=$(cat "$queue/read_ahead_kb")
  local kind want
  for kind in ssd:mq-deadline hdd:bfq nvme:none; do
    want=${kind#*:} kind=${kind%%:*}
    grep -qw "$want" "$queue/scheduler" || modprobe "$want" 2>/dev/null || skip "this kernel has no $want scheduler"
    run "$PROVISION" apply --device "$dev" --kind "$kind" --root "$ROOTDIR" --only tuning
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q "\[$want\]" "$queue/scheduler"
    grep -q "KERNEL==\"$name\".*ATTR{queue/scheduler}=\"$want\"" "$ROOTDIR/etc/udev/rules.d/60-jts-io.rules" ||
      grep -q "ENV{ID_.*ATTR{queue/scheduler}=\"$want\"" "$ROOTDIR/etc/udev/rules.d/60-jts-io.rules"
  done
  [ "$(cat "$queue/read_ahead_kb")" = 128 ]
  [ -f "$ROOTDIR/etc/modules-load.d/jts-io.conf" ]
  run "$PROVISION" apply --device "$dev" --kind nvme --root "$ROOTDIR" --only tuning
  [[ "$output" == *"= $name scheduler is none"* ]]
  [[ "$output" == *"nothing to change"* ]]
}

@test "the whole apply on a loop device: configs, kernel files and tuning under --root, twice" {
  local dev
  dev=$(make_loop 200G)
  RESTORE_QUEUE=/sys/block/${dev#/dev/}/queue
  RESTORE_SCHED=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$RESTORE_QUEUE/scheduler")
  RESTORE_RA=$(cat "$RESTORE_QUEUE/read_ahead_kb")
  run "$PROVISION" apply --device "$dev" --kind ssd --profile spec --root "$ROOTDIR" --only tuning,kernel,configs
  [ "$status" -eq 0 ]
  local f
  for f in etc/udev/rules.d/60-jts-io.rules etc/sysctl.d/60-jts.conf etc/tmpfiles.d/jts-thp.conf \
    etc/jts/postgresql/postgresql.conf etc/jts/clickhouse/config.d/jts.xml etc/jts/clickhouse/users.d/jts.xml \
    etc/jts/redis/redis.conf etc/jts/mongodb/mongod.conf etc/jts/compose.env; do
    [ -f "$ROOTDIR/$f" ] || { echo "missing $f"; false; }
  done
  run "$PROVISION" apply --device "$dev" --kind ssd --profile spec --root "$ROOTDIR" --only tuning,kernel,configs
  [ "$status" -eq 0 ]
  [[ "$output" == *"nothing to change: the host matches the plan"* ]]
}
