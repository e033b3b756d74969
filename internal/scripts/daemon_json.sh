#!/usr/bin/env bash
# Docker's /etc/docker/daemon.json: the stack's insecure registries set under
# "insecure-registries", every other key (an NVIDIA runtime, say) kept. The file is
# written, and Docker restarted, only when that changes what is there. With BAI_CHECK=1
# nothing is written or installed: registries that differ are reported as drift.
#   INSECURE_REGISTRIES="10.0.0.5:5000 registry.lan" daemon_json.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
file=/etc/docker/daemon.json
mkdir -p /etc/docker
# Docker's packages bring no JSON tool; Debian's python3 is one.
if [ "${BAI_CHECK:-}" = 1 ] && ! command -v python3 >/dev/null; then
	echo "drift: python3, which reads $file, is missing"
	exit 0
fi
if ! command -v python3 >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt_get install -y -q --no-install-recommends python3 >/dev/null 2>&1 ||
		{ apt_get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt_get install -y -q --no-install-recommends python3 >/dev/null; }
fi
want=$(INSECURE_REGISTRIES="${INSECURE_REGISTRIES:-}" python3 - "$file" <<'PY'
import json, os, sys
path = sys.argv[1]
try:
    with open(path) as f:
        cfg = json.load(f)
except FileNotFoundError:
    cfg = {}
except ValueError as e:
    sys.exit(f"daemon.json: {path} is not JSON: {e}")
regs = os.environ["INSECURE_REGISTRIES"].split()
if regs:
    cfg["insecure-registries"] = regs
else:
    cfg.pop("insecure-registries", None)
print(json.dumps(cfg, indent=2, sort_keys=True))
PY
)
if [ -f "$file" ] && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.loads(sys.argv[2]))' "$file" "$want"; then
	echo "daemon.json: unchanged changed=no"
	exit 0
fi
if [ ! -f "$file" ] && [ "$want" = "{}" ]; then
	echo "daemon.json: none needed changed=no"
	exit 0
fi
if [ "${BAI_CHECK:-}" = 1 ]; then
	echo "drift: $file: its insecure registries are not ${INSECURE_REGISTRIES:-none}"
	exit 0
fi
printf '%s\n' "$want" >"$file.tmp" && mv "$file.tmp" "$file"
if [ -d /run/systemd/system ]; then
	systemctl restart docker
else
	pid=$(pgrep -xo dockerd || true)
	[ -z "$pid" ] || { kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done; }
	nohup dockerd >>/var/log/docker.log 2>&1 </dev/null &
fi
for _ in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
docker info >/dev/null 2>&1 || { echo "daemon.json: Docker did not come back after the restart" >&2; exit 1; }
echo "daemon.json: insecure registries ${INSECURE_REGISTRIES:-none}; Docker restarted changed=yes"
