#!/usr/bin/env bash
# The Python the services' venvs are made from, and uv, which makes the venvs and
# installs the packages (packages.sh):
#   PYTHON_SOURCE=distro       the distribution's python3 with venv
#   PYTHON_SOURCE=uv           a python-build-standalone build of PYTHON_VERSION that uv
#                              installs under /opt/backendai/python, from uv's default
#                              source or PYTHON_MIRROR (UV_PYTHON_INSTALL_MIRROR)
#   PYTHON_SOURCE=standalone   a python-build-standalone archive from PYTHON_URL, checked
#                              against PYTHON_SHA256, unpacked under
#                              /home/<BAI_USER>/.static-python/versions/<PYTHON_VERSION>
# uv (PyPI: uv==UV_VERSION) goes into its own venv, /opt/backendai/uv, made with the
# distribution's python3 from INDEX_URL or the index pip is configured with. The
# interpreter must be PYTHON_NEEDS (major.minor), the Python RELEASE's packages require;
# it prints the interpreter's path.
# A refresh reads back python3 with venv, uv's version, and that the interpreter is there
# and is Python PYTHON_NEEDS (not the interpreter's own files).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${PYTHON_SOURCE:?}" "${BAI_USER:?}" "${PYTHON_NEEDS:?}" "${RELEASE:?}" "${UV_VERSION:?}"
changed=no
export DEBIAN_FRONTEND=noninteractive
uv_home=/opt/backendai/uv
uv=$uv_home/bin/uv
# In a check, Python writes no bytecode caches.
if [ "${BAI_CHECK:-}" = 1 ]; then export PYTHONDONTWRITEBYTECODE=1; fi

# The distribution's python3 with venv: the distro source's interpreter, and uv's.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
	if ! drift "the distribution's python3 with venv is missing"; then
		apt_get update -q >/dev/null
		apt_get install -y -q --no-install-recommends python3 python3-venv >/dev/null
		changed=yes
	fi
fi
# One uv install at a time on the node: a node with the manager and an agent runs two
# python steps at once.
if [ "${BAI_CHECK:-}" != 1 ]; then
	exec 9>/run/lock/backendai-uv.lock
	flock -w 600 9 || { echo "python: another step held /run/lock/backendai-uv.lock for 10 minutes" >&2; exit 1; }
fi
have=$("$uv" --version 2>/dev/null | cut -d' ' -f2 || true)
if [ "$have" != "$UV_VERSION" ] && ! drift "uv is ${have:-missing}, not $UV_VERSION"; then
	index_args=()
	[ -n "${INDEX_URL:-}" ] && index_args=(--index-url "$INDEX_URL")
	# A venv an interrupted run left without pip is made again.
	"$uv_home/bin/python" -m pip --version >/dev/null 2>&1 || python3 -m venv --clear "$uv_home"
	if ! out=$("$uv_home/bin/python" -m pip install --quiet --disable-pip-version-check "${index_args[@]}" "uv==$UV_VERSION" 2>&1); then
		echo "python: installing uv==$UV_VERSION failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
	changed=yes
fi
[ "${BAI_CHECK:-}" = 1 ] || flock -u 9

case "$PYTHON_SOURCE" in
distro)
	python=$(command -v python3 || echo python3)
	;;
uv)
	: "${PYTHON_VERSION:?}"
	python=/opt/backendai/bin/python$PYTHON_VERSION
	if [ ! -x "$python" ] && ! drift "$python is missing"; then
		export UV_PYTHON_INSTALL_DIR=/opt/backendai/python
		[ -n "${PYTHON_MIRROR:-}" ] && export UV_PYTHON_INSTALL_MIRROR=$PYTHON_MIRROR
		if ! out=$("$uv" python install --no-bin "$PYTHON_VERSION" 2>&1); then
			echo "python: uv python install $PYTHON_VERSION from ${PYTHON_MIRROR:-the default source} failed:" >&2
			printf '%s\n' "$out" | tail -n 15 >&2
			exit 1
		fi
		found=$("$uv" python find --managed-python --no-python-downloads "$PYTHON_VERSION")
		install -d /opt/backendai/bin
		ln -sfn "$found" "$python"
		changed=yes
	fi
	;;
standalone)
	: "${PYTHON_URL:?}" "${PYTHON_SHA256:?}" "${PYTHON_VERSION:?}"
	home=$(getent passwd "$BAI_USER" | cut -d: -f6)
	dir=$home/.static-python/versions/$PYTHON_VERSION
	python=$dir/bin/python3
	if [ ! -x "$python" ] && ! drift "$python is missing"; then
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
	echo "python: unknown PYTHON_SOURCE $PYTHON_SOURCE (distro, uv or standalone)" >&2
	exit 1
	;;
esac
# A check has nothing more to read without the interpreter (its absence is reported).
if [ "${BAI_CHECK:-}" = 1 ] && ! command -v "$python" >/dev/null; then exit 0; fi
version=$("$python" -c 'import platform; print(platform.python_version())')
case "$version" in
"$PYTHON_NEEDS" | "$PYTHON_NEEDS".*) ;;
*)
	drift "$python is Python $version, not $PYTHON_NEEDS" && exit 0
	echo "python: $python is Python $version; Backend.AI $RELEASE's packages need Python $PYTHON_NEEDS (services.python chooses another)" >&2
	exit 1
	;;
esac
echo "python: $python $version uv $UV_VERSION changed=$changed"
