#!/usr/bin/env bash
# Kernel parameters as a sysctl.d drop-in, applied now. Every key is set and read
# back; a key the kernel does not have or refuses fails the step with its reason,
# and the drop-in is only written once every key has taken. With BAI_CHECK=1 nothing is
# set or written: a value the kernel reports otherwise, or a drop-in that differs, is
# reported as drift.
#   SYSCTL_CONF=$'net.core.somaxconn=1024\n...' sysctl.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${SYSCTL_CONF:?}"
file=/etc/sysctl.d/99-backendai.conf
changed=no
failed=0
norm() { tr -s ' \t' '  ' <<<"$1" | sed 's/^ //; s/ $//'; }

while IFS= read -r line; do
	case "$line" in '' | '#'*) continue ;; esac
	key=${line%%=*} value=${line#*=}
	key=$(norm "$key") value=$(norm "${value//\"/}")
	path=/proc/sys/${key//.//}
	if [ ! -e "$path" ]; then
		echo "sysctl: $key: this kernel has no such key (here: $(uname -r))" >&2
		failed=1
		continue
	fi
	[ "$(norm "$(cat "$path")")" = "$value" ] && continue
	if [ "${BAI_CHECK:-}" = 1 ]; then
		echo "drift: $key is $(norm "$(cat "$path")"), not $value"
		continue
	fi
	if ! err=$(sysctl -q -w "$key=$value" 2>&1); then
		echo "sysctl: $key=$value refused by the kernel: ${err:-write failed}" >&2
		failed=1
		continue
	fi
	if [ "$(norm "$(cat "$path")")" != "$value" ]; then
		echo "sysctl: $key=$value did not take: the kernel reports $(cat "$path")" >&2
		failed=1
		continue
	fi
	changed=yes
done <<<"$SYSCTL_CONF"
[ "$failed" = 0 ] || exit 1

if [ "${BAI_CHECK:-}" = 1 ]; then
	{ [ -f "$file" ] && [ "$(cat "$file")" = "$SYSCTL_CONF" ]; } || echo "drift: $file differs"
	exit 0
fi
if ! [ -f "$file" ] || [ "$(cat "$file")" != "$SYSCTL_CONF" ]; then
	mkdir -p "$(dirname "$file")"
	printf '%s\n' "$SYSCTL_CONF" >"$file.tmp"
	chmod 0644 "$file.tmp"
	mv "$file.tmp" "$file"
	changed=yes
fi
echo "sysctl: changed=$changed"
