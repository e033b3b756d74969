#!/usr/bin/env bash
# NVIDIA GPUs for the agent's containers ("Setup accelerators" in Backend.AI's
# docs/install/install-from-package/os-preparation.rst at 26.8.1): the driver is checked,
# never installed (it belongs to the host's own image); then the NVIDIA Container Toolkit
# from NVIDIA's apt repository, and Docker's runtime configured with `nvidia-ctk runtime
# configure --runtime=docker`, Docker restarted only when that changed daemon.json.
#   NVIDIA_REPO=https://nvidia.github.io/libnvidia-container [DOCKER_DAEMON_JSON=/etc/docker/daemon.json] nvidia.sh
# A refresh reads back the driver (it answers), the toolkit (installed), and daemon.json
# (what `nvidia-ctk runtime configure` makes of a copy of it is the file as it is).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${NVIDIA_REPO:?}"
daemon=${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
changed=no
refuse() { echo "nvidia: $*" >&2; exit 1; }
# BAI_CHECK=1: nothing is installed, written or restarted; a driver that is missing or
# does not answer (which a run refuses), a toolkit that is missing, and a daemon.json
# without the NVIDIA runtime are drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	refuse() { echo "drift: $*"; exit 0; }
fi
command -v nvidia-smi >/dev/null ||
	refuse "the node declares NVIDIA GPUs, but has no driver (nvidia-smi is missing); install the driver first"
gpus=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1) ||
	refuse "the driver does not answer: $(printf '%s' "$gpus" | tr '\n' ' ')"
if [ "${BAI_CHECK:-}" = 1 ]; then
	command -v nvidia-ctk >/dev/null || { echo "drift: the NVIDIA Container Toolkit is missing"; exit 0; }
	# The runtime configured on a copy: the file lacks it when the copy comes out otherwise
	# (as JSON: another step, daemon_json.sh, writes the same file in its own layout).
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	[ ! -f "$daemon" ] || cp -p "$daemon" "$work/daemon.json"
	if ! nvidia-ctk runtime configure --runtime=docker --config="$work/daemon.json" >/dev/null 2>&1; then
		echo "drift: $daemon could not be compared (nvidia-ctk runtime configure failed on a copy)"
	elif ! cmp -s "$work/daemon.json" "$daemon" && ! python3 -B -c \
		'import json, sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))' "$work/daemon.json" "$daemon" 2>/dev/null; then
		echo "drift: $daemon lacks the NVIDIA runtime (nvidia-ctk runtime configure would change it)"
	fi
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! command -v nvidia-ctk >/dev/null; then
	install -m 0755 -d /usr/share/keyrings
	curl -fsSL "$NVIDIA_REPO/gpgkey" | gpg --dearmor --yes -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg
	curl -fsSL "$NVIDIA_REPO/stable/deb/nvidia-container-toolkit.list" |
		sed 's#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#' \
			>/etc/apt/sources.list.d/nvidia-container-toolkit.list
	apt_get update -q >/dev/null
	apt_get install -y -q nvidia-container-toolkit >/dev/null
	changed=yes
fi
before=$(sha256sum "$daemon" 2>/dev/null || true)
nvidia-ctk runtime configure --runtime=docker --config="$daemon" >/dev/null
if [ "$before" != "$(sha256sum "$daemon" 2>/dev/null || true)" ]; then
	systemctl restart docker
	changed=yes
fi
echo "nvidia: $(printf '%s' "$gpus" | tr '\n' ';') toolkit $(nvidia-ctk --version | head -n1) changed=$changed"
