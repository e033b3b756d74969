#!/usr/bin/env bash
# The GraphQL federation gateway's supergraph, on the management node, for the packages
# gateway_packages.sh put in GATEWAY_DIR: composed from the subgraph schemas the
# installed manager prints (`backend.ai mgr api dump-gql-schema`: the Graphene schema,
# the Strawberry one, and from 26.9 the public one) with The Guild's federation
# composition, each subgraph routed to the manager at MANAGER_URL, and the gateway's
# config. Backend.AI composes the same with Apollo's rover, which npm does not serve.
# Everything is rewritten only when it differs.
#   GATEWAY_DIR=/home/bai/gateway MANAGER_DIR=/home/bai/manager BAI_USER=bai VERSION=26.9.6 \
#   GATEWAY_VERSION=2.15.1 MANAGER_URL=http://10.0.0.1:8081 PUBLIC_SUBGRAPH=yes gateway.sh
# A refresh reads back both files' text against the checksums the run recorded
# (.composed.sha256): composing again would cost the manager's three schema dumps, and the
# packages step reads back the manager's release they come from.
# Check mode: with BAI_CHECK=1 (a refresh) it changes nothing and prints a "drift: ..." line per difference.
set -euo pipefail
: "${GATEWAY_DIR:?}" "${MANAGER_DIR:?}" "${BAI_USER:?}" "${VERSION:?}" "${GATEWAY_VERSION:?}" "${MANAGER_URL:?}"
changed=no
# fail WHY [DETAIL]: the step fails saying why, then the detail (a command's last lines).
fail() {
	echo "gateway: $1${2:+:}" >&2
	[ -z "${2:-}" ] || printf '%s\n' "$2" >&2
	exit 1
}
if [ "${BAI_CHECK:-}" = 1 ]; then
	sums=$GATEWAY_DIR/.composed.sha256
	if [ ! -f "$sums" ]; then
		echo "drift: $sums is missing"
	elif ! (cd "$GATEWAY_DIR" && sha256sum --quiet --check "$sums" >/dev/null 2>&1); then
		echo "drift: $GATEWAY_DIR: supergraph.graphql or gateway.config.mjs is not what the step composed"
	fi
	exit 0
fi
# put FILE MODE: the text on stdin becomes FILE, bai's, when it differs.
put() {
	local tmp
	tmp=$(mktemp)
	cat >"$tmp"
	if ! cmp -s "$tmp" "$1"; then
		install -o "$BAI_USER" -g "$(id -gn "$BAI_USER")" -m "$2" "$tmp" "$1"
		changed=yes
	fi
	rm -f "$tmp"
}

[ -d "$GATEWAY_DIR" ] || fail "$GATEWAY_DIR is missing"
cd "$GATEWAY_DIR"

# The subgraphs as this release of the manager defines them, dumped side by side.
tmp=$(mktemp -d)
chown "$BAI_USER" "$tmp"
trap 'rm -rf "$tmp"' EXIT
subgraphs=("graphene:" "strawberry:--v2")
[ "${PUBLIC_SUBGRAPH:-no}" = yes ] && subgraphs+=("public:--public")
dumps=()
for sg in "${subgraphs[@]}"; do
	name=${sg%%:*} flag=${sg#*:}
	# shellcheck disable=SC2086 # flag is one option or none
	(cd "$MANAGER_DIR" && as_bai .venv/bin/backend.ai mgr api dump-gql-schema $flag -o "$tmp/$name.graphql") >"$tmp/$name.log" 2>&1 &
	dumps+=($!)
done
bad=""
for i in "${!dumps[@]}"; do wait "${dumps[i]}" || bad=${bad:-$i}; done
if [ -n "$bad" ]; then
	name=${subgraphs[bad]%%:*} flag=${subgraphs[bad]#*:}
	fail "backend.ai mgr api dump-gql-schema $flag (Backend.AI $VERSION) failed" "$(tail -n 15 "$tmp/$name.log")"
fi
cat >"$tmp/compose.mjs" <<'EOF'
// Composes the subgraphs into the supergraph, each routed to its path on the manager.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const { parse } = require('graphql');
const { composeServices } = require('@theguild/federation-composition');
const [dir, manager] = process.argv.slice(2);
const paths = { graphene: '/admin/gql', strawberry: '/admin/gql/strawberry', public: '/admin/gql/strawberry/public' };
const services = process.argv.slice(4).map((name) => ({
  name, typeDefs: parse(readFileSync(`${dir}/${name}.graphql`, 'utf8')), url: manager + paths[name],
}));
const result = composeServices(services);
if (result.errors && result.errors.length) {
  for (const e of result.errors) console.error(e.message);
  process.exit(1);
}
writeFileSync(`${dir}/supergraph.graphql`, result.supergraphSdl);
EOF
names=()
for sg in "${subgraphs[@]}"; do names+=("${sg%%:*}"); done
if ! out=$(node "$tmp/compose.mjs" "$tmp" "${MANAGER_URL%/}" "${names[@]}" 2>&1); then
	fail "composing the supergraph of Backend.AI $VERSION's subgraphs (${names[*]}) failed" "$(printf '%s\n' "$out" | tail -n 15)"
fi
put supergraph.graphql 0644 <"$tmp/supergraph.graphql"

# Backend.AI's gateway.config.ts (configs/graphql), in JavaScript: the webserver's
# X-BackendAI-Token (a JWT of the user's keypair) and X-Forwarded-For go on to the
# manager, on HTTP and on the subscriptions' WebSocket; no introspection.
put gateway.config.mjs 0644 <<'EOF'
// Rendered by backendai-infra from Backend.AI's configs/graphql/gateway.config.ts.
import { defineConfig } from '@graphql-hive/gateway';

const forwardedHeaders = () => ({
  onSubgraphExecute({ executor, setExecutor }) {
    setExecutor(async (request) => {
      const from = request.context.headers || {};
      const headers = {};
      for (const name of ['x-backendai-token', 'x-forwarded-for']) {
        if (from[name]) headers[name] = from[name];
      }
      return executor({ ...request, extensions: { headers } });
    });
  },
});

export const gatewayConfig = defineConfig({
  plugins: () => [forwardedHeaders()],
  propagateHeaders: {
    fromClientToSubgraphs({ context }) {
      const headers = { ...(context.headers || {}) };
      delete headers['content-length'];
      return headers;
    },
  },
  disableIntrospection: { disableIf: () => true },
  maskedErrors: false,
  logging: 'warn',
  supergraph: './supergraph.graphql',
  graphqlEndpoint: '/admin/gql',
  skipValidation: true,
  transportEntries: {
    '*.http': {
      options: {
        subscriptions: {
          kind: 'ws',
          headers: [['x-backendai-token', '{context.headers.x-backendai-token}']],
        },
      },
    },
  },
});
EOF
sha256sum supergraph.graphql gateway.config.mjs | put .composed.sha256 0644
echo "gateway: @graphql-hive/gateway $GATEWAY_VERSION with Backend.AI $VERSION's supergraph (${names[*]}) in $GATEWAY_DIR changed=$changed"
