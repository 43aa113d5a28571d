# shellcheck shell=bash disable=SC2153 # MODE, DEVICE, FORCE, ... are set by host/provision
# Storage: the device check, LVM (pv, vg, lv), filesystems, fstab and mounts.
# Sourced by host/provision after layout.sh.
#
# Every step looks first and acts only when the machine differs from the plan, so
# a second apply changes nothing and an interrupted one resumes.
#
# Test seam: with JTS_PROVISION_TEST_LV_DIR=DIR the logical volumes are the block
# devices DIR/lv_<name> (symlinks to loop devices). host/test uses it to run the
# filesystems and mounts phases for real on a kernel without device-mapper, where
# lvcreate cannot run. It is refused for the storage phase.

TEST_LV_DIR=${JTS_PROVISION_TEST_LV_DIR:-}
VG_PLANNED=0          # plan mode: the VG is to be made in this run, so no LV exists yet
declare -A LV_PLANNED=() # plan mode: these LVs are to be made in this run
FSTAB_BEGIN="# BEGIN JTS volumes ($GENERATED_MARK; edit the script, not these lines)"
FSTAB_END="# END JTS volumes"

# LVM warns about every inherited file descriptor (bats, CI runners leave some open).
export LVM_SUPPRESS_FD_WARNINGS=1

lv_path() {
  if [ -n "$TEST_LV_DIR" ]; then printf '%s/%s\n' "$TEST_LV_DIR" "$1"; else printf '/dev/%s/%s\n' "$VG" "$1"; fi
}

lv_exists() {
  if [ -n "$TEST_LV_DIR" ]; then [ -b "$(lv_path "$1")" ]; else lvs "$VG/$1" >/dev/null 2>&1; fi
}

vg_exists() { vgs "$VG" >/dev/null 2>&1; }

# Volumes exist or are planned, so filesystems and mounts have something to act on.
have_volumes() { [ -n "$TEST_LV_DIR" ] || ((VG_PLANNED)) || { [ -z "$SIZE" ] && vg_exists; }; }

# In plan mode a volume the plan creates has no filesystem, UUID or mount yet. In
# apply mode the real state is read again after every step instead.
lv_planned() { ((VG_PLANNED)) || [ -n "${LV_PLANNED[$1]:-}" ]; }

