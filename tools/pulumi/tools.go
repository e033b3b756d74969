//go:build tools

// Package tools pins the Pulumi CLI to one pulumi release.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
