#!/usr/bin/env bash
# Installs what the project needs from Debian's packages, once: Docker Engine for the
# sandbox hosts, debootstrap to build their images, the OpenSSH client, the etcd and
# PostgreSQL servers the data resources are tested against, the image registry that
# serves the halfstack stand-in images, npm (the caching npm registry for the GraphQL
# gateway's packages, and playwright-core) and Chromium, the browser the Web UI is
# checked in (with NSS's certutil). The tests start and stop their own servers.
set -euo pipefail
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v ssh >/dev/null || need+=(openssh-client)
command -v ssh-keygen >/dev/null || need+=(openssh-client)
command -v etcd >/dev/null || need+=(etcd-server)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v npm >/dev/null || need+=(npm)
command -v chromium >/dev/null || need+=(chromium)
# NSS's certutil: the browser's test trusts the test's own CA in its certificate store.
command -v certutil >/dev/null || need+=(libnss3-tools)
if [ ${#need[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || { echo "deps: need root to install ${need[*]}" >&2; exit 1; }
	echo "deps: installing ${need[*]}" >&2
	apt-get update -q >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || { echo "deps: Go is missing" >&2; exit 1; }
