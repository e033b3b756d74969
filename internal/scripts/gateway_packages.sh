#!/usr/bin/env bash
# The GraphQL gateway's packages on the management node: Node.js from the distribution
# and the Hive Gateway (@graphql-hive/gateway, pinned) with The Guild's federation
# composition, from npm into GATEWAY_DIR. It needs nothing of Backend.AI's, so it runs
# beside the services' packages; gateway.sh composes the supergraph after the manager's.
# The packages come from NPM_REGISTRY or else the registry npm is configured with;
# everything is rewritten only when it differs.
#   GATEWAY_DIR=/home/bai/gateway BAI_USER=bai GATEWAY_VERSION=2.15.1 \
#   [NPM_REGISTRY=http://127.0.0.1:4873/] gateway_packages.sh
# A refresh reads back Node.js and npm, GATEWAY_DIR's owner and mode, package.json, and
# the version of each pinned package in node_modules (not the packages' own files).
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${GATEWAY_DIR:?}" "${BAI_USER:?}" "${GATEWAY_VERSION:?}"
# The composition library and graphql, pinned with the gateway.
composition_version=0.27.0
graphql_version=16.11.0
changed=no
# put FILE MODE: the text on stdin becomes FILE, bai's, when it differs.
put() {
	local tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if ! cmp -s "$tmp" "$1" && ! drift "$GATEWAY_DIR/$1 $([ -e "$1" ] && echo differs || echo is missing)"; then
		install -o "$BAI_USER" -g "$(id -gn "$BAI_USER")" -m "$2" "$tmp" "$1"
		changed=yes
	fi
	rm -f "$tmp"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	drift "Node.js or npm is missing" && exit 0
	apt_get update -q >/dev/null
	apt_get install -y -q --no-install-recommends nodejs npm >/dev/null
	changed=yes
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then
	drift "Node.js is $(node --version), older than 20" && exit 0
	echo "gateway: @graphql-hive/gateway $GATEWAY_VERSION needs Node.js 20 or later; this node has $(node --version)" >&2
	exit 1
fi

group=$(id -gn "$BAI_USER")
if [ "$(stat -c '%U:%G %a' "$GATEWAY_DIR" 2>/dev/null)" != "$BAI_USER:$group 755" ]; then
	drift "$GATEWAY_DIR is missing, or not $BAI_USER:$group's with mode 0755" ||
		install -d -o "$BAI_USER" -g "$group" -m 0755 "$GATEWAY_DIR"
	[ -d "$GATEWAY_DIR" ] || exit 0 # a check: nothing more to read
fi
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
pins=("@graphql-hive/gateway@$GATEWAY_VERSION" "@theguild/federation-composition@$composition_version" "graphql@$graphql_version")
# missing: the pinned packages node_modules lacks at their versions, one "name have want" a line.
missing() {
	local pin name want have
	for pin in "${pins[@]}"; do
		name=${pin%@*} want=${pin##*@}
		have=$(installed "$name")
		[ "$have" = "$want" ] || echo "$name ${have:-none} $want"
	done
}
registry=()
from="npm's configured registry"
if [ -n "${NPM_REGISTRY:-}" ]; then
	registry=(--registry "$NPM_REGISTRY")
	from=$NPM_REGISTRY
fi
npm_install() {
	# No install scripts: the gateway needs none (protobufjs' only print a notice).
	if ! out=$(as_bai npm install --ignore-scripts --no-audit --no-fund --no-update-notifier --omit=dev "${registry[@]}" 2>&1); then
		echo "gateway: npm install of @graphql-hive/gateway $GATEWAY_VERSION from $from failed:" >&2
		printf '%s\n' "$out" | tail -n 15 >&2
		exit 1
	fi
}
# One run at a time: a run cut off with its session (its host stopped, its SSH was cut) can
# leave its npm running, which holds this lock (it inherits the descriptor): wait for it.
if [ "${BAI_CHECK:-}" != 1 ]; then
	exec 9>/run/lock/backendai-gateway-packages.lock
	flock -w 600 9 || { echo "gateway: an earlier run held /run/lock/backendai-gateway-packages.lock for 10 minutes" >&2; exit 1; }
fi
# The pins of the last install that ran to its end. An install cut off halfway (its host
# stopped, its SSH was cut) leaves node_modules half written and npm's own record of it
# saying otherwise, so that npm skips what is missing: such a node_modules is started
# again from empty.
finished=node_modules/.backendai-installed
lacking=$(missing)
if [ -n "$lacking" ] || [ "$(cat "$finished" 2>/dev/null)" != "${pins[*]}" ]; then
	[ -n "$lacking" ] || drift "$GATEWAY_DIR/node_modules is not an install of ${pins[*]} that ran to its end" || true
	while read -r name have want; do
		[ -z "$name" ] || drift "$GATEWAY_DIR/node_modules has $name ${have/#none/not installed}, not $want" || true
	done <<<"$lacking"
	[ "${BAI_CHECK:-}" = 1 ] && exit 0
	if [ ! -f "$finished" ]; then
		rm -rf node_modules
	fi
	rm -f "$finished"
	npm_install
	if [ -n "$(missing)" ]; then
		rm -rf node_modules package-lock.json
		npm_install
	fi
	if lacking=$(missing) && [ -n "$lacking" ]; then
		echo "gateway: after npm install, node_modules still lacks (name, has, wants): $lacking" >&2
		exit 1
	fi
	printf '%s\n' "${pins[*]}" | as_bai tee "$finished" >/dev/null
	changed=yes
fi
echo "gateway packages: @graphql-hive/gateway $GATEWAY_VERSION in $GATEWAY_DIR changed=$changed"
