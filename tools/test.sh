#!/usr/bin/env bash
# Runs the tests, by tier:
#   tools/test.sh unit          formatting, vet, and `go test ./...`: hermetic and quick (Pulumi
#                               mocks, golden files, in-process SSH servers; no Docker, no servers)
#   tools/test.sh integration   the unit tier, the schema and SDKs checked against the generators,
#                               Backend.AI's schema catalogs, and the tests tagged `integration`
#                               (etcd and PostgreSQL on loopback, the package caches)
#   tools/test.sh e2e           the end-to-end tests (tagged `e2e`): the real Pulumi CLI against
#                               sandbox hosts
#   tools/test.sh               every tier, as CI runs it
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tier=${1:-all}
case "$tier" in unit | integration | e2e | all) ;; *)
	echo "test: unknown tier $tier (unit, integration, e2e, or none for all)" >&2
	exit 2
	;;
esac

checks() {
	unformatted=$(gofmt -l $(git ls-files '*.go'))
	[ -z "$unformatted" ] || { echo "test: not gofmt-ed: $unformatted" >&2; exit 1; }
	go vet -tags integration,e2e ./...
	for f in $(git ls-files '*.sh') .ci/run; do bash -n "$f"; done
}

setup() {
	bash tools/deps.sh
	bash tools/build.sh
	# shellcheck source=tools/env.sh
	. tools/env.sh
}

integration() {
	(cd tools/pulumi && go vet ./languagehost ./sdkgen)
	(cd tools/dotnetgen && go vet .)
	(cd tools/sdkfiles && go vet .)
	# The package's schema is the provider's, and sdk/ is what it generates.
	bash tools/sdk.sh check
	# Backend.AI's real schema, catalog and fixture files of each supported line (made once
	# on a sandbox host, cached), and the kept catalogs checked against them.
	go run ./tools/catalog
	# The unit tests again, with the integration tests beside them.
	go test -count=1 -tags integration ./...
}

e2e() {
	# Verbose, so the log shows the real `pulumi up`, the no-change preview and the destroy;
	# -artifacts keeps what the tests save (the Web UI's screenshots) under .test-output.
	# Two end-to-end tests at a time (E2E_LANES; each its own stack and sandbox hosts),
	# the longest first (tests/e2e/lanes_test.go): one test's waits (a session starting,
	# a broken host timing out) are the other's CPU time. -parallel only lets every
	# test queue for a lane.
	mkdir -p "$root/.test-output"
	go test -count=1 -v -tags e2e -parallel 64 -timeout 60m -artifacts -outputdir "$root/.test-output" ./tests/e2e
}

case "$tier" in
unit) checks && go test -count=1 ./... ;;
integration) setup && checks && integration ;;
e2e) setup && e2e ;;
all) setup && checks && integration && e2e ;;
esac
