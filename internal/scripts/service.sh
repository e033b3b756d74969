#!/usr/bin/env bash
# A Backend.AI service under systemd: its run script and unit, then (re)started. The
# step runs again only when its inputs change, and its inputs name the config's
# checksum, so the service restarts when its config or unit changes, and only then.
# Without a running systemd (a container) the files are installed and checked, not started.
#   SERVICE=webserver UNIT_TEXT=... RUN_SCRIPT=/home/bai/bin/run-webserver.sh \
#   RUN_SCRIPT_TEXT=... BAI_USER=bai CONFIG_SHA256=... [WAIT_PORT=6001] service.sh
# With WAIT_PORT the step waits until the service listens there, and fails with the
# service's last log lines if it does not within two minutes. With BAI_CHECK=1 nothing is
# written or started: a run script or unit that differs, and a service that is not
# enabled or not running, are reported as drift.
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${SERVICE:?}" "${UNIT_TEXT:?}" "${RUN_SCRIPT:?}" "${RUN_SCRIPT_TEXT:?}" "${BAI_USER:?}"
unit=/etc/systemd/system/backendai-$SERVICE.service
changed=no

if [ "${BAI_CHECK:-}" = 1 ]; then
	same() { # path mode owner text
		[ -f "$1" ] && [ "$(stat -c '%U %a' "$1")" = "$3 ${2#0}" ] && cmp -s "$1" <(printf '%s\n' "${4%$'\n'}")
	}
	same "$RUN_SCRIPT" 0755 "$BAI_USER" "$RUN_SCRIPT_TEXT" || echo "drift: $RUN_SCRIPT differs"
	same "$unit" 0644 root "$UNIT_TEXT" || echo "drift: $unit differs"
	if [ -d /run/systemd/system ]; then
		systemctl is-enabled --quiet "backendai-$SERVICE.service" || echo "drift: backendai-$SERVICE is not enabled"
		systemctl is-active --quiet "backendai-$SERVICE.service" || echo "drift: backendai-$SERVICE is not running"
	fi
	exit 0
fi

put() { # path mode owner text
	local path=$1 mode=$2 owner=$3 text=$4
	install -d -m 0755 -o "$owner" -g "$(id -gn "$owner")" "$(dirname "$path")"
	printf '%s\n' "${text%$'\n'}" >"$path.tmp"
	chown "$owner:$(id -gn "$owner")" "$path.tmp"
	chmod "$mode" "$path.tmp"
	if [ -f "$path" ] && cmp -s "$path.tmp" "$path" && [ "$(stat -c '%U %a' "$path")" = "$(stat -c '%U %a' "$path.tmp")" ]; then
		rm -f "$path.tmp"
		return
	fi
	mv "$path.tmp" "$path"
	changed=yes
}
put "$RUN_SCRIPT" 0755 "$BAI_USER" "$RUN_SCRIPT_TEXT"
bash -n "$RUN_SCRIPT"
put "$unit" 0644 root "$UNIT_TEXT"
if command -v systemd-analyze >/dev/null && ! out=$(systemd-analyze verify "$unit" 2>&1); then
	echo "service: $unit does not verify: $out" >&2
	exit 1
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	systemctl enable --quiet "backendai-$SERVICE.service"
	systemctl restart "backendai-$SERVICE.service"
	if [ -n "${WAIT_PORT:-}" ]; then
		for _ in $(seq 120); do
			ss -Hltn "sport = :$WAIT_PORT" | grep -q . && break
			sleep 1
		done
		ss -Hltn "sport = :$WAIT_PORT" | grep -q . || {
			echo "service: backendai-$SERVICE does not listen on port $WAIT_PORT; its last log lines:" >&2
			journalctl -u "backendai-$SERVICE" -n 30 --no-pager >&2 || true
			exit 1
		}
	fi
	echo "service: backendai-$SERVICE restarted (config ${CONFIG_SHA256:-unknown}) changed=yes"
else
	echo "service: backendai-$SERVICE installed; systemd is not running here, not started changed=$changed"
fi
