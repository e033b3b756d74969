#!/usr/bin/env bash
# The management node's services answer, as a deployment is done only when they work:
# the manager's API with the deployed release, the webserver with the Web UI's page, and
# the storage proxy's manager-facing API, the GraphQL gateway (when GATEWAY_URL is
# set) ready with its supergraph, and the App Proxy's coordinator and worker (when
# COORDINATOR_URL and WORKER_URL are set). Waits for each (they take seconds to start),
# fails naming the service and the last lines of its journal. Prints what they answered
# as one JSON object, the stack's `services` output.
#   MANAGER_URL=http://10.0.0.1:8081 WEBSERVER_URL=http://10.0.0.1:8090 \
#   STORAGE_PROXY_URL=http://10.0.0.1:6022 VERSION=26.9.6 [GATEWAY_URL=http://127.0.0.1:4000] \
#   [COORDINATOR_URL=http://10.0.0.1:10200 WORKER_URL=http://10.0.0.1:10201] \
#   [CA_FILE=/home/bai/tls/cert.pem] [VERIFY_TIMEOUT=180] verify.sh
# With CA_FILE (services.tls) the webserver and the worker answer HTTPS with that
# certificate, for the node's address (curl trusts the file's certificates themselves).
# A refresh does not read this step back (it checks the services; rerun it with `pulumi up --replace <its URN>`).
set -euo pipefail
: "${MANAGER_URL:?}" "${WEBSERVER_URL:?}" "${STORAGE_PROXY_URL:?}" "${VERSION:?}"
timeout=${VERIFY_TIMEOUT:-180}
tls=()
[ -z "${CA_FILE:-}" ] || tls=(--cacert "$CA_FILE")

fail() { # service reason
	echo "verify: $1: $2" >&2
	journalctl -u "backendai-$1" --no-pager -o cat -n 15 2>/dev/null >&2 || true
	exit 1
}
# wait_for SERVICE CHECK...: runs CHECK until it succeeds or the time is up.
wait_for() {
	local service=$1 deadline=$((SECONDS + timeout))
	shift
	until "$@"; do
		((SECONDS < deadline)) || fail "$service" "no answer within ${timeout}s"
		sleep 2
	done
}
manager_answers() { api=$(curl -fsS --max-time 5 "$MANAGER_URL/" 2>/dev/null) && grep -q "\"manager\": *\"$VERSION\"" <<<"$api"; }
webserver_answers() { page=$(curl -fsS --max-time 10 "${tls[@]}" "$WEBSERVER_URL/" 2>/dev/null) && grep -qi '<title>' <<<"$page"; }
# Without the shared secret the storage proxy refuses, but it answers.
storage_answers() { status=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$STORAGE_PROXY_URL/") && [ "$status" != 000 ]; }
# The Hive Gateway's readiness needs the supergraph loaded, as the webserver's probe does.
gateway_ready() { curl -fsS --max-time 5 -o /dev/null "$GATEWAY_URL/readiness" 2>/dev/null; }
coordinator_answers() { coordinator=$(curl -fsS --max-time 5 "$COORDINATOR_URL/status" 2>/dev/null) && grep -q '"api_version"' <<<"$coordinator"; }
worker_answers() { worker=$(curl -fsS --max-time 5 "${tls[@]}" "$WORKER_URL/status" 2>/dev/null); }

wait_for manager manager_answers
wait_for webserver webserver_answers
wait_for storage-proxy storage_answers
gateway=
if [ -n "${GATEWAY_URL:-}" ]; then
	wait_for graphql-gateway gateway_ready
	gateway=$(printf ', "graphqlGateway": {"url": "%s", "ready": true}' "$GATEWAY_URL")
fi
app_proxy=
if [ -n "${COORDINATOR_URL:-}" ]; then
	wait_for app-proxy-coordinator coordinator_answers
	wait_for app-proxy-worker worker_answers
	app_proxy=$(printf ', "appProxy": {"coordinator": %s, "worker": %s}' "$coordinator" "$worker")
fi
title=$(sed -n 's:.*<title>\(.*\)</title>.*:\1:Ip' <<<"$page" | head -n 1)
printf '{"manager": %s, "webserver": {"url": "%s", "title": "%s"}, "storageProxy": {"url": "%s", "status": %s}%s%s}\n' \
	"$api" "$WEBSERVER_URL" "${title//\"/\\\"}" "$STORAGE_PROXY_URL" "$status" "$gateway" "$app_proxy"
