#!/usr/bin/env bash
# The GraphQL gateway's packages on the management node: Node.js from the distribution
# and the Hive Gateway (@graphql-hive/gateway, pinned) with The Guild's federation
# composition, from npm into GATEWAY_DIR. It needs nothing of Backend.AI's, so it runs
# beside the services' packages; gateway.sh composes the supergraph after the manager's.
# The packages come from NPM_REGISTRY or else the registry npm is configured with;
# everything is rewritten only when it differs.
#   GATEWAY_DIR=/home/bai/gateway BAI_USER=bai GATEWAY_VERSION=2.15.1 \
#   [NPM_REGISTRY=http://127.0.0.1:4873/] gateway_packages.sh
# A refresh does not read this step back yet: a hand change goes unnoticed until its inputs change.
set -euo pipefail
: "${GATEWAY_DIR:?}" "${BAI_USER:?}" "${GATEWAY_VERSION:?}"
# The composition library and graphql, pinned with the gateway.
composition_version=0.27.0
graphql_version=16.11.0
changed=no
as_bai() { setpriv --reuid="$BAI_USER" --regid="$(id -g "$BAI_USER")" --init-groups env HOME="$(getent passwd "$BAI_USER" | cut -d: -f6)" "$@"; }
# One apt at a time on the node (see python.sh).
apt_get() { flock /run/lock/backendai-apt.lock apt-get -o DPkg::Lock::Timeout=300 "$@"; }
# put FILE MODE: the text on stdin becomes FILE, bai's, when it differs.
put() {
	local tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then
		rm -f "$tmp"
		return
	fi
	install -o "$BAI_USER" -g "$(id -gn "$BAI_USER")" -m "$2" "$tmp" "$1"
	rm -f "$tmp"
	changed=yes
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	apt_get update -q >/dev/null
	apt_get install -y -q --no-install-recommends nodejs npm >/dev/null
	changed=yes
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
	echo "gateway: @graphql-hive/gateway $GATEWAY_VERSION needs Node.js 20 or later; this node has $(node --version)" >&2
	exit 1
fi

install -d -o "$BAI_USER" -g "$(id -gn "$BAI_USER")" -m 0755 "$GATEWAY_DIR"
cd "$GATEWAY_DIR"
put package.json 0644 <<EOF
{
  "name": "backendai-graphql-gateway",
  "private": true,
  "type": "module",
  "dependencies": {
    "@graphql-hive/gateway": "$GATEWAY_VERSION",
    "@theguild/federation-composition": "$composition_version",
    "graphql": "$graphql_version"
  }
}
EOF
installed() { node -p "require('./node_modules/$1/package.json').version" 2>/dev/null || true; }
if [ "$(installed @graphql-hive/gateway)" != "$GATEWAY_VERSION" ] || [ "$(installed @theguild/federation-composition)" != "$composition_version" ] ||
	[ "$(installed graphql)" != "$graphql_version" ]; then
	registry=()
	from="npm's configured registry"
	if [ -n "${NPM_REGISTRY:-}" ]; then
		registry=(--registry "$NPM_REGISTRY")
		from=$NPM_REGISTRY
	fi
	# No install scripts: the gateway needs none (protobufjs' only print a notice).
	if ! out=$(as_bai npm install --ignore-scripts --no-audit --no-fund --no-update-notifier --omit=dev "${registry[@]}" 2>&1); then
		echo "gateway: npm install of @graphql-hive/gateway $GATEWAY_VERSION from $from failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
	changed=yes
fi
echo "gateway packages: @graphql-hive/gateway $GATEWAY_VERSION in $GATEWAY_DIR changed=$changed"
