# shellcheck shell=bash disable=SC2034 # the tables are read by the other parts of host/provision
# The storage layout: which logical volumes, how big, where mounted, with what.
# Sourced by host/provision; pure functions of the device size, no I/O.
#
# The original spec gave fixed sizes that add up to 4000 GiB for a "4TB" SSD, which
# holds 4e12 bytes = 3725 GiB, so its last volumes could not be created. Here the
# spec's sizes are only weights: each volume gets its share of the real volume group,
# never less than its minimum, and SNAPSHOT_PCT of the group stays free so LVM
# snapshots (consistent backups) have room.

VG=${VG:-vg_jts}
PE_MIB=4        # LVM's default extent size, passed explicitly to vgcreate
PE_START_MIB=1  # where LVM puts the first extent on a whole-disk PV (checked in host/test)
SNAPSHOT_PCT=10

VOLUMES=(lv_system lv_postgres lv_clickhouse lv_kafka lv_mongodb lv_redis lv_backup)

# Weights are the spec's GiB for 4000 GiB; minimums in GiB.
declare -A V_WEIGHT=([lv_system]=200 [lv_postgres]=800 [lv_clickhouse]=2000 [lv_kafka]=600
  [lv_mongodb]=200 [lv_redis]=50 [lv_backup]=150)
declare -A V_MIN_GIB=([lv_system]=20 [lv_postgres]=16 [lv_clickhouse]=32 [lv_kafka]=16
  [lv_mongodb]=4 [lv_redis]=4 [lv_backup]=16)

# The spec mounts lv_system at /, which only an OS installer can do; on a running
# host it holds what "system & Docker" grows: images, container logs, named volumes.
declare -A V_MOUNT=([lv_system]=/var/lib/docker [lv_postgres]=/var/lib/postgresql
  [lv_clickhouse]=/var/lib/clickhouse [lv_kafka]=/var/lib/kafka [lv_mongodb]=/var/lib/mongodb
  [lv_redis]=/var/lib/redis [lv_backup]=/backup)
declare -A V_FS=([lv_system]=ext4 [lv_postgres]=ext4 [lv_clickhouse]=ext4 [lv_kafka]=xfs
  [lv_mongodb]=ext4 [lv_redis]=ext4 [lv_backup]=ext4)
declare -A V_LABEL=([lv_system]=jts-system [lv_postgres]=jts-postgres [lv_clickhouse]=jts-clickhouse
  [lv_kafka]=jts-kafka [lv_mongodb]=jts-mongodb [lv_redis]=jts-redis [lv_backup]=jts-backup)

# Mount options. Never `nobarrier` (removed from XFS in Linux 4.19: the mount fails)
# and never ext4 `data=writeback` under PostgreSQL or Redis (after a crash, files may
# hold stale blocks): data=ordered is written out so the choice is visible.
# Only --unsafe-data-writeback (with a warning) turns it on, see mount_options.
declare -A V_OPTS=([lv_system]="noatime"
  [lv_postgres]="noatime,nodev,nosuid,data=ordered"
  [lv_clickhouse]="noatime,nodev,nosuid"
  [lv_kafka]="noatime,nodev,nosuid,logbufs=8,logbsize=256k"
  [lv_mongodb]="noatime,nodev,nosuid"
  [lv_redis]="noatime,nodev,nosuid,data=ordered"
  [lv_backup]="noatime,nodev,nosuid,noexec")
# The servers start in containers (compose.yaml), so the volumes must be mounted
# first: systemd orders the mounts before Docker and Docker fails without them.
SYSTEMD_OPTS=x-systemd.before=docker.service,x-systemd.required-by=docker.service

# Owners as the official images run their servers (uid:gid inside the container):
# postgres 999, clickhouse 101, kafka (apache/kafka "appuser") 1000, mongodb 999,
# redis 999 (Debian variants).
declare -A V_OWNER=([lv_system]=0:0 [lv_postgres]=999:999 [lv_clickhouse]=101:101
  [lv_kafka]=1000:1000 [lv_mongodb]=999:999 [lv_redis]=999:999 [lv_backup]=0:0)
declare -A V_PERM=([lv_system]=0710 [lv_postgres]=0700 [lv_clickhouse]=0750 [lv_kafka]=0750
  [lv_mongodb]=0750 [lv_redis]=0750 [lv_backup]=0755)
# Directories made on a volume after it is mounted: path:owner:mode.
declare -A V_SUBDIRS=([lv_backup]="postgresql:999:999:0700 clickhouse:101:101:0750")

# Read-ahead in 512-byte sectors, set on the LV (kept in LVM metadata): small for
# random-access databases (MongoDB's production notes ask 8-32), large for sequential
# logs, scans and backups; "auto" leaves the kernel default.
declare -A V_READAHEAD=([lv_system]=auto [lv_postgres]=256 [lv_clickhouse]=2048 [lv_kafka]=2048
  [lv_mongodb]=32 [lv_redis]=256 [lv_backup]=8192)

UNSAFE_DATA_WRITEBACK=${UNSAFE_DATA_WRITEBACK:-0}

mount_options() {
  local name=$1 opts=${V_OPTS[$1]}
  if ((UNSAFE_DATA_WRITEBACK)) && [[ "$opts" == *data=ordered* ]]; then
    opts=${opts/data=ordered/data=writeback}
  fi
  printf '%s,%s\n' "$opts" "$SYSTEMD_OPTS"
}

