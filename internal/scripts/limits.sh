#!/usr/bin/env bash
# Resource limits for root and the operations account, as a limits.d drop-in.
# They apply to new login sessions. With BAI_CHECK=1 nothing is written: a drop-in that
# differs is reported as drift.
#   LIMITS_CONF=$'root hard nofile 512000\n...' limits.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${LIMITS_CONF:?}"
file=/etc/security/limits.d/99-backendai.conf
mkdir -p "$(dirname "$file")"
if [ -f "$file" ] && [ "$(cat "$file")" = "$LIMITS_CONF" ]; then
	echo "limits: changed=no"
elif [ "${BAI_CHECK:-}" = 1 ]; then
	echo "drift: $file differs"
else
	printf '%s\n' "$LIMITS_CONF" >"$file.tmp"
	chmod 0644 "$file.tmp"
	mv "$file.tmp" "$file"
	echo "limits: changed=yes"
fi
