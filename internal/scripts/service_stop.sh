#!/usr/bin/env bash
# A Backend.AI service's step deleted (its node left its agent pool): the service is
# stopped and disabled, so an agent tells the manager it is gone; its unit, files and
# its sessions' data stay on the node. Bounded: systemd gets two minutes to stop it.
#   SERVICE=agent service_stop.sh
# A refresh does not read this step back (it runs when its step is deleted).
set -euo pipefail
: "${SERVICE:?}"
unit=backendai-$SERVICE.service
if [ ! -d /run/systemd/system ] || ! systemctl cat "$unit" >/dev/null 2>&1; then
	echo "service: $unit is not installed or systemd is not running; nothing to stop"
	exit 0
fi
timeout 120 systemctl disable --now --quiet "$unit"
echo "service: $unit stopped and disabled ($(systemctl is-active "$unit" || true))"
