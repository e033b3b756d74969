package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// SharedStorageInputs are the SharedStorage component's inputs as the provider serves
// it: storage nodes alone, with the settings a Cluster's storage nodes take.
type SharedStorageInputs struct {
	Nodes   []spec.Node   `pulumi:"nodes"`
	Account *spec.Account `pulumi:"account,optional"`
	Limits  *spec.Limits  `pulumi:"limits,optional"`
	Storage *spec.Storage `pulumi:"storage"`
	// Connections, by node name, reach nodes where their ssh settings cannot say how.
	Connections   map[string]HostConnection `pulumi:"connections,optional"`
	SSHPrivateKey pulumi.StringInput        `pulumi:"sshPrivateKey" provider:"secret"`
}

// NewServedSharedStorage is the SharedStorage component as the provider serves it: a
// cluster's storage nodes alone, run apart from its management plane (one team runs
// the storage): each node's host prepared as a Cluster prepares a storage node (no
// Docker), and its NFS server exporting its volume to storage.clients. A cluster mounts
// them by its storage settings (storage.server and storage.export: the output volumes).
// Destroying it forgets the steps; the data on the volumes stays.
func NewServedSharedStorage(ctx *pulumi.Context, name string, in SharedStorageInputs, opts ...pulumi.ResourceOption) (*SharedStorage, error) {
	c, err := in.cluster()
	if err != nil {
		return nil, fmt.Errorf("shared storage %s: %w", name, err)
	}
	var errs []error
	if in.SSHPrivateKey == nil {
		errs = append(errs, errors.New("sshPrivateKey: is required"))
	}
	errs = append(errs, unknownConnections(c.Nodes, in.Connections))
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("shared storage %s: %w", name, err)
	}
	args := ClusterArgs{Spec: c, PrivateKey: checkedSecret("sshPrivateKey", in.SSHPrivateKey), Connections: in.Connections}
	ss := &SharedStorage{Mounted: map[string][]pulumi.Resource{}}
	if err := ctx.RegisterComponentResource(SharedStorageType, name, ss, opts...); err != nil {
		return nil, err
	}
	hosts := map[string]*Host{}
	for _, n := range c.Nodes {
		if n.Docker == nil {
			n.Docker = pulumi.BoolRef(false) // a storage node runs no container
		}
		if hosts[n.Name], err = NewHost(ctx, n.Name, args.hostArgs(n), pulumi.Parent(ss)); err != nil {
			return nil, err
		}
	}
	if err := ss.build(ctx, name, SharedStorageArgs{Cluster: c, Hosts: hosts}); err != nil {
		return nil, err
	}
	return ss, ctx.RegisterResourceOutputs(ss, pulumi.Map{"volumes": ss.Volumes})
}

// cluster is the storage nodes' settings as a stack's config would give them.
func (in SharedStorageInputs) cluster() (spec.Cluster, error) {
	return typedCluster(map[string]any{"nodes": in.Nodes, "account": in.Account, "limits": in.Limits, "storage": in.Storage},
		spec.LoadStoragePlane)
}

func (s *SharedStorage) Annotate(a infer.Annotator) {
	a.Describe(&s, "A cluster's storage nodes, run apart from its management plane (one team runs the storage): each "+
		"node's host prepared as a Cluster prepares a storage node (Docker only where its docker says so) and its NFS server (nfs-kernel-server or "+
		"nfs-ganesha) exporting its volume to storage.clients, squashed to the operations account. A cluster mounts them "+
		"at /vfroot/<name> with its storage settings: storage.server, storage.export and storage.name, from the output "+
		"volumes. Destroying it forgets the steps; the data on the volumes stays.")
	a.Describe(&s.Volumes, "Each volume: its name, the server's address and the exported directory.")
}

func (in *SharedStorageInputs) Annotate(a infer.Annotator) {
	a.Describe(&in.Nodes, "The storage nodes, each with the role storage alone; with more than one, each names its volume.")
	a.Describe(&in.Account, "The operations account that owns the volumes: the same on every node of the cluster; default bai, 1100.")
	a.Describe(&in.Limits, "root's and the account's open files and processes.")
	a.Describe(&in.Storage, "The exports: storage.clients (required) are the nodes, addresses or networks, that mount them; "+
		"nfsServer, exportOptions, export and name as a Cluster's.")
	a.Describe(&in.Connections, "How to reach nodes, by node name, where their ssh settings cannot say it.")
	a.Describe(&in.SSHPrivateKey, "The key that logs in to every node (OpenSSH or PEM form, no passphrase).")
}
