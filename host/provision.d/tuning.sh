# shellcheck shell=bash
# I/O tuning of the data disk and kernel settings for the databases.
# Sourced by host/provision.

# Scheduler per kind of disk: NVMe queues are deep and fast enough that any
# scheduler only adds latency; SATA SSDs gain from mq-deadline's read priority;
# spinning disks from bfq's fairness. Read-ahead of the whole disk in KiB (each
# logical volume has its own, see layout.sh).
declare -A KIND_SCHEDULER=([nvme]=none [ssd]=mq-deadline [hdd]=bfq)
declare -A KIND_READAHEAD_KB=([nvme]=128 [ssd]=128 [hdd]=1024)
SYS_BLOCK=/sys/block
THP_DIR=/sys/kernel/mm/transparent_hugepage

# detect_kind DISK: nvme, ssd or hdd, from the kernel's view of the disk.
detect_kind() {
  local disk=$1 rotational
  [[ "$disk" == nvme* ]] && { echo nvme && return; }
  rotational=$(cat "$SYS_BLOCK/$disk/queue/rotational" 2>/dev/null || echo 1)
  if [ "$rotational" = 0 ]; then echo ssd; else echo hdd; fi
}

sysfs_write() { printf '%s\n' "$2" >"$1"; }

# The udev rule matches the disk by a stable id when udev knows one; kernel names
# (sda, nvme0n1) can change between boots when disks are added.
udev_match() {
  local disk=$1 props key value
  props=$(udevadm info --query=property --name="/dev/$disk" 2>/dev/null || true)
  for key in ID_WWN ID_SERIAL; do
    value=$(sed -n "s/^$key=//p" <<<"$props" | head -n 1)
    if [ -n "$value" ]; then
      printf 'ENV{%s}=="%s"\n' "$key" "$value"
      return
    fi
  done
  printf 'KERNEL=="%s"\n' "$disk"
}

phase_tuning() {
  section "I/O tuning of ${DEV_DISK:-<device>} (${DEV_KIND:-?}: scheduler ${KIND_SCHEDULER[${DEV_KIND:-nvme}]}, read-ahead ${KIND_READAHEAD_KB[${DEV_KIND:-nvme}]} KiB)"
  if [ -z "$DEVICE" ]; then
    note "no --device given: scheduler, read-ahead and udev rule skipped"
  else
    local sched=${KIND_SCHEDULER[$DEV_KIND]} ra=${KIND_READAHEAD_KB[$DEV_KIND]}
    local qdir="$SYS_BLOCK/$DEV_DISK/queue" have
    if [ -z "$DEV_PATH" ]; then
      act "echo $sched > $qdir/scheduler" true
      act "echo $ra > $qdir/read_ahead_kb" true
    else
      have=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$qdir/scheduler")
      if [ "$have" = "$sched" ]; then
        ok "$DEV_DISK scheduler is $sched"
      else
        grep -qw -- "$sched" "$qdir/scheduler" || cmd modprobe "$sched"
        act "echo $sched > $qdir/scheduler" sysfs_write "$qdir/scheduler" "$sched"
      fi
      have=$(cat "$qdir/read_ahead_kb")
      if [ "$have" = "$ra" ]; then
        ok "$DEV_DISK read-ahead is $ra KiB"
      else
        act "echo $ra > $qdir/read_ahead_kb" sysfs_write "$qdir/read_ahead_kb" "$ra"
      fi
    fi
    local match rules
    match=$(udev_match "$DEV_DISK")
    rules=$(rooted /etc/udev/rules.d/60-jts-io.rules)
    local rule_changed
    write_file "$rules" 0644 <<EOF
# $GENERATED_MARK: I/O scheduler and read-ahead of the JTS data disk
# (${DEV_DISK}, ${DEV_KIND}), applied at every boot and whenever the disk appears.
ACTION=="add|change", SUBSYSTEM=="block", ENV{DEVTYPE}=="disk", $match, ATTR{queue/scheduler}="$sched", ATTR{queue/read_ahead_kb}="$ra"
EOF
    rule_changed=$LAST_WRITE_CHANGED
    if [ "$sched" = bfq ]; then
      write_file "$(rooted /etc/modules-load.d/jts-io.conf)" 0644 <<EOF
# $GENERATED_MARK: the bfq I/O scheduler for the JTS data disk.
bfq
EOF
    fi
    if ((rule_changed)) && live_host && [ -d /run/udev ]; then
      cmd udevadm control --reload
    fi
  fi
  fstrim_timer
}

