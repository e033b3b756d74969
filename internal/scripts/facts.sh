#!/usr/bin/env bash
# Gather a host's facts as one JSON line: OS, version, architecture, NVIDIA GPU (and,
# when the driver answers, its version and the GPUs' names). Changes nothing.
# A refresh does not read this step back (it reads the host and changes nothing).
set -euo pipefail
. /etc/os-release
gpu=false
if [ -e /proc/driver/nvidia/version ] || ls /dev/nvidia[0-9]* >/dev/null 2>&1; then
	gpu=true
elif command -v lspci >/dev/null && lspci -n 2>/dev/null | grep -q ' 10de:'; then
	gpu=true # an NVIDIA PCI device without its driver yet
fi
driver="" gpus=""
if command -v nvidia-smi >/dev/null && out=$(nvidia-smi --query-gpu=driver_version,name --format=csv,noheader 2>/dev/null); then
	driver=$(printf '%s\n' "$out" | head -n1 | cut -d, -f1 | tr -d ' "\\')
	gpus=$(printf '%s\n' "$out" | cut -d, -f2- | sed 's/^ *//; s/["\\]//g; s/.*/"&"/' | paste -sd, -)
fi
printf '{"os":"%s","version":"%s","codename":"%s","arch":"%s","nvidiaGpu":%s,"nvidiaDriver":"%s","gpus":[%s],"cpus":%s,"memoryMiB":%s,"systemd":%s}\n' \
	"${ID:-unknown}" "${VERSION_ID:-}" "${VERSION_CODENAME:-}" "$(uname -m)" "$gpu" "$driver" "$gpus" "$(nproc)" \
	"$(awk '/^MemTotal:/ {print int($2/1024)}' /proc/meminfo)" \
	"$([ -d /run/systemd/system ] && echo true || echo false)"
