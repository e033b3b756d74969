// Package provider is the project's own Pulumi provider, pulumi-resource-backendai:
// the resources that no upstream provider reachable from here offers.
package provider

import (
	"context"
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"github.com/backendai-infra/backendai-infra/components"
)

// Name is the package name of the provider (tokens start with "backendai:").
const Name = "backendai"

// GoImportPath is where the generated Go SDK lives.
const GoImportPath = "github.com/backendai-infra/backendai-infra/sdk/go/backendai"

// New builds the provider.
func New() (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithNamespace("backendai").
		WithDisplayName("Backend.AI infrastructure").
		WithDescription("Deploys Backend.AI clusters: components for its nodes, their convergent steps over SSH, and Backend.AI data resources (etcd keys, database fixtures).").
		WithResources(infer.Resource(&Script{}), infer.Resource(&KeyTree{}), infer.Resource(&Fixture{}), infer.Resource(&Release{}), infer.Resource(&Credentials{}), infer.Resource(&Secrets{})).
		// The components other stacks use, in any language (package components).
		WithComponents(infer.ComponentF(components.NewHost), infer.ComponentF(components.NewAgentPool), infer.ComponentF(components.NewServedCluster),
			infer.ComponentF(components.NewServedManagementNode), infer.ComponentF(components.NewServedAgentNode),
			infer.ComponentF(components.NewServedSharedStorage), infer.ComponentF(components.NewServedAccelerator),
			infer.ComponentF(components.NewServedVerification)).
		// The SDKs' names in each language (tools/pulumi/sdkgen writes them under sdk/).
		WithLanguageMap(map[string]any{
			"python": map[string]any{"packageName": "pulumi_backendai", "requires": map[string]any{"pulumi": ">=3.259.0,<4.0.0"}},
			"nodejs": map[string]any{"packageName": "@backendai-infra/backendai", "dependencies": map[string]any{"@pulumi/pulumi": "^3.259.0"}},
			"csharp": map[string]any{"rootNamespace": "BackendAI", "packageReferences": map[string]any{"Pulumi": "3.*"}},
		}).
		WithGoImportPath(GoImportPath).
		// The shared types (a connection) are the package's own, not the Go package's.
		WithModuleMap(map[tokens.ModuleName]tokens.ModuleName{"provider": "index", "components": "index", "spec": "index"}).
		Build()
	if err != nil {
		return prov, err
	}
	construct := prov.Construct
	prov.Construct = func(ctx context.Context, req p.ConstructRequest) (p.ConstructResponse, error) {
		var err error
		switch req.Urn.Type() {
		case components.ClusterType, components.ManagementNodeType:
			req.Inputs, err = givenClusterInputs(req.Inputs)
		case components.AgentPoolType, components.AgentNodeType, components.VerificationType:
			req.Inputs, err = knownClusterRef(req.Inputs)
		}
		if err != nil {
			return p.ConstructResponse{}, fmt.Errorf("%s %s: %w", req.Urn.Type().Name(), req.Urn.Name(), err)
		}
		return construct(ctx, req)
	}
	return prov, nil
}
