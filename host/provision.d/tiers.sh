# shellcheck shell=bash disable=SC2153 # MODE, ROOT, ... are set by host/provision
# Tiered storage (the spec's tasks 1013, 1014, 1016): the hot tier is lv_clickhouse on
# the NVMe volume group; a warm SATA disk (--warm-device, btrfs) and a cold NFS export
# (--cold-mount host:/export) are added when given. ClickHouse moves old parts there by
# TTL through the storage policy `tiered` (clickhouse_tier_* below, written into the
# server config by configs.sh); the collector's tables get the TTL moves when
# JTS_CLICKHOUSE_STORAGE_POLICY is set, which compose.env does when a tier exists.
# Sourced by host/provision after storage.sh (it uses mountpoint_guard, owner_mode,
# fstab_verify) and tuning.sh (KIND_SCHEDULER, detect_kind, udev_match, sysfs_write).

WARM_DEVICE=${WARM_DEVICE:-}
COLD_MOUNT=${COLD_MOUNT:-}
WARM_KIND=${WARM_KIND:-}
# Ages in days at which ClickHouse moves parts down (--warm-after, --cold-after).
WARM_AFTER_DAYS=${WARM_AFTER_DAYS:-7}
COLD_AFTER_DAYS=${COLD_AFTER_DAYS:-90}
# NFS options of the cold mount. hard: a NAS outage blocks reads of cold parts
# instead of returning I/O errors ClickHouse would take for broken parts; nconnect and
# 1 MiB transfers for the throughput of moving whole parts; vers=4.2 (--cold-options
# replaces these for a NAS that only speaks 4.1 or 3).
COLD_NFS_OPTIONS=${COLD_NFS_OPTIONS:-vers=4.2,hard,proto=tcp,nconnect=4,rsize=1048576,wsize=1048576,timeo=600,retrans=2}

TIER_WARM_MOUNT=/srv/jts/warm
TIER_COLD_MOUNT=/srv/jts/cold
TIER_WARM_LABEL=jts-warm
# Where compose.yaml mounts the tiers' clickhouse directories in the ClickHouse container.
CH_WARM_PATH=/var/lib/clickhouse-warm/
CH_COLD_PATH=/var/lib/clickhouse-cold/
FSTAB_TIERS_BEGIN="# BEGIN JTS tiers ($GENERATED_MARK; edit the script, not these lines)"
FSTAB_TIERS_END="# END JTS tiers"
WARM_PATH="" WARM_PLANNED=0

tiers_wanted() { [ -n "$WARM_DEVICE" ] || [ -n "$COLD_MOUNT" ]; }

tiers_check_args() {
  # host:/path, the host a name, an IPv4 address or an [IPv6] one.
  local export_re='^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):/[^[:space:],]*$'
  if [ -n "$COLD_MOUNT" ] && ! [[ "$COLD_MOUNT" =~ $export_re ]]; then
    die "--cold-mount wants an NFS export as host:/path, not '$COLD_MOUNT'"
  fi
  [ -z "$WARM_KIND" ] || [ -n "${KIND_SCHEDULER[$WARM_KIND]:-}" ] || die "--warm-kind wants nvme, ssd or hdd, not '$WARM_KIND'"
  [[ "$WARM_AFTER_DAYS" =~ ^[1-9][0-9]*$ ]] || die "--warm-after wants a whole number of days >= 1, not '$WARM_AFTER_DAYS'"
  [[ "$COLD_AFTER_DAYS" =~ ^[1-9][0-9]*$ ]] || die "--cold-after wants a whole number of days >= 1, not '$COLD_AFTER_DAYS'"
  if [ -n "$WARM_DEVICE" ] && [ -n "$COLD_MOUNT" ] && ((COLD_AFTER_DAYS <= WARM_AFTER_DAYS)); then
    die "--cold-after ($COLD_AFTER_DAYS) must be more than --warm-after ($WARM_AFTER_DAYS)"
  fi
}

# ---------------------------------------------------------------- ClickHouse

# clickhouse_tier_disks [BASE]: the <disks> entries of the tiers that exist. BASE
# replaces the container paths (the chdb test runs the policy in a temp directory).
clickhouse_tier_disks() {
  local base=${1:-} warm=$CH_WARM_PATH cold=$CH_COLD_PATH
  [ -z "$base" ] || warm=$base/warm/ cold=$base/cold/
  [ -z "$WARM_DEVICE" ] || printf '            <warm>\n                <type>local</type>\n                <path>%s</path>\n            </warm>\n' "$warm"
  [ -z "$COLD_MOUNT" ] || printf '            <cold>\n                <type>local</type>\n                <path>%s</path>\n            </cold>\n' "$cold"
}

