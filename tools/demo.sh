#!/usr/bin/env bash
# The main job: `pulumi up` of the sandbox stack on freshly started sandbox hosts (a
# management node and an agent, Debian containers on this machine), then the stack's
# outputs. The hosts stay up to look at; `bash tests/sandbox/sandbox.sh down` removes them.
#   SANDBOX_HOSTS="bai-m1:manager,storage bai-a01:agent"  the hosts to start (NAME:ROLES)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/deps.sh
bash tools/build.sh
# shellcheck source=tools/env.sh
. tools/env.sh
export SANDBOX_STACK=sandbox

# The hosts are new, so state from an earlier demo describes hosts that are gone.
if pulumi stack ls --json 2>/dev/null | grep -q '"name": "sandbox"'; then
	echo "demo: forgetting the state of the previous sandbox hosts" >&2
	pulumi stack rm --force --yes --preserve-config sandbox >/dev/null
fi
# shellcheck disable=SC2086
bash tests/sandbox/sandbox.sh up ${SANDBOX_HOSTS:-}
pulumi stack select --create sandbox --non-interactive
pulumi config set --secret sshPrivateKey --non-interactive <.sandbox/id_ed25519
pulumi up --yes --non-interactive
pulumi stack output --json
echo "demo: the sandbox hosts are still running; remove them with: bash tests/sandbox/sandbox.sh down" >&2