fs_type() { blkid -p -o value -s TYPE "$1" 2>/dev/null || true; }
fs_uuid() { blkid -p -o value -s UUID "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- device check

# device_state: prints "ours" (a PV of $VG), "empty", or refuses. A device holding
# a filesystem, a partition table, RAID or LVM signature is someone's data: refused
# unless --force, which wipes the signatures. One in use (mounted, or held by
# device-mapper or RAID) is refused even with --force.
device_state() {
  local sigs pv_vg part
  if [ "$(fs_type "$DEV_PATH")" = LVM2_member ]; then
    pv_vg=$(pvs --noheadings -o vg_name "$DEV_PATH" 2>/dev/null | tr -d ' ')
    if [ "$pv_vg" = "$VG" ]; then
      echo ours
      return
    fi
    [ -z "$pv_vg" ] || die "$DEVICE is a physical volume of volume group '$pv_vg': refusing it even with --force (remove that group yourself if it is really unused)"
  fi
  if [ -n "$(lsblk -nro MOUNTPOINT "$DEV_PATH" | tr -d '[:space:]')" ]; then
    die "$DEVICE (or one of its partitions) is mounted: refusing it"
  fi
  local holders=("/sys/class/block/$DEV_NAME/holders"/*)
  if [ -e "${holders[0]}" ]; then
    die "$DEVICE is in use by ${holders[*]##*/}: refusing it"
  fi
  sigs=$(wipefs -i -O TYPE "$DEV_PATH" 2>/dev/null | sort -u | tr '\n' ' ')
  sigs=${sigs% }
  part=$(lsblk -nro NAME "$DEV_PATH" | tail -n +2 | tr '\n' ' ')
  if [ -z "$sigs" ] && [ -z "$part" ]; then
    echo empty
    return
  fi
  local what="signatures: ${sigs:-none}${part:+; partitions: $part}"
  if ((FORCE)); then
    warn "$DEVICE is not empty ($what): --force wipes it"
    echo forced
    return
  fi
  die "$DEVICE is not empty ($what). It may hold data: refusing it. Check with \`lsblk -f $DEVICE\`; --force wipes the signatures."
}

# ---------------------------------------------------------------- LVM

# Sets VG_TOTAL (extents) from the real group, or from the device size when the
# group is still to be made.
vg_total_extents() {
  local size
  if [ -z "$SIZE" ] && vg_exists; then
    size=$(vgs --noheadings --nosuffix --units m -o vg_extent_size "$VG" | tr -d ' ')
    [ "${size%%.*}" = "$PE_MIB" ] || die "volume group $VG has ${size} MiB extents; the layout expects $PE_MIB MiB"
    VG_TOTAL=$(vgs --noheadings -o vg_extent_count "$VG" | tr -d ' ')
  else
    VG_TOTAL=$(vg_extents_for "$DEV_BYTES")
  fi
}

phase_storage() {
  section "storage: LVM on ${DEVICE:-<device>} (volume group $VG, $PE_MIB MiB extents)"
  [ -z "$TEST_LV_DIR" ] || die "JTS_PROVISION_TEST_LV_DIR is only for the filesystems and mounts phases"
  if [ -z "$DEVICE" ]; then
    note "no --device given: storage skipped (host/provision plan --device /dev/nvme0n1, or --size 4TB to see a layout)"
    return
  fi
  local state=empty
  if [ -n "$DEV_PATH" ]; then state=$(device_state) || exit 1; fi
  vg_total_extents
  if ! layout_compute "$VG_TOTAL"; then
    die "$DEVICE holds $(gib $((DEV_BYTES / MIB))) GiB, too small for the JTS layout: it needs at least $(gib $(($(min_device_bytes) / MIB))) GiB (the volumes' minimums, $(($(min_extents_total) / $(ext_per_gib))) GiB, plus ${SNAPSHOT_PCT}% kept free for snapshots)"
  fi
  layout_table "$VG_TOTAL" "$DEV_BYTES"
  echo
  [ "$state" != forced ] || cmd wipefs --all "$DEV_PATH"
  if [ "$state" = ours ]; then
    ok "$DEVICE is a physical volume of $VG"
  else
    if [ -z "$SIZE" ] && vg_exists; then
      die "volume group $VG already exists on other disks; give one of its devices, or --vg another name"
    fi
    cmd pvcreate "${DEV_PATH:-$DEVICE}"
    cmd vgcreate -s "${PE_MIB}M" "$VG" "${DEV_PATH:-$DEVICE}"
    [ "$MODE" = apply ] || VG_PLANNED=1
  fi
  storage_lvs
}

storage_lvs() {
  local name have missing=()
  for name in "${VOLUMES[@]}"; do
    if ((VG_PLANNED == 0)) && lv_exists "$name"; then
      have=$(lvs --noheadings -o lv_size --units m --nosuffix "$VG/$name" | tr -d ' ')
      have=$((${have%%.*} / PE_MIB))
      if ((have == LV_EXT["$name"])); then
        ok "$VG/$name exists ($(gib $((have * PE_MIB))) GiB)"
      else
        note "$VG/$name exists with $have extents, the layout says ${LV_EXT[$name]}: left as it is (grow with lvextend -r)"
      fi
    else
      missing+=("$name")
    fi
  done
  ((${#missing[@]})) || return 0
  require_device_mapper
  for name in "${missing[@]}"; do
    local ra=()
    [ "${V_READAHEAD[$name]}" = auto ] || ra=(-r "${V_READAHEAD[$name]}")
    cmd lvcreate -y -W y -Z y -n "$name" -l "${LV_EXT[$name]}" "${ra[@]}" "$VG"
    [ "$MODE" = apply ] || LV_PLANNED[$name]=1
  done
}

# LVM needs the kernel's device-mapper for logical volumes (not for pvcreate or
# vgcreate). Some kernels (containers, minimal VMs) have none: say so before the
# first lvcreate instead of failing in the middle of the volumes.
# The kernel registers /sys/class/misc/device-mapper; a /dev/mapper/control node
# alone proves nothing (lvm2's package creates it even where the driver is missing).
DM_SYSFS=/sys/class/misc/device-mapper
require_device_mapper() {
  [ -e "$DM_SYSFS" ] || [ -n "$SIZE" ] && return 0
  if [ "$MODE" = apply ]; then
    modprobe dm_mod 2>/dev/null || true
    [ -e "$DM_SYSFS" ] && return 0
    die "this kernel has no device-mapper ($DM_SYSFS is missing and \`modprobe dm_mod\` did not add it), so LVM cannot create logical volumes here. The physical volume and $VG are in place; run apply again on a kernel with device-mapper."
  fi
  warn "this kernel has no device-mapper ($DM_SYSFS is missing): apply would stop before the first lvcreate"
}

# ---------------------------------------------------------------- filesystems

phase_filesystems() {
  section "filesystems"
  if ! have_volumes; then
    note "no volume group $VG yet: filesystems follow the storage phase (give --device)"
    return
  fi
  note "mkfs.ext4 writes every inode table and the journal now (lazy_*_init=0): minutes on a large volume, and no background I/O under the databases later"
  local name dev have
  for name in "${VOLUMES[@]}"; do
    dev=$(lv_path "$name")
    have=""
    if ! lv_planned "$name"; then
      if ! lv_exists "$name"; then
        note "$dev does not exist: skipped"
        continue
      fi
      have=$(fs_type "$dev")
    fi
    if [ -z "$have" ]; then
      local argv
      mapfile -t argv < <(mkfs_command "$name" "$dev")
      cmd "${argv[@]}"
    elif [ "$have" = "${V_FS[$name]}" ]; then
      ok "$dev holds $have"
    else
      die "$dev holds $have, the layout wants ${V_FS[$name]}: refusing to format it"
    fi
    lv_readahead "$name" "$dev"
  done
}

# Read-ahead of an existing LV (new ones get it from lvcreate -r).
lv_readahead() {
  local name=$1 dev=$2 want=${V_READAHEAD[$1]} have
  [ "$want" != auto ] && [ -z "$TEST_LV_DIR" ] && ! lv_planned "$name" || return 0
  have=$(blockdev --getra "$dev" 2>/dev/null || echo "")
  if [ "$have" = "$want" ]; then
    ok "$dev read-ahead $want sectors"
  else
    cmd lvchange -r "$want" "$VG/$name"
  fi
}

# ---------------------------------------------------------------- fstab and mounts

fstab_block() {
  local name dev uuid
  printf '%s\n' "$FSTAB_BEGIN"
  for name in "${VOLUMES[@]}"; do
    dev=$(lv_path "$name")
    uuid=""
    lv_planned "$name" || uuid=$(fs_uuid "$dev")
    printf 'UUID=%s %s %s %s 0 %s\n' "${uuid:-<uuid-of-$name>}" "${V_MOUNT[$name]}" "${V_FS[$name]}" \
      "$(mount_options "$name")" "$(fsck_pass "$name")"
  done
  printf '%s\n' "$FSTAB_END"
}

# The fstab with the JTS block replaced (or appended); the other lines stay as they
# are. A line outside the block that mounts one of our targets is a conflict.
fstab_wanted() {
  local fstab=$1 block=$2 name target
  if [ -f "$fstab" ]; then
    for name in "${VOLUMES[@]}"; do
      target=${V_MOUNT[$name]}
      if awk -v b="$FSTAB_BEGIN" -v e="$FSTAB_END" -v t="$target" '
          $0 == b { inside = 1 } $0 == e { inside = 0; next }
          !inside && $1 !~ /^#/ && $2 == t { found = 1 } END { exit !found }' "$fstab"; then
        die "$fstab already mounts $target outside the JTS block: remove that line first"
      fi
    done
    awk -v b="$FSTAB_BEGIN" -v e="$FSTAB_END" -v block="$block" '
      $0 == b { inside = 1; print block; done = 1; next }
      $0 == e { inside = 0; next }
      !inside { print }
      END { if (!done) print block }' "$fstab"
  else
    printf '%s\n' "# /etc/fstab: static file system information." "$block"
  fi
}

# findmnt --verify resolves targets against the running system; for an fstab under
# --root it checks a copy whose targets carry the root prefix.
fstab_verify() {
  local fstab=$1 tab=$1 rc=0
  if ! live_host; then
    tab=$(mktemp)
    awk -v r="${ROOT%/}" '$1 !~ /^#/ && NF >= 2 && $2 ~ /^\// { $2 = r $2 } { print }' "$fstab" >"$tab"
  fi
  findmnt --verify --tab-file "$tab" || rc=$?
  [ "$tab" = "$fstab" ] || rm -f "$tab"
  ((rc == 0)) || die "findmnt --verify found errors in $fstab (see above); the previous file was backed up next to it"
}

phase_mounts() {
  section "mount points, fstab and mounts"
  if ! have_volumes; then
    note "no volume group $VG yet: mounts follow the storage phase (give --device)"
    return
  fi
  local name target fstab block wanted
  for name in "${VOLUMES[@]}"; do
    target=$(rooted "${V_MOUNT[$name]}")
    if [ -d "$target" ]; then ok "$target exists"; else cmd mkdir -p "$target"; fi
  done
  fstab=$(rooted /etc/fstab)
  block=$(fstab_block)
  wanted=$(fstab_wanted "$fstab" "$block") || exit 1
  ALWAYS_BACKUP=1 write_file "$fstab" 0644 <<<"$wanted"
  if [ "$MODE" = apply ]; then
    printf '  ? %s\n' "findmnt --verify --tab-file $fstab"
    if ! fstab_verify "$fstab" 2>&1 | sed 's/^/    /'; then exit 1; fi
    if live_host && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  else
    printf '  ? %s\n' "findmnt --verify --tab-file $fstab   (after writing it)"
  fi
  for name in "${VOLUMES[@]}"; do mount_volume "$name"; done
}

mount_volume() {
  local name=$1 target dev src
  target=$(rooted "${V_MOUNT[$name]}")
  dev=$(lv_path "$name")
  if mountpoint -q "$target" 2>/dev/null; then
    src=$(findmnt -n -o SOURCE --mountpoint "$target")
    if [ -e "$dev" ] && [ "$(readlink -f "$src")" != "$(readlink -f "$dev")" ]; then
      blocker "$target is mounted from $src, not from $dev"
      return 0
    fi
    ok "$target is mounted"
  else
    if [ -d "$target" ] && [ -n "$(ls -A "$target" 2>/dev/null)" ]; then
      blocker "$target is not mounted but holds files; mounting $dev would hide them. Move them onto the volume (mount it elsewhere first) and empty $target."
      return 0
    fi
    mountpoint_guard "$target"
    if live_host; then
      cmd mount "${V_MOUNT[$name]}"
    else
      cmd mount --fstab "$(rooted /etc/fstab)" --target-prefix "${ROOT%/}" "${V_MOUNT[$name]}"
    fi
  fi
  owner_mode "$target" "${V_OWNER[$name]}" "${V_PERM[$name]}"
  local sub path uid gid mode
  for sub in ${V_SUBDIRS[$name]:-}; do
    IFS=: read -r path uid gid mode <<<"$sub"
    if [ -d "$target/$path" ]; then ok "$target/$path exists"; else cmd mkdir "$target/$path"; fi
    owner_mode "$target/$path" "$uid:$gid" "$mode"
  done
}

# An empty mount point is made immutable while nothing is mounted on it: a server
# started before its volume is mounted then fails at once instead of filling the
# root filesystem with a new, empty database.
mountpoint_guard() {
  local target=$1 attrs
  if [ ! -d "$target" ]; then
    cmd chattr +i "$target"
  elif ! attrs=$(lsattr -d "$target" 2>/dev/null); then
    note "$target: its filesystem keeps no file attributes (chattr +i skipped)"
  elif [[ "${attrs%% *}" == *i* ]]; then
    ok "$target is immutable while unmounted"
  else
    cmd chattr +i "$target"
  fi
}

owner_mode() {
  local path=$1 owner=$2 mode=$3 have
  have=$(stat -c '%u:%g %a' "$path" 2>/dev/null || echo "")
  if [ "$have" = "$owner ${mode#0}" ]; then
    ok "$path is $owner mode $mode"
  else
    cmd chown "$owner" "$path"
    cmd chmod "$mode" "$path"
  fi
}
