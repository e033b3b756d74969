package components

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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

// withRelease is deps and the release record, when there is one.
func withRelease(deps []pulumi.Resource, release pulumi.Resource) []pulumi.Resource {
	if release == nil {
		return deps
	}
	return append(slices.Clip(deps), release)
}