# clickhouse_tier_policy: the policy `tiered`, volumes default (the hot tier: the
# default disk on lv_clickhouse), warm, cold. The hot volume keeps the name `default`
# because ClickHouse moves a table to a new policy only when that policy has every
# volume of the old one, by name: so tables made before the tiers can join them. move_factor 0.1: when the hot volume has less than 10%
# free, the oldest parts move down before their TTL says so, so a burst cannot fill it.
clickhouse_tier_policy() {
  tiers_wanted || return 0
  printf '        <policies>\n            <tiered>\n                <volumes>\n'
  printf '                    <default>\n                        <disk>default</disk>\n                    </default>\n'
  [ -z "$WARM_DEVICE" ] || printf '                    <warm>\n                        <disk>warm</disk>\n                    </warm>\n'
  [ -z "$COLD_MOUNT" ] || printf '                    <cold>\n                        <disk>cold</disk>\n                    </cold>\n'
  printf '                </volumes>\n                <move_factor>0.1</move_factor>\n            </tiered>\n        </policies>\n'
}

# clickhouse_tier_storage [BASE]: a whole <storage_configuration> with only the tiers.
clickhouse_tier_storage() {
  printf '    <storage_configuration>\n        <disks>\n%s\n        </disks>\n%s\n    </storage_configuration>\n' \
    "$(clickhouse_tier_disks "${1:-}")" "$(clickhouse_tier_policy)"
}

# compose.env lines: the collector's switch and the ages (days) at which parts move.
tier_compose_env() {
  local policy="" warm=0 cold=0
  if tiers_wanted; then policy=tiered; fi
  [ -z "$WARM_DEVICE" ] || warm=$WARM_AFTER_DAYS
  [ -z "$COLD_MOUNT" ] || cold=$COLD_AFTER_DAYS
  cat <<EOF
# Tiered storage (host/RUNBOOK.md): parts move to warm after N days, cold after M; 0 = no such tier.
JTS_CLICKHOUSE_STORAGE_POLICY=$policy
JTS_CLICKHOUSE_WARM_AFTER_DAYS=$warm
JTS_CLICKHOUSE_COLD_AFTER_DAYS=$cold
EOF
}

# ---------------------------------------------------------------- the phase

phase_tiers() {
  section "tiers: warm ${WARM_DEVICE:-(none)} at $TIER_WARM_MOUNT, cold ${COLD_MOUNT:-(none)} at $TIER_COLD_MOUNT"
  if ! tiers_wanted; then
    note "no --warm-device or --cold-mount: ClickHouse keeps every part on lv_clickhouse (the hot tier)"
    return
  fi
  [ -z "$WARM_DEVICE" ] || tier_warm_filesystem
  # Mount points first: findmnt --verify checks the fstab's targets exist.
  local target
  for target in ${WARM_DEVICE:+$TIER_WARM_MOUNT} ${COLD_MOUNT:+$TIER_COLD_MOUNT}; do
    if [ -d "$(rooted "$target")" ]; then ok "$(rooted "$target") exists"; else cmd mkdir -p "$(rooted "$target")"; fi
  done
  tier_fstab
  [ -z "$WARM_DEVICE" ] || tier_warm_mount
  [ -z "$COLD_MOUNT" ] || tier_cold_mount
  [ -z "$WARM_DEVICE" ] || tier_warm_io
}

