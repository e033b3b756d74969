// Command pulumi-resource-backendai serves the project's provider to the Pulumi engine.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/backendai-infra/backendai-infra/provider"
)

// version is set at build time (-X main.version=...).
var version = "0.1.0"

func main() {
	prov, err := provider.New()
	if err == nil {
		err = prov.Run(context.Background(), provider.Name, version)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-backendai: %v\n", err)
		os.Exit(1)
	}
}
