package components

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/remote"
)

// NewRelease records version (the provider's Release), and a plane's management nodes:
// an upgrade shows in a preview as its version changing, and a downgrade, or a plane's
// nodes changing, is refused there, before any step runs. Every release-bound step
// waits for it.
func NewRelease(ctx *pulumi.Context, name string, c spec.Cluster, opts ...pulumi.ResourceOption) (*backendai.Release, error) {
	args := &backendai.ReleaseArgs{Release: pulumi.String(c.Version)}
	if c.HA() { // a single management node's record stays as it was
		var managers pulumi.StringArray
		for _, m := range c.Managers() {
			managers = append(managers, pulumi.String(m.Name))
		}
		args.Managers = managers
	}
	return backendai.NewRelease(ctx, name, args, opts...)
}

// schemaPreflight is the step the release record waits for on the management node:
// an upgrade to a release whose migrations lack the database's revision stops there,
// before any package of any node is installed.
func schemaPreflight(ctx *pulumi.Context, parent pulumi.Resource, c spec.Cluster, host *Host) (*remote.Script, error) {
	mgr := c.Manager()
	st := steps{ctx: ctx, name: mgr.Name + "-mgmt", parent: parent, conn: host.Connection}
	return st.run("schema-preflight", scripts.SchemaPreflightInput{
		ManagerCommand: scripts.ManagerCommand{Dir: Settings(c, mgr).ManagerDir(), User: c.Account.Name, Version: c.Version},
		IndexURL:       c.Services.PackageIndex,
	}, nil, host.Account) // an upgrade's database is in Docker already; a first up has none
}

// withRelease is deps and the release record, when there is one.
func withRelease(deps []pulumi.Resource, release pulumi.Resource) []pulumi.Resource {
	if release == nil {
		return deps
	}
	return append(slices.Clip(deps), release)
}