# mkfs_command NAME DEVICE: the mkfs argv, one word a line. lazy_*_init=0 writes the
# inode tables and the journal now instead of in the background during the first
# hours of trading.
mkfs_command() {
  local name=$1 dev=$2
  case "${V_FS[$name]}" in
    ext4)
      printf '%s\n' mkfs.ext4 -q -L "${V_LABEL[$name]}" -m 1 -E lazy_itable_init=0,lazy_journal_init=0
      [ "$name" = lv_backup ] && printf '%s\n' -T largefile
      ;;
    xfs) printf '%s\n' mkfs.xfs -q -L "${V_LABEL[$name]}" ;;
  esac
  printf '%s\n' "$dev"
}

# fsck order: ext4 is checked at boot (2); xfs_repair is not a boot-time fsck (0).
fsck_pass() { [ "${V_FS[$1]}" = xfs ] && echo 0 || echo 2; }

# vg_extents_for BYTES: extents in a VG made of one whole-disk PV of that size.
vg_extents_for() {
  local mib=$(($1 / MIB))
  ((mib > PE_START_MIB)) || { echo 0 && return; }
  echo $(((mib - PE_START_MIB) / PE_MIB))
}

ext_per_gib() { echo $((1024 / PE_MIB)); }

snapshot_reserve() { echo $((($1 * SNAPSHOT_PCT + 99) / 100)); }

min_extents_total() {
  local name sum=0
  for name in "${VOLUMES[@]}"; do sum=$((sum + V_MIN_GIB[$name] * $(ext_per_gib))); done
  echo "$sum"
}

# The smallest device (bytes) the layout fits on.
min_device_bytes() {
  local need total
  need=$(min_extents_total)
  total=$(((need * 100 + 99 - SNAPSHOT_PCT) / (100 - SNAPSHOT_PCT)))
  while ((total - $(snapshot_reserve "$total") < need)); do total=$((total + 1)); done
  echo $(((total * PE_MIB + PE_START_MIB) * MIB))
}

# layout_compute TOTAL_EXTENTS: fills LV_EXT[name] and LAYOUT_FREE, or returns 1.
# Each volume gets its weight's share of what the snapshot reserve leaves; one
# below its minimum is raised to it and the others share the rest (repeated until
# every volume has at least its minimum). Rounding down leaves a few extents more free.
declare -A LV_EXT=()
LAYOUT_FREE=0
layout_compute() {
  local total=$1 alloc name rest wsum again
  local -A fixed=()
  LV_EXT=()
  alloc=$((total - $(snapshot_reserve "$total")))
  (($(min_extents_total) <= alloc)) || return 1
  while :; do
    rest=$alloc wsum=0 again=0
    for name in "${VOLUMES[@]}"; do
      if [ -n "${fixed[$name]:-}" ]; then rest=$((rest - LV_EXT[$name])); else wsum=$((wsum + V_WEIGHT[$name])); fi
    done
    for name in "${VOLUMES[@]}"; do
      [ -z "${fixed[$name]:-}" ] || continue
      LV_EXT[$name]=$((rest * V_WEIGHT[$name] / wsum))
      if ((LV_EXT[$name] < V_MIN_GIB[$name] * $(ext_per_gib))); then
        LV_EXT[$name]=$((V_MIN_GIB[$name] * $(ext_per_gib)))
        fixed[$name]=1
        again=1
      fi
    done
    ((again)) || break
  done
  LAYOUT_FREE=$total
  for name in "${VOLUMES[@]}"; do LAYOUT_FREE=$((LAYOUT_FREE - LV_EXT[$name])); done
}

# layout_table TOTAL_EXTENTS DEVICE_BYTES: the table the plan prints.
layout_table() {
  local total=$1 bytes=$2 name ext pct opts
  printf '  %-14s %9s %9s %6s %8s  %-20s %-5s %s\n' volume GiB extents share "min GiB" mount fs options
  for name in "${VOLUMES[@]}"; do
    ext=${LV_EXT[$name]}
    pct=$((ext * PE_MIB * MIB * 1000 / bytes))
    opts=$(mount_options "$name")
    printf '  %-14s %9s %9d %4d.%d%% %8d  %-20s %-5s %s\n' "$name" "$(gib $((ext * PE_MIB)))" "$ext" \
      $((pct / 10)) $((pct % 10)) "${V_MIN_GIB[$name]}" "${V_MOUNT[$name]}" "${V_FS[$name]}" "${opts%,"$SYSTEMD_OPTS"}"
  done
  pct=$((LAYOUT_FREE * PE_MIB * MIB * 1000 / bytes))
  printf '  %-14s %9s %9d %4d.%d%% %8s  %s\n' "(free)" "$(gib $((LAYOUT_FREE * PE_MIB)))" "$LAYOUT_FREE" \
    $((pct / 10)) $((pct % 10)) "" "kept for LVM snapshots (at least ${SNAPSHOT_PCT}% of the group)"
  printf '  %-14s %9s %9d   of a %s GiB device (%s bytes)\n' "vg total" "$(gib $((total * PE_MIB)))" "$total" \
    "$(gib $((bytes / MIB)))" "$bytes"
}
