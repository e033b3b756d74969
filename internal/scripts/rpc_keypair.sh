#!/usr/bin/env bash
# The manager's RPC keypair, which authenticates it to the agents (Backend.AI's
# docs/install/install-from-package/install-manager.rst at 26.8.1, before "Local
# configuration"; the path as its installer, src/ai/backend/install/context.py, gives it):
# `backend.ai mgr generate-rpc-keypair fixtures/manager manager` in the manager's
# directory, once. An existing keypair is kept: the agents trust it. It prints the public
# certificate (public: the agents get it), then its status line.
#   MANAGER_DIR=/home/bai/manager BAI_USER=bai rpc_keypair.sh
# A refresh reads back that the secret key file is there with mode 0600 (not which
# keypair it holds: the agents' rpc-keys steps read back their copy of the certificate).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${MANAGER_DIR:?}" "${BAI_USER:?}"
secret=$MANAGER_DIR/fixtures/manager/manager.key_secret
changed=no
if [ ! -s "$secret" ]; then
	drift "$secret is missing" && exit 0
	(cd "$MANAGER_DIR" && as_bai mkdir -p fixtures/manager &&
		as_bai .venv/bin/backend.ai mgr generate-rpc-keypair fixtures/manager manager >/dev/null)
	changed=yes
	[ -s "$secret" ] || { echo "rpc keypair: $secret was not made" >&2; exit 1; }
fi
if [ "$(stat -c %a "$secret")" != 600 ]; then
	drift "$secret has mode $(stat -c %a "$secret"), not 0600" && exit 0
	chmod 0600 "$secret"
fi
if [ "${BAI_CHECK:-}" = 1 ]; then exit 0; fi
cat "$MANAGER_DIR/fixtures/manager/manager.key"
echo "rpc keypair: $secret changed=$changed"
