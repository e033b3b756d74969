#!/usr/bin/env bash
# The Python the services' venvs are made from, as the package install guide does it:
#   PYTHON_SOURCE=distro       the distribution's python3 with venv
#   PYTHON_SOURCE=standalone   a python-build-standalone archive from PYTHON_URL, checked
#                              against PYTHON_SHA256, unpacked under
#                              /home/<BAI_USER>/.static-python/versions/<PYTHON_VERSION>
# It prints the interpreter's path.
set -euo pipefail
# One apt at a time on the node: steps run in parallel (two Python steps on an
# all-in-one node), and apt's lists lock does not wait.
apt_get() { flock /run/lock/backendai-apt.lock apt-get -o DPkg::Lock::Timeout=300 "$@"; }
: "${PYTHON_SOURCE:?}" "${BAI_USER:?}"
changed=no
export DEBIAN_FRONTEND=noninteractive
case "$PYTHON_SOURCE" in
distro)
	if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
		apt_get update -q >/dev/null
		apt_get install -y -q --no-install-recommends python3 python3-venv >/dev/null
		changed=yes
	fi
	python=$(command -v python3)
	;;
standalone)
	: "${PYTHON_URL:?}" "${PYTHON_SHA256:?}" "${PYTHON_VERSION:?}"
	home=$(getent passwd "$BAI_USER" | cut -d: -f6)
	dir=$home/.static-python/versions/$PYTHON_VERSION
	python=$dir/bin/python3
	if [ ! -x "$python" ]; then
		archive=$(mktemp)
		trap 'rm -f "$archive"' EXIT
		curl -fsSL --retry 3 -o "$archive" "$PYTHON_URL"
		if ! echo "$PYTHON_SHA256  $archive" | sha256sum -c --status; then
			echo "python: $PYTHON_URL does not match PYTHON_SHA256" >&2
			exit 1
		fi
		mkdir -p "$dir"
		# python-build-standalone's install_only archives hold python/{bin,lib,...}.
		tar -xzf "$archive" -C "$dir" --strip-components=1
		chown -R "$BAI_USER:" "$home/.static-python"
		changed=yes
	fi
	;;
*)
	echo "python: unknown PYTHON_SOURCE $PYTHON_SOURCE (distro or standalone)" >&2
	exit 1
	;;
esac
echo "python: $python $("$python" --version 2>&1 | cut -d' ' -f2) changed=$changed"