# Weekly TRIM through util-linux's fstrim.timer rather than the `discard` mount
# option, which trims on every delete in the I/O path of the databases.
fstrim_timer() {
  if live_host; then
    if systemctl is-enabled --quiet fstrim.timer 2>/dev/null; then
      ok "fstrim.timer is enabled (weekly TRIM)"
    else
      cmd systemctl enable fstrim.timer
    fi
    if [ -d /run/systemd/system ] && ! systemctl is-active --quiet fstrim.timer; then
      cmd systemctl start fstrim.timer
    fi
    return
  fi
  local unit
  for unit in /lib/systemd/system/fstrim.timer /usr/lib/systemd/system/fstrim.timer; do
    [ -f "$(rooted "$unit")" ] || continue
    if [ -e "$(rooted /etc/systemd/system/timers.target.wants/fstrim.timer)" ]; then
      ok "fstrim.timer is enabled under $ROOT"
    else
      cmd systemctl --root="$ROOT" enable fstrim.timer
    fi
    return
  done
  note "no fstrim.timer unit under $ROOT: enable it in the image (systemctl --root=DIR enable fstrim.timer)"
}

# ---------------------------------------------------------------- kernel

sysctl_conf() {
  cat <<EOF
# $GENERATED_MARK: kernel settings for the JTS databases.
# The databases keep their hot data in RAM: swap only to escape the OOM killer.
vm.swappiness = 1
# Start background writeback early and block writers late, so checkpoints and
# Kafka bursts are written steadily instead of in one stall.
vm.dirty_background_ratio = 5
vm.dirty_ratio = 15
# ClickHouse, Kafka (index files) and MongoDB map many files.
vm.max_map_count = 262144
# Redis forks for AOF rewrites and snapshots; a fork must not fail on a busy host.
vm.overcommit_memory = 1
# Listen backlogs. Containers have their own network namespace: compose.yaml sets
# net.core.somaxconn for the services that accept many connections.
net.core.somaxconn = 8192
net.ipv4.tcp_max_syn_backlog = 8192
fs.file-max = 2097152
EOF
}

phase_kernel() {
  section "kernel: sysctl and transparent huge pages"
  local conf key want have differ=0
  conf=$(rooted /etc/sysctl.d/60-jts.conf)
  write_file "$conf" 0644 <<<"$(sysctl_conf)"
  if live_host; then
    while IFS='=' read -r key want; do
      key=${key// /} want=${want# }
      have=$(sysctl -n "$key" 2>/dev/null | tr -s '[:space:]' ' ') || have=""
      [ "$have" = "$want" ] || differ=1
    done < <(sysctl_conf | grep -v '^#')
    if ((differ)); then cmd sysctl -q -p "$conf"; else ok "the running kernel has these sysctl values"; fi
  else
    note "--root $ROOT: the running kernel's sysctl values are left alone"
  fi
  # Redis and MongoDB (7.0 and older) ask for THP off: huge pages make fork and
  # copy-on-write slow and memory use unpredictable. tmpfiles.d applies it at boot.
  write_file "$(rooted /etc/tmpfiles.d/jts-thp.conf)" 0644 <<EOF
# $GENERATED_MARK: transparent huge pages off for Redis and MongoDB.
w $THP_DIR/enabled - - - - never
w $THP_DIR/defrag - - - - never
EOF
  if live_host; then
    local f
    for f in enabled defrag; do
      if [ ! -w "$THP_DIR/$f" ]; then
        note "$THP_DIR/$f is not writable here"
      elif grep -q '\[never\]' "$THP_DIR/$f"; then
        ok "transparent huge pages $f: never"
      else
        act "echo never > $THP_DIR/$f" sysfs_write "$THP_DIR/$f" never
      fi
    done
  fi
}
