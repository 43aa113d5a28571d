#!/usr/bin/env bats
# `host/provision plan`: the layout for real disk sizes, refusals, mount options and
# the commands it prints. No root and no devices needed (--size plans for a disk).

load helpers

setup() {
  ROOTDIR="$BATS_TEST_TMPDIR/root"
}

# check_layout OUTPUT BYTES: the table adds up, fits the disk, keeps the minimums and
# the snapshot reserve, and every row has its lvcreate with the same extents.
check_layout() {
  local out=$1 bytes=$2 total sum=0 name ext free min
  total=$(((bytes / 1048576 - 1) / 4))
  while read -r name ext; do
    sum=$((sum + ext))
    min=$(awk -v n="$name" '$1 == n { print $5 }' <<<"$out")
    ((ext >= min * 256)) || { echo "$name: $ext extents is below its minimum of $min GiB"; return 1; }
    grep -qE "lvcreate .* -n $name -l $ext( |$)" <<<"$out" || { echo "no lvcreate for $name with $ext extents"; return 1; }
  done < <(layout_rows "$out")
  free=$(awk '$1 == "(free)" { print $3 }' <<<"$out")
  grep -qE "vg total +[0-9.]+ +$total " <<<"$out" || { echo "vg total is not $total extents"; return 1; }
  ((sum + free == total)) || { echo "volumes ($sum) + free ($free) != $total extents"; return 1; }
  ((free * 10 >= total)) || { echo "only $free of $total extents kept free for snapshots"; return 1; }
  (((sum + free) * 4 * 1048576 + 1048576 <= bytes)) || { echo "the layout needs more than the disk"; return 1; }
  [ "$(layout_rows "$out" | wc -l)" -eq 7 ] || { echo "expected 7 volumes"; return 1; }
}

@test "plan is the default subcommand and changes nothing" {
  run "$PROVISION" --size 1TB --root "$ROOTDIR"
  [ "$status" -eq 0 ]
  [[ "$output" == *"plan: nothing is changed"* ]]
  [[ "$output" == *"run \`host/provision apply\` with the same options"* ]]
  [ ! -e "$ROOTDIR" ]
}

@test "plan for a 500 GB disk: 465.7 GiB shared by the seven volumes, 10% free" {
  run "$PROVISION" plan --size 500GB --root "$ROOTDIR" --only storage
  [ "$status" -eq 0 ]
  check_layout "$output" 500000000000
  [ "$(layout_rows "$output" | tr '\n' ' ')" = "lv_system 5360 lv_postgres 21442 lv_clickhouse 53606 lv_kafka 16081 lv_mongodb 5360 lv_redis 1340 lv_backup 4096 " ]
}

@test "plan for a 1 TB disk" {
  run "$PROVISION" plan --size 1TB --root "$ROOTDIR" --only storage
  [ "$status" -eq 0 ]
  check_layout "$output" 1000000000000
  [ "$(layout_rows "$output" | tr '\n' ' ')" = "lv_system 10728 lv_postgres 42915 lv_clickhouse 107288 lv_kafka 32186 lv_mongodb 10728 lv_redis 2682 lv_backup 8046 " ]
}

@test "plan for a 4 TB disk fits in its 3725 GiB, where the spec's 4000 GiB did not" {
  run "$PROVISION" plan --size 4TB --root "$ROOTDIR" --only storage
  [ "$status" -eq 0 ]
  check_layout "$output" 4000000000000
  [[ "$output" == *"vg total          3725.3    953674"* ]]
  [ "$(layout_rows "$output" | tr '\n' ' ')" = "lv_system 42915 lv_postgres 171661 lv_clickhouse 429153 lv_kafka 128745 lv_mongodb 42915 lv_redis 10728 lv_backup 32186 " ]
  # The original spec: 200+800+2000+600+200+50+150 GiB = 4000 GiB = 1024000 extents.
  ((1024000 > 953674))
}

@test "plan for an 8 TB disk" {
  run "$PROVISION" plan --size 8TB --root "$ROOTDIR" --only storage
  [ "$status" -eq 0 ]
  check_layout "$output" 8000000000000
  [ "$(layout_rows "$output" | tr '\n' ' ')" = "lv_system 85830 lv_postgres 343322 lv_clickhouse 858306 lv_kafka 257491 lv_mongodb 85830 lv_redis 21457 lv_backup 64372 " ]
}

