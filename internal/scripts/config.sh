#!/usr/bin/env bash
# A service's config file: the rendered text with its secret placeholders
# (@BACKENDAI_NAME@) replaced by the values of the BACKENDAI_NAME environment variables,
# written with the given owner and mode. Only the places CONFIG_SLOTS lists are
# replaced ("offset:length:BACKENDAI_NAME ...", byte offsets in ascending order, as the
# renderer placed them): the same text inside a value of the stack's stays as it is.
# The text is never printed: it holds secrets. With BAI_CHECK=1 nothing is written: a file
# whose text, owner or mode differs is reported as drift (not how: it holds secrets).
#   CONFIG_PATH=/home/bai/manager/manager.toml CONFIG_TEXT=... CONFIG_SLOTS="412:23:BACKENDAI_DB_PASSWORD" \
#   CONFIG_OWNER=bai CONFIG_MODE=0600 BACKENDAI_DB_PASSWORD=... config.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${CONFIG_PATH:?}" "${CONFIG_TEXT:?}"
owner=${CONFIG_OWNER:-root}
mode=${CONFIG_MODE:-0600}
name=$(basename "$CONFIG_PATH")

# Offsets are bytes: slice the text in the C locale.
export LC_ALL=C
text=$CONFIG_TEXT
filled=""
at=0
for slot in ${CONFIG_SLOTS:-}; do
	IFS=: read -r offset length var <<<"$slot"
	if [[ ! $offset =~ ^[0-9]+$ ]] || [[ ! $length =~ ^[0-9]+$ ]] || [[ ! $var =~ ^BACKENDAI_[A-Z0-9_]+$ ]] ||
		((offset < at)) || [ "${text:offset:length}" != "@$var@" ]; then
		echo "config: $name: slot $slot is not a placeholder of the text" >&2
		exit 1
	fi
	if [ -z "${!var+set}" ]; then
		echo "config: $name: no value for @$var@" >&2
		exit 1
	fi
	filled+=${text:at:offset-at}${!var}
	at=$((offset + length))
done
text=$filled${text:at}

dir=$(dirname "$CONFIG_PATH")
if [ "${BAI_CHECK:-}" = 1 ]; then
	[ -f "$CONFIG_PATH" ] || { echo "drift: $CONFIG_PATH is missing"; exit 0; }
	tmp=$(mktemp) # beside nothing of the service's: a check writes nothing there
else
	install -d -o "$owner" -g "$(id -gn "$owner")" -m 0755 "$dir"
	tmp=$(mktemp "$dir/.$name.XXXXXX")
fi
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "${text%$'\n'}" >"$tmp"
chown "$owner:$(id -gn "$owner")" "$tmp"
chmod "$mode" "$tmp"
if [ -f "$CONFIG_PATH" ] && cmp -s "$tmp" "$CONFIG_PATH" &&
	[ "$(stat -c '%U %a' "$CONFIG_PATH")" = "$(stat -c '%U %a' "$tmp")" ]; then
	echo "config: $CONFIG_PATH changed=no"
elif [ "${BAI_CHECK:-}" = 1 ]; then
	echo "drift: $CONFIG_PATH differs from the rendered file"
else
	mv "$tmp" "$CONFIG_PATH"
	echo "config: $CONFIG_PATH changed=yes"
fi
