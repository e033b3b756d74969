#!/usr/bin/env bash
# The main job: `pulumi up` of the sandbox stack on freshly started sandbox hosts (a
# management node, two agents and an NFS storage node, Debian containers on this
# machine): the hosts prepared, the shared volume served and mounted, then the management
# node's halfstack, etcd keys, schema, fixtures and services, and the agents with
# Backend.AI's mock accelerator plugin; then the stack's outputs. The hosts stay up to look at; `bash tests/sandbox/sandbox.sh down`
# removes them.
#
# Backend.AI is the real one: its released packages from PyPI, through a caching index on
# this machine (tests/pypicache). The one stand-in, named: no container registry is
# reachable, so a local registry serves the halfstack an image built from Debian's
# packages (tests/standins). Both reach every host's loopback through SSH while the demo
# runs. No GPU either: the agents run Backend.AI's mock accelerator plugin.
#   SANDBOX_HOSTS="bai-m1:manager bai-a01:agent bai-a02:agent bai-s1:storage"
#                                                         the hosts to start (NAME:ROLES;
#                                                         the manager must be bai-m1)
#   BACKENDAI_VERSION=26.4.16                             the release (default: the newest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/deps.sh
bash tools/build.sh
# shellcheck source=tools/env.sh
. tools/env.sh
export SANDBOX_STACK=sandbox
# The hosts run systemd, as real nodes do, so the services really start.
export SANDBOX_INIT=systemd
# The newest release on PyPI, unless BACKENDAI_VERSION names another (26.4.x, 26.8.x).
version=${BACKENDAI_VERSION:-26.9.6}

# The hosts are new, so state from an earlier demo describes hosts that are gone.
if pulumi stack ls --json 2>/dev/null | grep -q '"name": "sandbox"'; then
	echo "demo: forgetting the state of the previous sandbox hosts" >&2
	pulumi stack rm --force --yes --preserve-config sandbox >/dev/null
fi
hosts=${SANDBOX_HOSTS:-bai-m1:manager bai-a01:agent bai-a02:agent bai-s1:storage}
# shellcheck disable=SC2086
bash tests/sandbox/sandbox.sh up $hosts
names=$(for h in $hosts; do printf '%s,' "${h%%:*}"; done)

ready=$(mktemp)
go build -o .sandbox/standins ./tests/standins/cmd/standins
.sandbox/standins -host "${names%,}" -fixture .sandbox/local-registry.json -version "$version" -out "$ready" &
standins=$!
trap 'kill "$standins" 2>/dev/null; wait "$standins" 2>/dev/null; rm -f "$ready"' EXIT
until [ -s "$ready" ]; do
	kill -0 "$standins" 2>/dev/null || { echo "demo: the stand-ins did not start" >&2; exit 1; }
	sleep 1
done

pulumi stack select --create sandbox --non-interactive
pulumi config set --secret sshPrivateKey --non-interactive <.sandbox/id_ed25519
# Fresh secrets for fresh hosts, kept only in the stack's encrypted config.
for key in dbPassword storageProxySecret storageProxyJWT; do
	head -c 18 /dev/urandom | base64 | pulumi config set --secret "$key" --non-interactive
done
pulumi config set version "$version"
# Backend.AI's own example users and keypairs of the release (tools/catalog keeps them):
# their passwords and keys are public, which only a throwaway test cluster may keep. The
# superadmin the verification logs in as is generated all the same (the stack output
# `superadmin`, secret: `pulumi stack output superadmin --show-secrets`).
pulumi config set testCluster true
go run ./tools/catalog
fixtures="${XDG_CACHE_HOME:-$HOME/.cache}/backendai-infra/catalog/$version/fixtures"
pulumi config set --path 'fixtures[0]' "$fixtures/example-users.json"
pulumi config set --path 'fixtures[1]' "$fixtures/example-keypairs.json"
# The resource slot types the agents report (cpu, mem, cuda.device): without them the
# manager refuses their heartbeats.
pulumi config set --path 'fixtures[2]' "$fixtures/example-resource-slot-types.json"
# The local registry, registered for `mgr image rescan`.
pulumi config set --path 'fixtures[3]' .sandbox/local-registry.json
# Every agent runs Backend.AI's mock accelerator plugin: two CUDA devices, no GPU.
i=0
for h in $hosts; do
	case ${h#*:} in *agent*) pulumi config set --path "nodes[$i].accelerators[0].kind" mock ;; esac
	i=$((i + 1))
done
# The index's and the registry's addresses, and the halfstack as a step on the node.
while IFS=$'\t' read -r path value; do
	pulumi config set --path "$path" "$value"
done <"$ready"
# --event-log is one of the CLI's debug options.
PULUMI_DEBUG_COMMANDS=true pulumi up --yes --non-interactive --event-log .sandbox/up.events
pulumi stack output --json
# Where the up's time went: its critical path and the time per phase.
pulumi stack export --file .sandbox/state.json
go run ./tools/profile .sandbox/up.events .sandbox/state.json
echo "demo: the superadmin's login: pulumi stack output superadmin --show-secrets (after . tools/env.sh)" >&2
echo "demo: the sandbox hosts are still running; remove them with: bash tests/sandbox/sandbox.sh down" >&2
