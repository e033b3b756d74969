#!/usr/bin/env bash
# The operations account of "Create a user account for operation" in Backend.AI's
# docs/install/install-from-package/os-preparation.rst (26.8.1): a user and group with a
# fixed UID/GID, in the sudo group (and the docker group once Docker is installed). An
# existing account with another UID/GID is reported, never renumbered: files on shared
# storage belong to it.
#   BAI_USER=bai BAI_UID=1100 BAI_GID=1100 account.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${BAI_USER:?}" "${BAI_UID:?}" "${BAI_GID:?}"
changed=no

refuse() { echo "account: $*" >&2; exit 1; }
# BAI_CHECK=1: nothing is made or changed; what the step would make or refuse is drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	refuse() { echo "drift: $*"; exit 0; }
fi

# Every conflict is found before anything is changed, so a refused run leaves the host
# as it was.
if entry=$(getent group "$BAI_USER"); then
	gid=$(cut -d: -f3 <<<"$entry")
	[ "$gid" = "$BAI_GID" ] || refuse "group $BAI_USER exists with GID $gid, not $BAI_GID"
	make_group=no
elif entry=$(getent group "$BAI_GID"); then
	refuse "GID $BAI_GID already belongs to group ${entry%%:*}"
else
	make_group=yes
fi
if entry=$(getent passwd "$BAI_USER"); then
	uid=$(cut -d: -f3 <<<"$entry") gid=$(cut -d: -f4 <<<"$entry")
	[ "$uid" = "$BAI_UID" ] || refuse "user $BAI_USER exists with UID $uid, not $BAI_UID"
	[ "$gid" = "$BAI_GID" ] || refuse "user $BAI_USER has primary GID $gid, not $BAI_GID"
	make_user=no
elif entry=$(getent passwd "$BAI_UID"); then
	refuse "UID $BAI_UID already belongs to user ${entry%%:*}"
else
	make_user=yes
fi

if [ "${BAI_CHECK:-}" = 1 ]; then
	[ "$make_group" = no ] || echo "drift: group $BAI_USER is missing"
	[ "$make_user" = no ] || { echo "drift: user $BAI_USER is missing"; exit 0; }
	for group in sudo docker; do
		getent group "$group" >/dev/null || continue
		id -nG "$BAI_USER" | tr ' ' '\n' | grep -qx "$group" || echo "drift: $BAI_USER is not in $group"
	done
	command -v sudo >/dev/null || echo "drift: sudo is missing"
	exit 0
fi

if ! command -v sudo >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt_get install -y -q sudo >/dev/null 2>&1 ||
		{ apt_get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt_get install -y -q sudo >/dev/null; }
	changed=yes
fi

if [ "$make_group" = yes ]; then
	groupadd --gid "$BAI_GID" "$BAI_USER"
	changed=yes
fi
if [ "$make_user" = yes ]; then
	# No password: that guide's chpasswd step is replaced by key-based login and sudo.
	useradd --uid "$BAI_UID" --gid "$BAI_GID" --create-home --shell /bin/bash "$BAI_USER"
	changed=yes
fi

for group in sudo docker; do
	getent group "$group" >/dev/null || continue # docker appears with Docker Engine
	if ! id -nG "$BAI_USER" | tr ' ' '\n' | grep -qx "$group"; then
		usermod -aG "$group" "$BAI_USER"
		changed=yes
	fi
done
echo "account: $(id "$BAI_USER") changed=$changed"
