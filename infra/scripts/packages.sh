#!/usr/bin/env bash
# A service's venv with its Backend.AI package pinned to the cluster's release, owned by
# the operations account, from INDEX_URL or else from the index pip is configured with
# on the node. It installs only when the venv lacks that exact version; when the index
# does not serve it, the step fails naming the versions the index has.
#   SERVICE_DIR=/home/bai/webserver PYTHON=/usr/bin/python3 PACKAGE=backend.ai-webserver \
#   VERSION=26.8.1 [INDEX_URL=http://127.0.0.1:3141/index/] BAI_USER=bai packages.sh
set -euo pipefail
: "${SERVICE_DIR:?}" "${PYTHON:?}" "${PACKAGE:?}" "${VERSION:?}" "${BAI_USER:?}"
index_args=()
from="pip's configured index"
if [ -n "${INDEX_URL:-}" ]; then
	index_args=(--index-url "$INDEX_URL")
	from=$INDEX_URL
fi
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
	# The services of a node share bai's pip cache: one install at a time writes it.
	if ! out=$(as_bai flock /run/lock/backendai-pip.lock "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
		"${index_args[@]}" "$PACKAGE==$VERSION" 2>&1); then
		echo "packages: $PACKAGE==$VERSION from $from failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		# The versions this venv's Python can install from that index.
		if have=$(as_bai "$venv/bin/python" -m pip index versions --disable-pip-version-check \
			"${index_args[@]}" "$PACKAGE" 2>/dev/null | sed -n 's/^Available versions: //p') && [ -n "$have" ]; then
			echo "packages: $from has $PACKAGE $have (for $("$venv/bin/python" --version))" >&2
		fi
		exit 1
	fi
	changed=yes
fi
echo "packages: $PACKAGE $VERSION in $venv changed=$changed"
