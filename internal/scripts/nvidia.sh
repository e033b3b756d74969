#!/usr/bin/env bash
# NVIDIA GPUs for the agent's containers (seed 002, "Setting Up Accelerators"): the
# driver is checked, never installed (it belongs to the host's own image); then the
# NVIDIA Container Toolkit from NVIDIA's apt repository, and Docker's runtime configured
# with `nvidia-ctk runtime configure --runtime=docker`, Docker restarted only when that
# changed daemon.json.
#   NVIDIA_REPO=https://nvidia.github.io/libnvidia-container [DOCKER_DAEMON_JSON=/etc/docker/daemon.json] nvidia.sh
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
# One apt at a time on the node: steps run in parallel (two Python steps on an
# all-in-one node), and apt's lists lock does not wait.
apt_get() { flock /run/lock/backendai-apt.lock apt-get -o DPkg::Lock::Timeout=300 "$@"; }
: "${NVIDIA_REPO:?}"
daemon=${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
changed=no
if ! command -v nvidia-smi >/dev/null; then
	echo "nvidia: the node declares NVIDIA GPUs, but has no driver (nvidia-smi is missing); install the driver first" >&2
	exit 1
fi
if ! gpus=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>&1); then
	echo "nvidia: the driver does not answer: $gpus" >&2
	exit 1
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
