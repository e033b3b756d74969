#!/usr/bin/env bash
# Runs every test: formatting and vet, unit tests with Pulumi mocks and golden files,
# and the end-to-end tests that drive the real Pulumi CLI against sandbox hosts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/deps.sh
bash tools/build.sh
# shellcheck source=tools/env.sh
. tools/env.sh

unformatted=$(gofmt -l $(git ls-files '*.go'))
[ -z "$unformatted" ] || { echo "test: not gofmt-ed: $unformatted" >&2; exit 1; }
go vet ./...
(cd tools/pulumi && go vet ./languagehost ./sdkgen)
(cd tools/dotnetgen && go vet .)
(cd tools/sdkfiles && go vet .)
for f in $(git ls-files '*.sh') .ci/run; do bash -n "$f"; done
# The package's schema is the provider's, and sdk/ is what it generates.
bash tools/sdk.sh check

# Backend.AI's real schema, catalog and fixture files of each supported line (made once
# on a sandbox host, cached), and the kept catalogs checked against them.
go run ./tools/catalog
go test -count=1 ./provider/... ./internal/... ./components/... ./stacks/...
# Verbose, so the log shows the real `pulumi up`, the no-change preview and the destroy;
# -artifacts keeps what the tests save (the Web UI's screenshot) under .test-output.
# Two end-to-end tests at a time (each its own stack and sandbox hosts): one test's
# waits (a session starting, a broken host timing out) are the other's CPU time.
mkdir -p "$root/.test-output"
go test -count=1 -v -parallel 2 -timeout 60m -artifacts -outputdir "$root/.test-output" ./tests/...
