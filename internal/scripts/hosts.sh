#!/usr/bin/env bash
# The marked block of network aliases in /etc/hosts, one line per cluster node.
# Lines outside the block are kept as they are. With BAI_CHECK=1 nothing is written: a
# block that differs is reported as drift.
#   HOSTS_BLOCK=$'10.20.30.10 bai-m1  # manager\n...' hosts.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${HOSTS_BLOCK:?}"
begin='##### BEGIN for Backend.AI services #####'
end='##### END for Backend.AI services #####'
file=${HOSTS_FILE:-/etc/hosts}

want=$(mktemp)
trap 'rm -f "$want"' EXIT
awk -v b="$begin" -v e="$end" '$0==b {skip=1; next} $0==e {skip=0; next} !skip' "$file" >"$want"
printf '%s\n%s\n%s\n' "$begin" "$HOSTS_BLOCK" "$end" >>"$want"

if cmp -s "$want" "$file"; then
	echo "hosts: changed=no"
elif [ "${BAI_CHECK:-}" = 1 ]; then
	echo "drift: $file: the block of aliases differs"
else
	# Written in place: /etc/hosts may be a bind mount that cannot be replaced.
	cat "$want" >"$file"
	echo "hosts: changed=yes"
fi
