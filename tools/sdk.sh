#!/usr/bin/env bash
# The package's schema and its generated SDKs (Go, Python, Node.js, .NET) under sdk/:
#   tools/sdk.sh          rewrite the schema from the provider, then the SDKs from it
#   tools/sdk.sh check    change nothing; fail if either differs from what is generated (CI)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
schema=provider/cmd/pulumi-resource-backendai/schema.json
# The .NET generator pins an older Pulumi than the CLI's: its own module, built into bin/.
# It runs from here (its schema binding reads the project's plugins from Pulumi.yaml).
(cd tools/dotnetgen && go build -o "$root/bin/dotnetgen" .)
case "${1:-}" in
check)
	go test -count=1 -run '^TestSchema$' ./provider >/dev/null ||
		{ echo "sdk: $schema is not the provider's schema: run tools/sdk.sh" >&2; exit 1; }
	(cd tools/pulumi && go run ./sdkgen -schema "$root/$schema" -out "$root/sdk" -check)
	bin/dotnetgen -schema "$schema" -out sdk/dotnet -check
	;;
"")
	go test -count=1 -run '^TestSchema$' ./provider -update >/dev/null
	(cd tools/pulumi && go run ./sdkgen -schema "$root/$schema" -out "$root/sdk")
	bin/dotnetgen -schema "$schema" -out sdk/dotnet
	echo "sdk: $schema and sdk/ regenerated" >&2
	;;
*) sed -n '2,4p' "$0" >&2; exit 2 ;;
esac