@test "plan prints every command: pvcreate, vgcreate, lvcreate, mkfs, fstab, mount, chown, tuning, configs" {
  run "$PROVISION" plan --size 4TB --root "$ROOTDIR" --profile spec
  [ "$status" -eq 0 ]
  [[ "$output" == *'$ pvcreate <device>'* ]]
  [[ "$output" == *'$ vgcreate -s 4M vg_jts <device>'* ]]
  [ "$(grep -c '\$ lvcreate ' <<<"$output")" -eq 7 ]
  [ "$(grep -c '\$ mkfs.ext4 -q -L jts-[a-z]* -m 1 -E lazy_itable_init=0,lazy_journal_init=0' <<<"$output")" -eq 6 ]
  [[ "$output" == *'$ mkfs.xfs -q -L jts-kafka /dev/vg_jts/lv_kafka'* ]]
  [[ "$output" == *"> write $ROOTDIR/etc/fstab (new"* ]]
  [[ "$output" == *"findmnt --verify --tab-file $ROOTDIR/etc/fstab"* ]]
  [ "$(grep -c "\\\$ mount --fstab $ROOTDIR/etc/fstab --target-prefix $ROOTDIR " <<<"$output")" -eq 7 ]
  [[ "$output" == *'$ echo none > /sys/block/<device>/queue/scheduler'* ]]
  [[ "$output" == *"> write $ROOTDIR/etc/udev/rules.d/60-jts-io.rules (new"* ]]
  [[ "$output" == *"> write $ROOTDIR/etc/sysctl.d/60-jts.conf (new"* ]]
  [[ "$output" == *"> write $ROOTDIR/etc/tmpfiles.d/jts-thp.conf (new"* ]]
  [[ "$output" == *"> write $ROOTDIR/etc/jts/postgresql/postgresql.conf (new"* ]]
}

@test "every volume mounts where its server expects it, owned by the server's user" {
  run "$PROVISION" plan --size 1TB --root "$ROOTDIR"
  [ "$status" -eq 0 ]
  local pair
  for pair in var/lib/postgresql:999:999:0700 var/lib/clickhouse:101:101:0750 var/lib/kafka:1000:1000:0750 \
    var/lib/mongodb:999:999:0750 var/lib/redis:999:999:0750 backup:0:0:0755 var/lib/docker:0:0:0710 \
    backup/postgresql:999:999:0700 backup/clickhouse:101:101:0750; do
    IFS=: read -r dir uid gid mode <<<"$pair"
    [[ "$output" == *"\$ chown $uid:$gid $ROOTDIR/$dir"$'\n'"  \$ chmod $mode $ROOTDIR/$dir"* ]] || { echo "no owner for /$dir"; false; }
  done
}

@test "fstab: entries by UUID, noatime, ext4 data=ordered under PostgreSQL and Redis, XFS for Kafka, never nobarrier" {
  run "$PROVISION" plan --size 1TB --root "$ROOTDIR" --only storage,filesystems,mounts
  [ "$status" -eq 0 ]
  local lines
  lines=$(grep -E '^    \| \+?UUID=' <<<"$output" | sed -E 's/^    \| \+?//')
  [ "$(wc -l <<<"$lines")" -eq 7 ]
  refute grep -v '^UUID=' <<<"$lines"
  refute grep -q 'nobarrier' <<<"$output"
  refute grep -q 'data=writeback' <<<"$output"
  [ "$(awk '$3 != "xfs" && $4 !~ /(^|,)noatime(,|$)/' <<<"$lines" | wc -l)" -eq 0 ]
  grep -qE ' /var/lib/postgresql ext4 noatime,nodev,nosuid,data=ordered,' <<<"$lines"
  grep -qE ' /var/lib/redis ext4 noatime,nodev,nosuid,data=ordered,' <<<"$lines"
  grep -qE ' /var/lib/kafka xfs noatime,nodev,nosuid,logbufs=8,logbsize=256k,.* 0 0$' <<<"$lines"
  [ "$(grep -c ' ext4 ' <<<"$lines")" -eq 6 ]
  grep -q ' /backup ext4 [^ ]*noexec' <<<"$lines"
}

@test "--unsafe-data-writeback warns and puts data=writeback on PostgreSQL and Redis only" {
  run "$PROVISION" plan --size 1TB --root "$ROOTDIR" --only storage,filesystems,mounts --unsafe-data-writeback
  [ "$status" -eq 0 ]
  [[ "$output" == *"warning: --unsafe-data-writeback"*"may contain stale or garbage blocks"* ]]
  [ "$(grep -c 'data=writeback' <<<"$(grep -E '^    \| \+?UUID=' <<<"$output")")" -eq 2 ]
  grep -qE 'UUID=\S+ /var/lib/postgresql ext4 noatime,nodev,nosuid,data=writeback,' <<<"$output"
  grep -qE 'UUID=\S+ /var/lib/redis ext4 noatime,nodev,nosuid,data=writeback,' <<<"$output"
}

