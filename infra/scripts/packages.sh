#!/usr/bin/env bash
# A service's venv with its Backend.AI package pinned to the cluster's release, from
# the configured package index (the public one by default), owned by the operations
# account. It installs only when the venv lacks that exact version.
#   SERVICE_DIR=/home/bai/webserver PYTHON=/usr/bin/python3 PACKAGE=backend.ai-webserver \
#   VERSION=26.8.1 INDEX_URL=https://pypi.org/simple BAI_USER=bai packages.sh
set -euo pipefail
: "${SERVICE_DIR:?}" "${PYTHON:?}" "${PACKAGE:?}" "${VERSION:?}" "${BAI_USER:?}"
index=${INDEX_URL:-https://pypi.org/simple}
changed=no
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }

install -d -o "$BAI_USER" -g "$(id -gn "$BAI_USER")" -m 0755 "$SERVICE_DIR"
venv=$SERVICE_DIR/.venv
if [ ! -x "$venv/bin/python" ]; then
	as_bai "$PYTHON" -m venv "$venv"
	changed=yes
fi
installed=$(as_bai "$venv/bin/python" -m pip show "$PACKAGE" 2>/dev/null | sed -n 's/^Version: //p' || true)
if [ "$installed" != "$VERSION" ]; then
	if ! out=$(as_bai "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
		--index-url "$index" "$PACKAGE==$VERSION" 2>&1); then
		echo "packages: $PACKAGE==$VERSION from $index failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
	changed=yes
fi
echo "packages: $PACKAGE $VERSION in $venv changed=$changed"
