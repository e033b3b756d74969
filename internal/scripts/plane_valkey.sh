#!/usr/bin/env bash
# This management node's Valkey and Sentinel (docs/ha.md), from the distribution's
# packages. Valkey's own file includes VALKEY_CONF (the node's settings); which master
# it replicates is Valkey's to write, as the Sentinels fail it over. A Sentinel's file
# is the Sentinel's own once it runs: it is written only while it watches no master
# named SERVICE. At the plane's start the first member is the master: a node whose
# Valkey is a master while a Sentinel knows another, or while none knows any and it is
# not the first member, becomes a replica.
#   VALKEY_CONF=... SENTINEL_CONF=... SERVICE=backendai FIRST=10.0.0.1:8110 \
#   SELF=10.0.0.2:8110 SENTINELS="10.0.0.1:26379 ..." plane_valkey.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${VALKEY_CONF:?}" "${SENTINEL_CONF:?}" "${SERVICE:?}" "${FIRST:?}" "${SELF:?}" "${SENTINELS:?}"
export DEBIAN_FRONTEND=noninteractive
include=/etc/valkey/backendai.conf main=/etc/valkey/valkey.conf sentinel=/etc/valkey/sentinel.conf
port=${SELF##*:} sentinel_port=${SENTINELS%% *}
sentinel_port=${sentinel_port##*:}
changed=no
cli() { valkey-cli -t 3 -p "$port" "$@" 2>/dev/null; }
watching() { valkey-cli -t 3 -p "$sentinel_port" SENTINEL get-master-addr-by-name "$SERVICE" 2>/dev/null | paste -sd: | grep -q .; }
# Valkey's own file with the include first, then what Valkey wrote below it but for its
# copies of the included settings (CONFIG REWRITE, at a failover too, copies them there,
# and a copy would win over a changed include): made again when the include changes.
owned=$(sed -n 's/^\([a-z-]*\) .*/\1/p' <<<"$VALKEY_CONF" | sort -u | paste -sd'|')
main_text() {
	echo "include $include"
	[ -f "$main" ] && grep -v -E "^(include|$owned) " "$main" || true
}
# The master as any Sentinel knows it, else the first member.
known_master() {
	local s m=""
	for s in $SENTINELS; do
		m=$(valkey-cli -t 3 -h "${s%:*}" -p "${s##*:}" SENTINEL get-master-addr-by-name "$SERVICE" 2>/dev/null | paste -sd: || true)
		[ -n "$m" ] && break
	done
	echo "${m:-$FIRST}"
}
role() { cli INFO replication | tr -d '\r' | sed -n 's/^role://p'; }
if [ "${BAI_CHECK:-}" = 1 ]; then
	command -v valkey-sentinel >/dev/null || { echo "drift: valkey-sentinel is not installed"; exit 0; }
	cmp -s "$include" <(printf '%s\n' "${VALKEY_CONF%$'\n'}") || echo "drift: $include differs"
	head -n1 "$main" 2>/dev/null | grep -qx "include $include" || echo "drift: $main does not include $include first"
	for unit in valkey-server valkey-sentinel; do
		systemctl is-active --quiet "$unit" || echo "drift: $unit is not running"
	done
	watching || echo "drift: the Sentinel on port $sentinel_port watches no master named $SERVICE"
	master=$(known_master)
	[ "$master" = "$SELF" ] || [ "$(role)" != master ] || echo "drift: this node's Valkey is a master while the Sentinels' is $master"
	exit 0
fi
if ! command -v valkey-server >/dev/null || ! command -v valkey-sentinel >/dev/null; then
	apt_get update -qq >/dev/null
	apt_get install -y -qq --no-install-recommends valkey-server valkey-sentinel >/dev/null
	changed=yes
fi
# Owned by valkey, as the package has its files (Valkey rewrites them in place).
write() {
	install -m 0640 -o valkey -g valkey /dev/null "$1.new"
	printf '%s\n' "${2%$'\n'}" >"$1.new"
	mv "$1.new" "$1"
}
restart=""
if ! cmp -s "$include" <(printf '%s\n' "${VALKEY_CONF%$'\n'}") || ! head -n1 "$main" | grep -qx "include $include"; then
	main_now=$(main_text)
	write "$include" "$VALKEY_CONF"
	write "$main" "$main_now"
	restart="valkey-server"
fi
if ! grep -q "^sentinel monitor $SERVICE " "$sentinel" 2>/dev/null; then
	write "$sentinel" "$SENTINEL_CONF"
	restart="$restart valkey-sentinel"
fi
for unit in valkey-server valkey-sentinel; do
	systemctl enable --quiet "$unit"
	if [[ " $restart " == *" $unit "* ]] || ! systemctl is-active --quiet "$unit"; then
		systemctl restart "$unit"
		changed=yes
	fi
done
for _ in $(seq 30); do
	[ "$(cli PING)" = PONG ] && break
	sleep 1
done
[ "$(cli PING)" = PONG ] || { echo "plane-valkey: Valkey does not answer on port $port after 30s" >&2; exit 1; }
master=$(known_master)
if [ "$master" != "$SELF" ] && [ "$(role)" = master ]; then
	cli REPLICAOF "${master%:*}" "${master##*:}" >/dev/null
	cli CONFIG REWRITE >/dev/null
	changed=yes
fi
echo "plane-valkey: master $master, this node's Valkey $(role) changed=$changed"
