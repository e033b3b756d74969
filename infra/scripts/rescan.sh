#!/usr/bin/env bash
# The kernel images the manager knows (seed 002 step 22): `backend.ai mgr image rescan`
# of each registry, after the registries' fixture is in and the manager is installed.
# A rescan only reads the registry and updates the image table, so running it again is
# safe; the step runs again when the registries or the release change.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai IMAGE_REGISTRIES="cr.backend.ai" rescan.sh
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}"
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }
cd "$MANAGER_DIR"
for registry in ${IMAGE_REGISTRIES:-}; do
	if ! out=$(as_bai .venv/bin/backend.ai mgr image rescan "$registry" 2>&1); then
		echo "rescan: backend.ai mgr image rescan $registry failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
	echo "rescan: $registry done"
done
echo "rescan: ${IMAGE_REGISTRIES:-no registries} changed=yes"
