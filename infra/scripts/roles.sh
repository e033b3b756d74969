#!/usr/bin/env bash
# The roles every user needs from Backend.AI 26.9 on, where creating a vfolder, listing
# invitations and most other actions are checked against RBAC roles, and `mgr schema
# oneshot` seeds none: the release's role presets (backend.ai-install's
# fixtures/example-role-presets.json, from the same index as the packages, loaded with
# `mgr fixture populate`) and then `mgr permissions provision`, which gives every
# domain, project and user of the database the preset roles it lacks, as Backend.AI's
# installer does after its fixtures (src/ai/backend/install/context.py, load_fixtures).
# Both leave what is there alone, so running it again changes nothing; the step runs
# again when the fixtures or the release change (new users get their roles).
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai VERSION=26.9.6 [INDEX_URL=...] roles.sh
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}"
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }
mgr() { # backend.ai mgr ARGS..., as the account; a failure shows its last lines
	local out
	if ! out=$(as_bai .venv/bin/backend.ai mgr "$@" 2>&1); then
		echo "roles: backend.ai mgr $* failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
}
cd "$MANAGER_DIR"
index_args=()
[ -n "${INDEX_URL:-}" ] && index_args=(--index-url "$INDEX_URL")
tmp=$(mktemp -d)
chown "$BAI_USER" "$tmp"
trap 'rm -rf "$tmp"' EXIT
if ! out=$(as_bai flock /run/lock/backendai-pip.lock .venv/bin/python -m pip download --quiet --disable-pip-version-check --no-deps \
	--only-binary=:all: -d "$tmp" "${index_args[@]}" "backend.ai-install==$VERSION" 2>&1); then
	echo "roles: downloading backend.ai-install==$VERSION (its role presets) failed:" >&2
	printf '%s\n' "$out" | tail -n 15 >&2
	exit 1
fi
presets=$tmp/example-role-presets.json
as_bai .venv/bin/python - "$tmp"/*.whl "$presets" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read("ai/backend/install/fixtures/example-role-presets.json"))
PY
mgr fixture populate "$presets"
mgr permissions provision
echo "roles: Backend.AI $VERSION's role presets loaded, every domain, project and user provisioned changed=yes"
