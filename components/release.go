package components

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/infra/remote"
	"github.com/backendai-infra/backendai-infra/infra/scripts"
	"github.com/backendai-infra/backendai-infra/infra/spec"
)

// ReleaseType is the provider's record of the release a cluster runs.
const ReleaseType = "backendai:index:Release"

// Release is the release record (infra/provider.Release): an upgrade shows in a preview
// as its version changing, and a downgrade is refused there, before any step runs.
type Release struct {
	pulumi.CustomResourceState

	// Previous is the release the last upgrade replaced.
	Previous pulumi.StringOutput `pulumi:"previous"`
}

// NewRelease records version; every release-bound step waits for it.
func NewRelease(ctx *pulumi.Context, name, version string, opts ...pulumi.ResourceOption) (*Release, error) {
	var r Release
	if err := ctx.RegisterResource(ReleaseType, name, pulumi.Map{"release": pulumi.String(version)}, &r, opts...); err != nil {
		return nil, err
	}
	return &r, nil
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