# The warm disk: empty gets btrfs (checksums find a SATA disk's silent corruption;
# no compression: ClickHouse's parts are compressed already); btrfs labelled jts-warm
# is ours; anything else is someone's data and refused.
tier_warm_filesystem() {
  [ "$(id -u)" -eq 0 ] || die "reading --warm-device $WARM_DEVICE needs root"
  WARM_PATH=$(readlink -f "$WARM_DEVICE")
  [ -b "$WARM_PATH" ] || die "--warm-device $WARM_DEVICE is not a block device"
  [ -z "${DEV_PATH:-}" ] || [ "$WARM_PATH" != "$DEV_PATH" ] || die "--warm-device is the same disk as --device"
  local type label sigs part
  type=$(fs_type "$WARM_PATH")
  label=$(blkid -p -o value -s LABEL "$WARM_PATH" 2>/dev/null || true)
  if [ "$type" = btrfs ] && [ "$label" = "$TIER_WARM_LABEL" ]; then
    ok "$WARM_DEVICE holds btrfs $TIER_WARM_LABEL"
    return
  fi
  sigs=$(wipefs -i -O TYPE "$WARM_PATH" 2>/dev/null | sort -u | tr '\n' ' ')
  part=$(lsblk -nro NAME "$WARM_PATH" | tail -n +2 | tr '\n' ' ')
  if [ -n "${sigs// /}" ] || [ -n "$part" ]; then
    die "--warm-device $WARM_DEVICE is not empty (signatures: ${sigs:-none}${part:+; partitions: $part}). It may hold data: refusing it. Check with \`lsblk -f $WARM_DEVICE\`; wipe it yourself (wipefs --all) if it is really unused."
  fi
  command -v mkfs.btrfs >/dev/null || cmd apt-get install -y -q --no-install-recommends btrfs-progs
  cmd mkfs.btrfs -q -L "$TIER_WARM_LABEL" "$WARM_PATH"
  [ "$MODE" = apply ] || WARM_PLANNED=1
}

tier_fstab_lines() {
  if [ -n "$WARM_DEVICE" ]; then
    local uuid=""
    ((WARM_PLANNED)) || uuid=$(fs_uuid "$WARM_PATH")
    # fsck pass 0: btrfs is checked by scrub, not at boot.
    printf 'UUID=%s %s btrfs noatime,nodev,nosuid,%s 0 0\n' "${uuid:-<uuid-of-warm>}" "$TIER_WARM_MOUNT" "$SYSTEMD_OPTS"
  fi
  if [ -n "$COLD_MOUNT" ]; then
    # Required by docker like the local volumes: ClickHouse started without its cold
    # disk would count the parts there as lost. _netdev waits for the network.
    printf '%s %s nfs %s,noatime,nodev,nosuid,noexec,_netdev,x-systemd.mount-timeout=90s,%s 0 0\n' \
      "$COLD_MOUNT" "$TIER_COLD_MOUNT" "$COLD_NFS_OPTIONS" "$SYSTEMD_OPTS"
  fi
}

