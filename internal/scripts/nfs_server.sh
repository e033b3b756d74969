#!/usr/bin/env bash
# A storage node's NFS server ("Setting Up Shared Storage" in Backend.AI's
# docs/install/install-from-source.rst at 26.8.1: Linux NFS exporting the directory every
# node mounts at the same path): each exported directory made and owned by the operations
# account (the directory itself: the data in it is never touched), and the server's
# configuration, which is written, and the server reloaded, only when it differs.
#   NFS_SERVER=kernel   nfs-kernel-server, /etc/exports.d/backendai.exports, exportfs -ra
#   NFS_SERVER=ganesha  Debian's nfs-ganesha with its VFS backend (userspace), /etc/ganesha/ganesha.conf
#   EXPORT_DIRS="/srv/backendai/nfs" SERVER_CONFIG="..." BAI_USER=bai nfs_server.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${NFS_SERVER:?}" "${EXPORT_DIRS:?}" "${SERVER_CONFIG:?}" "${BAI_USER:?}"
export DEBIAN_FRONTEND=noninteractive
changed=no
group=$(id -gn "$BAI_USER")
listening() { ss -Hltn "sport = :2049" | grep -q .; }
# BAI_CHECK=1: nothing is made, written or started; an export directory that is missing
# or not the account's, a configuration that differs, or no server on port 2049 is drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	for dir in $EXPORT_DIRS; do
		if [ ! -d "$dir" ]; then
			echo "drift: $dir is missing"
		elif [ "$(stat -c %U:%G "$dir")" != "$BAI_USER:$group" ]; then
			echo "drift: $dir belongs to $(stat -c %U:%G "$dir"), not $BAI_USER:$group"
		fi
	done
	conf=/etc/exports.d/backendai.exports
	[ "$NFS_SERVER" = ganesha ] && conf=/etc/ganesha/ganesha.conf
	cmp -s "$conf" <(printf '%s\n' "${SERVER_CONFIG%$'\n'}") || echo "drift: $conf differs"
	listening || echo "drift: no NFS server listens on port 2049"
	exit 0
fi
for dir in $EXPORT_DIRS; do
	if [ ! -d "$dir" ]; then
		install -d -m 0775 -o "$BAI_USER" -g "$group" "$dir"
		changed=yes
	elif [ "$(stat -c %U:%G "$dir")" != "$BAI_USER:$group" ]; then
		chown "$BAI_USER:$group" "$dir"
		changed=yes
	fi
done

wrote=no
put() { # path text
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "${2%$'\n'}" >"$1.tmp"
	if [ -f "$1" ] && cmp -s "$1.tmp" "$1"; then
		rm -f "$1.tmp"
		return
	fi
	mv "$1.tmp" "$1"
	wrote=yes changed=yes
}

case "$NFS_SERVER" in
kernel)
	if ! command -v exportfs >/dev/null; then
		apt_get update -q >/dev/null
		apt_get install -y -q --no-install-recommends nfs-kernel-server >/dev/null
		changed=yes
	fi
	put /etc/exports.d/backendai.exports "$SERVER_CONFIG"
	if [ -d /run/systemd/system ] && ! systemctl is-active --quiet nfs-server; then
		systemctl enable --now nfs-server >/dev/null
		changed=yes
	fi
	if [ "$wrote" = yes ]; then
		exportfs -ra
	fi
	;;
ganesha)
	if [ ! -x /usr/bin/ganesha.nfsd ]; then
		apt_get update -q >/dev/null
		apt_get install -y -q --no-install-recommends nfs-ganesha nfs-ganesha-vfs >/dev/null
		changed=yes
	fi
	put /etc/ganesha/ganesha.conf "$SERVER_CONFIG"
	if [ "$wrote" = yes ] || ! systemctl is-active --quiet nfs-ganesha; then
		systemctl enable --quiet nfs-ganesha
		# Stopped, and gone, before it starts: the instance the package's install started
		# may still hold its sockets (its start then fails: "Cannot bind RQUOTA", error 98).
		systemctl stop nfs-ganesha
		for _ in $(seq 30); do pgrep -x ganesha.nfsd >/dev/null || break; sleep 1; done
		systemctl start nfs-ganesha
		changed=yes
	fi
	;;
*)
	echo "nfs server: unknown NFS_SERVER $NFS_SERVER (kernel or ganesha)" >&2
	exit 1
	;;
esac
for _ in $(seq 30); do listening && break; sleep 1; done
if ! listening; then
	echo "nfs server: nothing listens on port 2049; last log lines:" >&2
	journalctl -u nfs-server -u nfs-ganesha -n 20 --no-pager >&2 2>/dev/null || true
	tail -n 20 /var/log/ganesha/ganesha.log >&2 2>/dev/null || true
	exit 1
fi
echo "nfs server: $NFS_SERVER exports $EXPORT_DIRS changed=$changed"