@test "refuses a disk too small for the minimums, naming the size it needs" {
  run "$PROVISION" plan --size 100GB --root "$ROOTDIR"
  [ "$status" -eq 1 ]
  [[ "$output" == *"holds 93.1 GiB, too small for the JTS layout: it needs at least 120.0 GiB"* ]]
}

@test "the smallest disk the error names is accepted, one extent less is refused" {
  source "$REPO/host/provision.d/common.sh"
  source "$REPO/host/provision.d/layout.sh"
  local min
  min=$(min_device_bytes)
  run "$PROVISION" plan --size "${min}B" --root "$ROOTDIR" --only storage
  [ "$status" -eq 0 ]
  check_layout "$output" "$min"
  run "$PROVISION" plan --size "$((min - 4194304))B" --root "$ROOTDIR" --only storage
  [ "$status" -eq 1 ]
  [[ "$output" == *"too small"* ]]
}

@test "the scheduler follows the kind of disk: none for NVMe, mq-deadline for SATA SSD, bfq for HDD" {
  run "$PROVISION" plan --size 1TB --device /dev/sdz --kind ssd --root "$ROOTDIR" --only tuning
  [[ "$output" == *'$ echo mq-deadline > /sys/block/sdz/queue/scheduler'* ]]
  [[ "$output" == *'ATTR{queue/scheduler}="mq-deadline"'* ]]
  run "$PROVISION" plan --size 1TB --device /dev/sdz --kind hdd --root "$ROOTDIR" --only tuning
  [[ "$output" == *'$ echo bfq > /sys/block/sdz/queue/scheduler'* ]]
  [[ "$output" == *'$ echo 1024 > /sys/block/sdz/queue/read_ahead_kb'* ]]
  [[ "$output" == *"> write $ROOTDIR/etc/modules-load.d/jts-io.conf"* ]]
  run "$PROVISION" plan --size 1TB --device /dev/nvme9n1 --root "$ROOTDIR" --only tuning
  [[ "$output" == *'$ echo none > /sys/block/nvme9n1/queue/scheduler'* ]]
  [[ "$output" == *"fstrim.timer"* ]]
}

@test "sysctl and THP: swappiness, dirty ratios, max_map_count, somaxconn, file-max, huge pages off" {
  run "$PROVISION" plan --root "$ROOTDIR" --only kernel
  [ "$status" -eq 0 ]
  local key
  for key in "vm.swappiness = 1" "vm.dirty_background_ratio = 5" "vm.dirty_ratio = 15" \
    "vm.max_map_count = 262144" "net.core.somaxconn = 8192" "fs.file-max = 2097152"; do
    [[ "$output" == *"| $key"* ]] || { echo "missing $key"; false; }
  done
  [[ "$output" == *"| w /sys/kernel/mm/transparent_hugepage/enabled - - - - never"* ]]
  [[ "$output" == *"the running kernel's sysctl values are left alone"* ]]
}

@test "without --device the storage phases say so and the rest is planned" {
  run "$PROVISION" plan --root "$ROOTDIR"
  [ "$status" -eq 0 ]
  [[ "$output" == *"no --device given: storage skipped"* ]]
  [[ "$output" == *"no --device given: scheduler, read-ahead and udev rule skipped"* ]]
  [[ "$output" == *"etc/jts/compose.env (new"* ]]
}

@test "usage errors are refused with a reason" {
  run "$PROVISION" plan --bogus
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown argument '--bogus'"* ]]
  run "$PROVISION" apply --size 1TB --root "$ROOTDIR"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--size is for plan only"* ]]
  run "$PROVISION" plan --size 1TB --kind floppy
  [[ "$output" == *"--kind wants nvme, ssd or hdd"* ]]
  run "$PROVISION" plan --only storage,everything
  [[ "$output" == *"unknown phase 'everything'"* ]]
  run "$PROVISION" plan --size 12parsecs
  [[ "$output" == *"unknown size unit"* ]]
  run "$PROVISION" plan --profile 2g
  [[ "$output" == *"at least 4 GiB of RAM"* ]]
  run "$PROVISION" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--unsafe-data-writeback"* ]]
}

@test "reading a real device needs root" {
  [ "$(id -u)" -eq 0 ] || skip "runs as root to switch to an unprivileged user"
  run runuser -u nobody -- "$PROVISION" plan --device /dev/null --root "$ROOTDIR"
  [ "$status" -eq 1 ]
  [[ "$output" == *"reading /dev/null needs root"* ]]
}
