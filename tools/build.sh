#!/usr/bin/env bash
# Builds the toolchain from Go modules into bin/ (git-ignored), reusing what is built:
#   bin/pulumi                              the Pulumi CLI, github.com/pulumi/pulumi/pkg/v3
#   bin/pulumi-language-go                  the Go language host (tools/pulumi/languagehost)
#   bin/backendai/pulumi-resource-backendai the project's provider (provider)
#   bin/pulumi-language-yaml                the YAML language host (github.com/pulumi/pulumi-yaml),
#                                           for Pulumi YAML programs that use the package
# The Go build and module caches make a rebuild cheap; the CLI is relinked only when
# its module or version changes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CGO_ENABLED=0
pulumi_version=v3.259.0
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version"
mkdir -p bin/backendai

stamp="$pulumi_version $(cat tools/pulumi/go.mod tools/pulumi/go.sum | sha256sum | cut -c1-16)"
if [ ! -x bin/pulumi ] || [ "$(cat bin/.pulumi.stamp 2>/dev/null)" != "$stamp" ]; then
	echo "build: pulumi $pulumi_version (the first build takes several minutes)" >&2
	(cd tools/pulumi && go build -trimpath -tags osusergo,grpcnotrace -ldflags "$ldflags" \
		-o "$root/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
	echo "$stamp" >bin/.pulumi.stamp
fi
(cd tools/pulumi && go build -trimpath -ldflags "$ldflags" -o "$root/bin/pulumi-language-go" ./languagehost)
yaml_version=v1.25.0
if [ ! -x bin/pulumi-language-yaml ] || [ "$(cat bin/.yaml.stamp 2>/dev/null)" != "$yaml_version" ]; then
	echo "build: pulumi-language-yaml $yaml_version (the first build takes about two minutes)" >&2
	GOBIN="$root/bin" go install -trimpath -ldflags "-s -w" "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$yaml_version"
	echo "$yaml_version" >bin/.yaml.stamp
fi
go build -trimpath -o bin/backendai/pulumi-resource-backendai ./provider/cmd/pulumi-resource-backendai
[ "$(bin/pulumi version)" = "$pulumi_version" ] || { echo "build: bin/pulumi is not $pulumi_version" >&2; exit 1; }
echo "build: $(bin/pulumi version), pulumi-language-go, pulumi-language-yaml, pulumi-resource-backendai ready in bin/" >&2
