// Package provider is the project's own Pulumi provider, pulumi-resource-backendai:
// the resources that no upstream provider reachable from here offers.
package provider

import (
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Name is the package name of the provider (tokens start with "backendai:").
const Name = "backendai"

// New builds the provider.
func New() (p.Provider, error) {
	return infer.NewProviderBuilder().
		WithNamespace("backendai").
		WithDisplayName("Backend.AI infrastructure").
		WithDescription("Deploys Backend.AI clusters: remote host steps and Backend.AI data resources.").
		WithResources(infer.Resource(&Script{}), infer.Resource(&KeyTree{}), infer.Resource(&Fixture{}), infer.Resource(&Release{}), infer.Resource(&Credentials{})).
		WithGoImportPath("github.com/backendai-infra/backendai-infra/sdk/go/backendai").
		Build()
}
