#!/usr/bin/env bash
# The agent's side of RPC authentication: the manager's public certificate, as the
# manager's keypair step printed it, and the agent's own CURVE keypair, made once with
# the agent venv's pyzmq (as `mgr generate-rpc-keypair` makes the manager's). An
# existing keypair is kept: the manager knows the agent by it.
#   AGENT_DIR=/home/bai/agent BAI_USER=bai MANAGER_PUBLIC_KEY="...certificate..." agent_keys.sh
# A refresh reads back the directory's owner and mode, the manager's certificate, and
# that the agent's keypair is there, the account's, its secret key with mode 0600 (not
# which keypair: the manager's record of it is its own).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${AGENT_DIR:?}" "${BAI_USER:?}" "${MANAGER_PUBLIC_KEY:?}"
case "$MANAGER_PUBLIC_KEY" in
*public-key*) ;;
*) echo "agent keys: MANAGER_PUBLIC_KEY is not a ZeroMQ public certificate" >&2; exit 1 ;;
esac
changed=no
owner=$BAI_USER:$(id -gn "$BAI_USER")
dir=$AGENT_DIR/fixtures
# is PATH OWNER MODE: PATH is there with that owner (user:group) and mode.
is() { [ "$(stat -c '%U:%G %a' "$1" 2>/dev/null)" = "$2 $3" ]; }

if ! is "$dir" "$owner" 700; then
	if ! drift "$dir is missing, or not $owner's with mode 0700"; then
		install -d -m 0700 -o "$BAI_USER" -g "${owner#*:}" "$dir"
		changed=yes
	fi
	[ -d "$dir" ] || exit 0 # a check: nothing more to read
fi
if ! cmp -s "$dir/manager.key" <(printf '%s\n' "${MANAGER_PUBLIC_KEY%$'\n'}"); then
	if ! drift "$dir/manager.key differs from the manager's public certificate"; then
		printf '%s\n' "${MANAGER_PUBLIC_KEY%$'\n'}" >"$dir/manager.key.tmp"
		mv "$dir/manager.key.tmp" "$dir/manager.key"
		changed=yes
	fi
fi
if [ ! -s "$dir/agent.key_secret" ]; then
	drift "$dir/agent.key_secret is missing" && exit 0
	"$AGENT_DIR/.venv/bin/python" -c 'import sys, zmq.auth; zmq.auth.create_certificates(sys.argv[1], "agent")' "$dir"
	changed=yes
fi
# The keypair and the certificate are the account's; the secret key is for it alone.
for file in manager.key agent.key agent.key_secret; do
	[ ! -e "$dir/$file" ] || [ "$(stat -c %U:%G "$dir/$file")" = "$owner" ] ||
		drift "$dir/$file is $(stat -c %U:%G "$dir/$file")'s, not $owner's" || chown "$owner" "$dir/$file"
done
if [ "$(stat -c %a "$dir/agent.key_secret")" != 600 ]; then
	drift "$dir/agent.key_secret has mode $(stat -c %a "$dir/agent.key_secret"), not 0600" || chmod 0600 "$dir/agent.key_secret"
fi
echo "agent keys: $dir changed=$changed"
