#!/usr/bin/env bash
# The shared volumes on a node that uses them (the management node, every agent), at the
# same /vfroot/<name> everywhere ("Mount a shared storage" in Backend.AI's
# docs/install/install-from-package/os-preparation.rst at 26.8.1): a marked /etc/fstab
# block, then each volume mounted; one whose source or options changed is remounted, one
# that is right is left alone. The volume's root must be the operations account's (the
# storage proxy, the agents and the containers write as it).
#   MOUNT_MODE=nfs     mount -t nfs from the fstab block (nfs-common)
#   MOUNT_MODE=shared  the sandbox's stand-in: the directory is already shared into the
#                      host; the fstab block is written with noauto, and the export is
#                      checked over real NFS with libnfs's tools (list it, copy a file in
#                      and read it back, see it in the shared directory, as the account's)
#   FSTAB_BLOCK="..." VOLUMES="/vfroot/nfs=10.0.0.30:/srv/backendai/nfs ..." BAI_USER=bai vfroot.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${MOUNT_MODE:?}" "${FSTAB_BLOCK:?}" "${VOLUMES:?}" "${BAI_USER:?}"
export DEBIAN_FRONTEND=noninteractive
changed=no
uid=$(id -u "$BAI_USER") gid=$(id -g "$BAI_USER")
install_pkg() { # command package
	command -v "$1" >/dev/null && return
	apt_get update -q >/dev/null
	apt_get install -y -q --no-install-recommends "$2" >/dev/null
	changed=yes
}

block=$FSTAB_BLOCK
[ "$MOUNT_MODE" = shared ] && block=$(printf '%s\n' "$FSTAB_BLOCK" | sed -E 's/^([^ ]+ [^ ]+ nfs )([^ ]+)/\1\2,noauto/')
begin="# BEGIN backendai-infra vfroot" end="# END backendai-infra vfroot"
want=$(awk -v b="$begin" -v e="$end" '$0==b{skip=1;next} $0==e{skip=0;next} !skip' /etc/fstab; printf '%s\n%s\n%s\n' "$begin" "$block" "$end")
# BAI_CHECK=1: nothing is written, installed or mounted; a block that differs and a
# volume that is not mounted from its source are reported as drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	[ "$want" = "$(cat /etc/fstab)" ] || echo "drift: /etc/fstab: the block of volumes differs"
	for spec in $VOLUMES; do
		path=${spec%%=*} source=${spec#*=}
		if ! mountpoint -q "$path"; then
			echo "drift: $path is not mounted"
		elif [ "$MOUNT_MODE" = nfs ] && [ "$(findmnt -no SOURCE "$path")" != "$source" ]; then
			echo "drift: $path is mounted from $(findmnt -no SOURCE "$path"), not $source"
		fi
	done
	exit 0
fi
fstab_changed=no
if [ "$want" != "$(cat /etc/fstab)" ]; then
	printf '%s\n' "$want" >/etc/fstab.tmp && mv /etc/fstab.tmp /etc/fstab
	fstab_changed=yes changed=yes
fi

for spec in $VOLUMES; do
	path=${spec%%=*} source=${spec#*=}
	host=${source%%:/*} export=/${source#*:/}
	case "$MOUNT_MODE" in
	nfs)
		install_pkg mount.nfs nfs-common
		mkdir -p "$path"
		if mountpoint -q "$path"; then
			if [ "$(findmnt -no SOURCE "$path")" = "$source" ] && [ "$fstab_changed" = no ]; then
				:
			else
				umount "$path" && mount "$path"
				changed=yes
			fi
		else
			mount "$path"
			changed=yes
		fi
		;;
	shared)
		install_pkg nfs-ls libnfs-utils
		mountpoint -q "$path" || { echo "vfroot: $path is not shared into this host (the sandbox's stand-in mount)" >&2; exit 1; }
		url="nfs://$host$export"
		nfs-ls "$url?version=4" >/dev/null
		probe=.backendai-nfs-check-$(hostname)
		# A probe an earlier run left would make the copy fail (NFS4ERR_EXIST).
		rm -f "${path:?}/$probe"
		tmp=$(mktemp)
		date -u +%FT%TZ >"$tmp"
		nfs-cp "$tmp" "$url/$probe?version=4" >/dev/null
		if ! nfs-cat "$url/$probe?version=4" | cmp -s - "$tmp"; then
			echo "vfroot: the file copied into $url does not read back" >&2
			exit 1
		fi
		if ! cmp -s "$path/$probe" "$tmp"; then
			echo "vfroot: $path does not show what $url holds" >&2
			exit 1
		fi
		rm -f "$tmp"
		if [ "$(stat -c %u:%g "$path/$probe")" != "$uid:$gid" ]; then
			echo "vfroot: a file written over NFS to $url is $(stat -c %u:%g "$path/$probe"), not the account's $uid:$gid" >&2
			exit 1
		fi
		rm -f "$path/$probe"
		;;
	*)
		echo "vfroot: unknown MOUNT_MODE $MOUNT_MODE (nfs or shared)" >&2
		exit 1
		;;
	esac
	if [ "$(stat -c %u:%g "$path")" != "$uid:$gid" ]; then
		echo "vfroot: $path belongs to $(stat -c %u:%g "$path"), not to $BAI_USER ($uid:$gid): set the export's owner" >&2
		exit 1
	fi
done
echo "vfroot: $VOLUMES ($MOUNT_MODE) changed=$changed"
