package components

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// ClusterRefOutput is the name of the stack output a cluster stack exports for the
// agent pools that join it (AgentPool's clusterStack).
const ClusterRefOutput = "agentPool"

// ClusterRef is what agents joining a cluster from another stack need, as the cluster
// stack exports it (ClusterRefOutput): where the manager and etcd are, the manager's
// RPC public key, the release, the volumes, the account, and the cluster's settings
// that every agent node shares. It holds no secret: the agents' files have none, and
// the nodes' SSH logins and the services' secrets stay in the cluster stack.
type ClusterRef struct {
	Release          string      `json:"release" pulumi:"release"`
	Manager          string      `json:"manager" pulumi:"manager"`
	Etcd             string      `json:"etcd" pulumi:"etcd"`
	Namespace        string      `json:"namespace" pulumi:"namespace"`
	ManagerPublicKey string      `json:"managerPublicKey" pulumi:"managerPublicKey"`
	Volumes          []string    `json:"volumes" pulumi:"volumes,optional"`
	Account          HostAccount `json:"account" pulumi:"account"`
	// Spec is the cluster's validated settings as JSON (refSpec): its nodes without their
	// SSH, and no secret.
	Spec string `json:"spec" pulumi:"spec"`
}

// refSpec is the cluster's settings as a ClusterRef carries them; the merged sysctl
// set, which the stack's own config keys give apart, goes with them.
type refSpec struct {
	spec.Cluster
	Sysctl map[string]string `json:"sysctl"`
	// Plane is the part of the cluster the stack runs: a management plane's one node
	// serves its volume to the agents that join it.
	Plane spec.Plane `json:"plane,omitempty"`
}

// NewClusterRef is c's reference for joining agents, but for the manager's public key,
// which the management node makes (Export adds it).
func NewClusterRef(c spec.Cluster) (ClusterRef, error) {
	shared := c
	shared.SSHPrivateKey, shared.Secrets, shared.Halfstack.DBPassword = "", spec.Secrets{}, ""
	shared.Superadmin, shared.Fixtures, shared.ResourcePresets = spec.Superadmin{}, nil, nil
	shared.Nodes = make([]spec.Node, len(c.Nodes))
	for i, n := range c.Nodes {
		n.SSH = nil
		shared.Nodes[i] = n
	}
	raw, err := json.Marshal(refSpec{Cluster: shared, Sysctl: c.Sysctl, Plane: c.Plane()})
	if err != nil {
		return ClusterRef{}, fmt.Errorf("exporting the cluster's settings: %w", err)
	}
	set := Settings(c, c.Manager())
	return ClusterRef{Release: c.Version, Manager: set.Manager.HTTP(), Etcd: set.EtcdPublic.String(), Namespace: set.Namespace,
		Volumes: VFolderHosts(c), Account: HostAccount{Name: c.Account.Name, UID: c.Account.UID, GID: c.Account.GID},
		Spec: string(raw)}, nil
}

// Export is the reference as the cluster stack's output ClusterRefOutput, with the
// manager's public key once the management node has made it.
func (r ClusterRef) Export(managerPublicKey pulumi.StringOutput) pulumi.Output {
	return pulumi.Map{
		"release":          pulumi.String(r.Release),
		"manager":          pulumi.String(r.Manager),
		"etcd":             pulumi.String(r.Etcd),
		"namespace":        pulumi.String(r.Namespace),
		"managerPublicKey": managerPublicKey,
		"volumes":          pulumi.ToStringArray(r.Volumes),
		"account": pulumi.Map{"name": pulumi.String(r.Account.Name), "uid": pulumi.Int(r.Account.UID),
			"gid": pulumi.Int(r.Account.GID)},
		"spec": pulumi.String(r.Spec),
	}.ToMapOutput()
}

// decodeRef reads a cluster stack's ClusterRefOutput (as a stack reference gives it).
func decodeRef(stack string, value any) (ClusterRef, error) {
	var ref ClusterRef
	if value == nil {
		return ref, fmt.Errorf("clusterStack: stack %s has no output %q: is it a cluster stack of this program, deployed (pulumi up)?", stack, ClusterRefOutput)
	}
	raw, err := json.Marshal(value)
	if text, ok := value.(string); ok { // the Cluster component's output, exported as is
		raw = []byte(text)
	}
	if err == nil {
		err = json.Unmarshal(raw, &ref)
	}
	if err != nil {
		return ref, fmt.Errorf("clusterStack: stack %s's output %q is not a cluster reference: %w", stack, ClusterRefOutput, err)
	}
	return ref, nil
}

// cluster is the cluster's settings the reference carries, checked against its other
// fields; field names the reference's field in what it says.
func (r ClusterRef) cluster(field string) (spec.Cluster, error) {
	var c refSpec
	if err := json.Unmarshal([]byte(r.Spec), &c); err != nil {
		return spec.Cluster{}, fmt.Errorf("%s.spec: not the settings a cluster stack exports: %w", field, err)
	}
	c.Cluster.Sysctl = c.Sysctl
	c.Cluster = c.Cluster.InPlane(c.Plane)
	c.Cluster.FillDefaults()
	var errs []error
	if r.ManagerPublicKey == "" {
		errs = append(errs, fmt.Errorf("%s.managerPublicKey: is empty: the cluster's management node is not deployed", field))
	}
	if r.Release != c.Version {
		errs = append(errs, fmt.Errorf("%s.release: %q, but its settings name release %q", field, r.Release, c.Version))
	}
	return c.Cluster, errors.Join(errs...)
}
