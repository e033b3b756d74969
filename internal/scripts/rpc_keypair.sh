#!/usr/bin/env bash
# The manager's RPC keypair, which authenticates it to the agents (seed 002 step 9, as
# the installer does it): `backend.ai mgr generate-rpc-keypair fixtures/manager manager`
# in the manager's directory, once. An existing keypair is kept: the agents trust it.
# It prints the public certificate (public: the agents get it), then its status line.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai rpc_keypair.sh
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}"
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }
cd "$MANAGER_DIR"
secret=fixtures/manager/manager.key_secret
changed=no
if [ ! -s "$secret" ]; then
	as_bai mkdir -p fixtures/manager
	as_bai .venv/bin/backend.ai mgr generate-rpc-keypair fixtures/manager manager >/dev/null
	changed=yes
fi
[ -s "$secret" ] || { echo "rpc keypair: $MANAGER_DIR/$secret was not made" >&2; exit 1; }
chmod 0600 "$secret"
cat fixtures/manager/manager.key
echo "rpc keypair: $MANAGER_DIR/$secret changed=$changed"
