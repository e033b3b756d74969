#!/usr/bin/env bash
# A service's venv with its Backend.AI package pinned to the cluster's release, owned by
# the operations account, made and filled by uv (python.sh installs it) from INDEX_URL or
# else from the index pip is configured with on the node. uv is safe to run concurrently
# on the account's one cache, so a node's services install at once. It installs only when
# the venv lacks that exact version; when the index does not serve it, the step fails
# naming the versions the index has.
#   SERVICE_DIR=/home/bai/webserver PYTHON=/usr/bin/python3 PACKAGE=backend.ai-webserver \
#   VERSION=26.8.1 [INDEX_URL=http://127.0.0.1:3141/index/] BAI_USER=bai packages.sh
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${SERVICE_DIR:?}" "${PYTHON:?}" "${PACKAGE:?}" "${VERSION:?}" "${BAI_USER:?}"
uv_home=/opt/backendai/uv
changed=no
# pip_setting KEY: what pip on this node is configured with for KEY (its files and
# environment, as the account sees them); uv reads no pip configuration.
pip_setting() {
	as_bai "$uv_home/bin/python" -m pip config list 2>/dev/null |
		sed -n "s/^\(:env:\|global\|install\)\.$1='\(.*\)'\$/\2/p" | tail -n 1
}

# The index settings uv gets: INDEX_URL, or pip's, translated.
index_args=()
from="pip's configured index"
uv_env=(UV_PYTHON_DOWNLOADS=never)
if [ -n "${INDEX_URL:-}" ]; then
	index_args=(--index-url "$INDEX_URL")
	from=$INDEX_URL
else
	if v=$(pip_setting index-url) && [ -n "$v" ]; then index_args+=(--index-url "$v"); fi
	extra=$(pip_setting extra-index-url)
	for v in $extra; do index_args+=(--extra-index-url "$v"); done
	# pip takes the best match across its indexes; uv, the first index's, unless told.
	[ -z "$extra" ] || index_args+=(--index-strategy unsafe-best-match)
	for v in $(pip_setting find-links); do index_args+=(--find-links "$v"); done
	for v in $(pip_setting trusted-host); do index_args+=(--allow-insecure-host "$v"); done
	if v=$(pip_setting cert) && [ -n "$v" ]; then uv_env+=("SSL_CERT_FILE=$v"); fi
fi
uv() { as_bai env "${uv_env[@]}" "$uv_home/bin/uv" "$@"; }

venv=$SERVICE_DIR/.venv
# BAI_CHECK=1: nothing is made or installed; a venv that is missing or holds another
# version of the package is reported as drift.
if [ "${BAI_CHECK:-}" = 1 ]; then
	[ -x "$venv/bin/python" ] || { echo "drift: $venv is missing"; exit 0; }
	installed=$(cd / && uv pip show --python "$venv/bin/python" "$PACKAGE" 2>/dev/null | sed -n 's/^Version: //p' || true)
	[ "$installed" = "$VERSION" ] || echo "drift: $venv has $PACKAGE ${installed:-not installed}, not $VERSION"
	exit 0
fi
install -d -o "$BAI_USER" -g "$(id -gn "$BAI_USER")" -m 0755 "$SERVICE_DIR"
# uv looks for its settings from the working directory up: from the account's own.
cd "$SERVICE_DIR"
if [ ! -x "$venv/bin/python" ]; then
	# --seed: pip in the venv, as the venvs of Backend.AI's
	# docs/install/install-from-package/os-preparation.rst (26.8.1) have it.
	if ! out=$(uv venv --quiet --seed --python "$PYTHON" "${index_args[@]}" "$venv" 2>&1); then
		echo "packages: making $venv with $PYTHON failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
	changed=yes
fi
installed=$(uv pip show --python "$venv/bin/python" "$PACKAGE" 2>/dev/null | sed -n 's/^Version: //p' || true)
if [ "$installed" != "$VERSION" ]; then
	# A service that runs as root (the agent) leaves root's bytecode caches in its venv;
	# uv, as the account, replaces them with the packages.
	if [ -n "$(find "$venv" ! -user "$BAI_USER" -print -quit)" ]; then
		chown -R "$BAI_USER:$(id -gn "$BAI_USER")" "$venv"
	fi
	if ! out=$(uv pip install --quiet --python "$venv/bin/python" "${index_args[@]}" "$PACKAGE==$VERSION" 2>&1); then
		echo "packages: $PACKAGE==$VERSION from $from failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		# The versions this venv's Python can install from that index.
		pip_index=()
		[ -n "${INDEX_URL:-}" ] && pip_index=(--index-url "$INDEX_URL")
		if have=$(as_bai "$venv/bin/python" -m pip index versions --disable-pip-version-check \
			"${pip_index[@]}" "$PACKAGE" 2>/dev/null | sed -n 's/^Available versions: //p') && [ -n "$have" ]; then
			echo "packages: $from has $PACKAGE $have (for $("$venv/bin/python" --version))" >&2
		fi
		exit 1
	fi
	changed=yes
fi
echo "packages: $PACKAGE $VERSION in $venv changed=$changed"
