#!/usr/bin/env bash
# The kernel images the manager knows ("Sync the information of container registry" in
# Backend.AI's docs/install/install-from-package/install-manager.rst at 26.8.1):
# `backend.ai mgr image rescan` of each image the stack names (its repository and tag
# alone) or of a whole registry, after the registries' fixture is in and the manager is
# installed, then the image aliases for this node's architecture. A rescan only reads the
# registry and updates the image table and an alias is set, not added, so running it again
# is safe; the step runs again when its inputs change.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai IMAGE_RESCAN="cr.backend.ai/stable/python:3.13-ubuntu24.04 cr.example.com" \
#   IMAGE_ALIASES="python cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64" rescan.sh
# A refresh does not read this step back (it asks the manager to read the registries; the image rows are the manager's).
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}"
mgr() { # backend.ai mgr ARGS..., as the account; a failure shows its last lines
	local out
	# The command logs an unreachable registry as an ERROR and still exits 0.
	if ! out=$(as_bai .venv/bin/backend.ai mgr "$@" 2>&1) || grep -q ' ERROR ' <<<"$out"; then
		echo "rescan: backend.ai mgr $* failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
}
cd "$MANAGER_DIR"
for target in ${IMAGE_RESCAN:-}; do
	mgr image rescan "$target"
	echo "rescan: $target done"
done
arch=$(uname -m)
while read -r alias target; do
	[ -n "$alias" ] || continue
	mgr image alias "$alias" "$target" "$arch"
	echo "rescan: alias $alias -> $target ($arch)"
done <<<"${IMAGE_ALIASES:-}"
echo "rescan: ${IMAGE_RESCAN:-nothing} changed=yes"
