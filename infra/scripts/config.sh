#!/usr/bin/env bash
# A service's config file: the rendered text with its secret placeholders
# (@BACKENDAI_NAME@) replaced by the values of the BACKENDAI_NAME environment variables,
# written with the given owner and mode. The text is never printed: it holds secrets.
#   CONFIG_PATH=/home/bai/manager/manager.toml CONFIG_TEXT=... CONFIG_OWNER=bai \
#   CONFIG_MODE=0600 BACKENDAI_DB_PASSWORD=... config.sh
set -euo pipefail
: "${CONFIG_PATH:?}" "${CONFIG_TEXT:?}"
owner=${CONFIG_OWNER:-root}
mode=${CONFIG_MODE:-0600}
name=$(basename "$CONFIG_PATH")

text=$CONFIG_TEXT
# Replacements are literal: no "&" or "\" magic of bash 5.2's pattern substitution.
shopt -u patsub_replacement 2>/dev/null || true
for var in $(compgen -v BACKENDAI_ || true); do
	text=${text//"@$var@"/"${!var}"}
done
if missing=$(grep -o '@BACKENDAI_[A-Z0-9_]*@' <<<"$text" | sort -u | tr '\n' ' ') && [ -n "$missing" ]; then
	echo "config: $name: no value for ${missing% }" >&2
	exit 1
fi

dir=$(dirname "$CONFIG_PATH")
install -d -o "$owner" -g "$(id -gn "$owner")" -m 0755 "$dir"
tmp=$(mktemp "$dir/.$name.XXXXXX")
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "${text%$'\n'}" >"$tmp"
chown "$owner:$(id -gn "$owner")" "$tmp"
chmod "$mode" "$tmp"
if [ -f "$CONFIG_PATH" ] && cmp -s "$tmp" "$CONFIG_PATH" &&
	[ "$(stat -c '%U %a' "$CONFIG_PATH")" = "$(stat -c '%U %a' "$tmp")" ]; then
	echo "config: $CONFIG_PATH changed=no"
else
	mv "$tmp" "$CONFIG_PATH"
	echo "config: $CONFIG_PATH changed=yes"
fi
