package provider

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/backendai-infra/backendai-infra/components"
)

// givenClusterInputs prepares a served Cluster's inputs for its constructor:
//   - the settings exactly as the caller gave them (components.ClusterSettingsInput, as
//     JSON): a typed struct cannot tell a key left out, which takes its default, from an
//     empty list or a false, which do not;
//   - the fixtures' texts unmarked: they are secret (passwords, secret keys), so the
//     caller's SDK marks them and the engine keeps them encrypted, but the constructor
//     must read them to check them before any resource exists; every resource it makes
//     of them takes them as secrets again.
//
// A setting whose value is not known yet (another resource's output) is refused,
// naming it: the cluster's files are rendered from the settings at preview.
func givenClusterInputs(in property.Map) (property.Map, error) {
	settings := map[string]any{}
	for key, v := range in.All {
		if slices.Contains(components.ClusterSecretInputs, key) || key == "fixtures" || key == "connections" || key == components.ClusterSettingsInput {
			continue
		}
		if v.HasComputed() {
			return in, fmt.Errorf("%s: its value is not known yet; a cluster's settings are rendered into its files at preview (a node's SSH endpoint and keys may come from other resources: connections)", key)
		}
		settings[key] = resource.ToResourcePropertyValue(plain(v)).Mappable()
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return in, fmt.Errorf("its settings: %w", err)
	}
	out := in.Set(components.ClusterSettingsInput, property.New(string(raw)))
	if f, ok := in.GetOk("fixtures"); ok {
		if f.HasComputed() {
			return in, fmt.Errorf("fixtures: not known yet; they are checked at preview")
		}
		out = out.Set("fixtures", plain(f))
	}
	return out, nil
}

// knownClusterRef prepares the cluster input of the components that join a deployed
// cluster (AgentPool, AgentNode, Verification): their files are rendered from its
// settings at preview, so it must be known, and it is read as a plain value: a
// deployed cluster stack's output, which may come through a stack reference.
func knownClusterRef(in property.Map) (property.Map, error) {
	ref, ok := in.GetOk("cluster")
	if !ok {
		return in, nil
	}
	if ref.HasComputed() {
		return in, fmt.Errorf("cluster: its value is not known yet: agents join a deployed cluster, whose reference is known at preview (give clusterStack, the cluster stack's name); a cluster with its agents in one stack is a Cluster")
	}
	return in.Set("cluster", plain(ref)), nil
}

// plain is v without its secret marks and dependencies (v is known).
func plain(v property.Value) property.Value {
	v = v.WithSecret(false).WithDependencies(nil)
	switch {
	case v.IsArray():
		items := v.AsArray().AsSlice()
		for i, item := range items {
			items[i] = plain(item)
		}
		return property.New(items)
	case v.IsMap():
		m := map[string]property.Value{}
		for k, item := range v.AsMap().All {
			m[k] = plain(item)
		}
		return property.New(m)
	}
	return v
}
