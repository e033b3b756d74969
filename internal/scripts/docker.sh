#!/usr/bin/env bash
# Docker Engine with the compose plugin, on Debian and Ubuntu, running, with the
# operations account in the docker group ("Install Docker engine" in Backend.AI's
# docs/install/install-from-package/os-preparation.rst at 26.8.1).
#   DOCKER_SOURCE=docker-ce   Docker's apt repository, as that guide installs it
#   DOCKER_SOURCE=distro      the distribution's docker.io and compose packages
#   BAI_USER=bai
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${DOCKER_SOURCE:?}" "${BAI_USER:?}"
changed=no
. /etc/os-release
case "${ID:-}" in
debian | ubuntu) ;;
*) echo "docker: ${PRETTY_NAME:-this OS} is not supported (Debian and Ubuntu are)" >&2; exit 1 ;;
esac
export DEBIAN_FRONTEND=noninteractive
apt_install() { apt_get update -q >/dev/null && apt_get install -y -q --no-install-recommends "$@" >/dev/null; }

# BAI_CHECK=1: nothing is installed or started; an engine or compose plugin that is
# missing, or an engine that does not answer, is drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	if ! command -v docker >/dev/null || ! docker compose version >/dev/null 2>&1; then
		echo "drift: Docker Engine or its compose plugin is missing"
	elif ! docker info >/dev/null 2>&1; then
		echo "drift: Docker Engine does not answer"
	fi
	exit 0
fi
if ! command -v docker >/dev/null || ! docker compose version >/dev/null 2>&1; then
	case "$DOCKER_SOURCE" in
	docker-ce)
		apt_install ca-certificates curl
		install -m 0755 -d /etc/apt/keyrings
		curl -fsSL "https://download.docker.com/linux/$ID/gpg" -o /etc/apt/keyrings/docker.asc
		chmod a+r /etc/apt/keyrings/docker.asc
		echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/$ID ${VERSION_CODENAME:?} stable" \
			>/etc/apt/sources.list.d/docker.list
		apt_install docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
		;;
	distro)
		# Compose v2 is docker-compose-v2 on Ubuntu and docker-compose on Debian 13+;
		# Debian 13 also splits the client out of docker.io into docker-cli.
		compose=docker-compose
		[ "$ID" = ubuntu ] && compose=docker-compose-v2
		apt_get update -q >/dev/null
		cli=$(apt-cache show docker-cli >/dev/null 2>&1 && echo docker-cli || true)
		apt_install docker.io $cli "$compose"
		;;
	*) echo "docker: unknown DOCKER_SOURCE $DOCKER_SOURCE" >&2; exit 1 ;;
	esac
	docker compose version >/dev/null 2>&1 || {
		echo "docker: 'docker compose' is not available from $DOCKER_SOURCE on $PRETTY_NAME; use the docker-ce source" >&2
		exit 1
	}
	changed=yes
fi

# The engine runs and starts at boot through systemd. A host without systemd (a
# container standing in for a node) gets dockerd started directly: the packages' init
# script raises ulimits, which such a container may not do.
if ! docker info >/dev/null 2>&1; then
	if [ -d /run/systemd/system ]; then
		systemctl enable --now docker >/dev/null
	else
		nohup dockerd >>/var/log/docker.log 2>&1 </dev/null &
	fi
	for _ in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
	docker info >/dev/null 2>&1 || {
		echo "docker: the engine does not answer; last log lines:" >&2
		tail -n 20 /var/log/docker.log 2>/dev/null >&2 || journalctl -u docker -n 20 --no-pager >&2 || true
		exit 1
	}
	changed=yes
fi

if ! id -nG "$BAI_USER" | tr ' ' '\n' | grep -qx docker; then
	usermod -aG docker "$BAI_USER"
	changed=yes
fi
echo "docker: $(docker --version) / $(docker compose version --short) changed=$changed"
