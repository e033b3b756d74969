#!/usr/bin/env bash
# The agent's side of RPC authentication: the manager's public certificate, as the
# manager's keypair step printed it, and the agent's own CURVE keypair, made once with
# the agent venv's pyzmq (as `mgr generate-rpc-keypair` makes the manager's). An
# existing keypair is kept: the manager knows the agent by it.
#   AGENT_DIR=/home/bai/agent BAI_USER=bai MANAGER_PUBLIC_KEY="...certificate..." agent_keys.sh
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
: "${AGENT_DIR:?}" "${BAI_USER:?}" "${MANAGER_PUBLIC_KEY:?}"
changed=no
dir=$AGENT_DIR/fixtures
install -d -m 0700 -o "$BAI_USER" -g "$(id -gn "$BAI_USER")" "$dir"
case "$MANAGER_PUBLIC_KEY" in
*public-key*) ;;
*) echo "agent keys: MANAGER_PUBLIC_KEY is not a ZeroMQ public certificate" >&2; exit 1 ;;
esac
printf '%s\n' "${MANAGER_PUBLIC_KEY%$'\n'}" >"$dir/manager.key.tmp"
if cmp -s "$dir/manager.key.tmp" "$dir/manager.key"; then
	rm -f "$dir/manager.key.tmp"
else
	mv "$dir/manager.key.tmp" "$dir/manager.key"
	changed=yes
fi
if [ ! -s "$dir/agent.key_secret" ]; then
	"$AGENT_DIR/.venv/bin/python" -c 'import sys, zmq.auth; zmq.auth.create_certificates(sys.argv[1], "agent")' "$dir"
	changed=yes
fi
chown "$BAI_USER:$(id -gn "$BAI_USER")" "$dir"/*
chmod 0600 "$dir/agent.key_secret"
echo "agent keys: $dir changed=$changed"
