#!/usr/bin/env bash
# Directories a service needs on its node, made when missing; nothing is ever removed.
#   DIRECTORIES="/var/lib/backend.ai/scratches /vfroot" directories.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${DIRECTORIES:?}"
changed=no
for dir in $DIRECTORIES; do
	[ -d "$dir" ] && continue
	# BAI_CHECK=1: nothing is made; a missing directory is drift.
	if [ "${BAI_CHECK:-}" = 1 ]; then
		echo "drift: $dir is missing"
		continue
	fi
	install -d -m 0755 "$dir"
	changed=yes
done
echo "directories: $DIRECTORIES changed=$changed"