# The fstab with the tiers' block replaced (or appended), the rest as it was.
tier_fstab() {
  local fstab block wanted target
  fstab=$(rooted /etc/fstab)
  block=$(printf '%s\n%s\n%s' "$FSTAB_TIERS_BEGIN" "$(tier_fstab_lines)" "$FSTAB_TIERS_END")
  if [ -f "$fstab" ]; then
    for target in "$TIER_WARM_MOUNT" "$TIER_COLD_MOUNT"; do
      if awk -v b="$FSTAB_TIERS_BEGIN" -v e="$FSTAB_TIERS_END" -v t="$target" '
          $0 == b { inside = 1 } $0 == e { inside = 0; next }
          !inside && $1 !~ /^#/ && $2 == t { found = 1 } END { exit !found }' "$fstab"; then
        die "$fstab already mounts $target outside the JTS tiers block: remove that line first"
      fi
    done
    wanted=$(awk -v b="$FSTAB_TIERS_BEGIN" -v e="$FSTAB_TIERS_END" -v block="$block" '
      $0 == b { inside = 1; print block; done = 1; next }
      $0 == e { inside = 0; next }
      !inside { print }
      END { if (!done) print block }' "$fstab")
  else
    wanted=$(printf '%s\n%s' "# /etc/fstab: static file system information." "$block")
  fi
  ALWAYS_BACKUP=1 write_file "$fstab" 0644 <<<"$wanted"
  if [ "$MODE" = apply ]; then
    printf '  ? %s\n' "findmnt --verify --tab-file $fstab"
    if ! fstab_verify "$fstab" 2>&1 | sed 's/^/    /'; then exit 1; fi
    if live_host && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  fi
}

# tier_mount TARGET: mount TARGET from the fstab (under --root with its prefix).
tier_mount() {
  local target=$1 at
  at=$(rooted "$target")
  if mountpoint -q "$at" 2>/dev/null; then
    ok "$at is mounted"
    return
  fi
  if [ -d "$at" ] && [ -n "$(ls -A "$at" 2>/dev/null)" ]; then
    blocker "$at is not mounted but holds files; mounting over it would hide them. Move them away and empty $at."
    return 1
  fi
  mountpoint_guard "$at"
  if live_host; then
    cmd mount "$target"
  else
    cmd mount --fstab "$(rooted /etc/fstab)" --target-prefix "${ROOT%/}" "$target"
  fi
}

# tier_dirs TARGET path:uid:gid:mode...: the directories each tier holds.
tier_dirs() {
  local at sub path uid gid mode
  at=$(rooted "$1")
  shift
  owner_mode "$at" 0:0 0755
  for sub in "$@"; do
    IFS=: read -r path uid gid mode <<<"$sub"
    if [ -d "$at/$path" ]; then ok "$at/$path exists"; else cmd mkdir "$at/$path"; fi
    owner_mode "$at/$path" "$uid:$gid" "$mode"
  done
}

tier_warm_mount() {
  if ((WARM_PLANNED)); then
    cmd mount "$TIER_WARM_MOUNT"
    return
  fi
  tier_mount "$TIER_WARM_MOUNT" || return 0
  # ClickHouse's warm disk, owned as the image runs the server (uid 101).
  tier_dirs "$TIER_WARM_MOUNT" clickhouse:101:101:0750
}

# The cold export is mounted on the live host only: under --root (an image, the tests)
# the fstab line is written and nothing reaches out to the NAS.
tier_cold_mount() {
  if ! live_host; then
    note "--root $ROOT: the NFS export $COLD_MOUNT is not mounted (the host mounts it at boot from the fstab)"
    return
  fi
  command -v mount.nfs >/dev/null || cmd apt-get install -y -q --no-install-recommends nfs-common
  tier_mount "$TIER_COLD_MOUNT" || return 0
  # A root_squash export refuses these chowns: export it with no_root_squash, or
  # make the directories on the NAS (clickhouse owned by uid 101).
  tier_dirs "$TIER_COLD_MOUNT" clickhouse:101:101:0750 backup:0:0:0700
}

# The warm disk's scheduler and read-ahead by its kind (a SATA SSD: mq-deadline, a
# spinning disk: bfq), as phase_tuning does for the hot disk, in a udev rule of its own.
tier_warm_io() {
  local disk kind sched ra qdir have
  disk=$(basename "$WARM_PATH")
  if [ -e "/sys/class/block/$disk/partition" ]; then disk=$(basename "$(readlink -f "/sys/class/block/$disk/..")"); fi
  kind=${WARM_KIND:-$(detect_kind "$disk")}
  sched=${KIND_SCHEDULER[$kind]} ra=${KIND_READAHEAD_KB[$kind]}
  qdir="$SYS_BLOCK/$disk/queue"
  note "warm disk $disk is $kind${WARM_KIND:+ (--warm-kind)}: scheduler $sched, read-ahead $ra KiB"
  have=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$qdir/scheduler")
  if [ "$have" = "$sched" ]; then
    ok "$disk scheduler is $sched"
  else
    grep -qw -- "$sched" "$qdir/scheduler" || cmd modprobe "$sched"
    act "echo $sched > $qdir/scheduler" sysfs_write "$qdir/scheduler" "$sched"
  fi
  have=$(cat "$qdir/read_ahead_kb")
  if [ "$have" = "$ra" ]; then
    ok "$disk read-ahead is $ra KiB"
  else
    act "echo $ra > $qdir/read_ahead_kb" sysfs_write "$qdir/read_ahead_kb" "$ra"
  fi
  write_file "$(rooted /etc/udev/rules.d/61-jts-warm-io.rules)" 0644 <<EOF
# $GENERATED_MARK: I/O scheduler and read-ahead of the JTS warm disk ($disk, $kind).
ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", $(udev_match "$disk"), ATTR{queue/scheduler}="$sched", ATTR{queue/read_ahead_kb}="$ra"
EOF
  if ((LAST_WRITE_CHANGED)) && live_host && [ -d /run/udev ]; then cmd udevadm control --reload; fi
  if [ "$sched" = bfq ]; then
    write_file "$(rooted /etc/modules-load.d/jts-warm-io.conf)" 0644 <<EOF
# $GENERATED_MARK: the bfq I/O scheduler for the JTS warm disk.
bfq
EOF
  fi
}
