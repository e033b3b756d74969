package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/scripts"
	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// SharedStorageType is the SharedStorage component's type token.
const SharedStorageType = "backendai:index:SharedStorage"

// SharedStorageArgs are the cluster and its prepared hosts.
type SharedStorageArgs struct {
	Cluster spec.Cluster
	// Hosts by node name.
	Hosts map[string]*Host
	// Joining are nodes of an agent pool, not the cluster's: the volumes are mounted on
	// them alone, and served by the cluster's stack. Empty: the cluster's own nodes.
	Joining []spec.Node
}

// SharedStorage is the cluster's vfolder volumes ("Mount a shared storage" in Backend.AI's
// docs/install/install-from-package/os-preparation.rst and "Setting Up Shared Storage"
// in docs/install/install-from-source.rst, at 26.8.1): each storage node's NFS server
// with its exports, then on the management node and every agent the marked /etc/fstab
// block and the mounts at /vfroot/<name>, owned by the account. A one-node stack keeps
// that OS preparation guide's local directory, /vfroot/local, and needs none of it.
// Destroying it forgets the steps; the data on the volumes stays.
type SharedStorage struct {
	pulumi.ResourceState

	// Volumes are, served on its own (NewServedSharedStorage), each volume's name,
	// server and export.
	Volumes pulumi.StringMapArrayOutput `pulumi:"volumes"`

	// Mounted is, per node, what its services wait for: the volumes mounted there.
	Mounted map[string][]pulumi.Resource
}

// NewSharedStorage serves and mounts the cluster's volumes.
func NewSharedStorage(ctx *pulumi.Context, name string, args SharedStorageArgs, opts ...pulumi.ResourceOption) (*SharedStorage, error) {
	ss := &SharedStorage{Mounted: map[string][]pulumi.Resource{}}
	if err := ctx.RegisterComponentResource(SharedStorageType, name, ss, opts...); err != nil {
		return nil, err
	}
	if err := ss.build(ctx, name, args); err != nil {
		return nil, err
	}
	return ss, ctx.RegisterResourceOutputs(ss, pulumi.Map{})
}

// build registers the NFS servers and the mounts as ss's children.
func (ss *SharedStorage) build(ctx *pulumi.Context, name string, args SharedStorageArgs) error {
	c := args.Cluster
	g := &sharedStorage{ctx: ctx, name: name, ss: ss, args: args, volumes: c.Volumes()}
	served := pulumi.StringMapArray{}
	for _, v := range g.volumes {
		served = append(served, pulumi.StringMap{"name": pulumi.String(v.Name), "server": pulumi.String(v.Host), "export": pulumi.String(v.Export)})
	}
	ss.Volumes = served.ToStringMapArrayOutput()
	if len(g.volumes) == 1 && g.volumes[0].Local {
		return nil
	}
	return inOrder(
		g.nfsServers, // 1. the NFS servers, each with the volumes it serves
		g.mounts,     // 2. the mounts, on every node that uses the volumes
	)
}

// sharedStorage is the build state of the cluster's shared storage.
type sharedStorage struct {
	ctx     *pulumi.Context
	name    string
	ss      *SharedStorage
	args    SharedStorageArgs
	volumes []spec.Volume
	servers []pulumi.Resource
}

// on is the steps on node's host.
func (g *sharedStorage) on(node string) (steps, *Host, error) {
	h, ok := g.args.Hosts[node]
	if !ok {
		return steps{}, nil, fmt.Errorf("shared storage %s: no host for node %s", g.name, node)
	}
	return steps{ctx: g.ctx, name: node + "-" + g.name, parent: g.ss, conn: h.Connection}, h, nil
}

// nfsServers: each storage node's NFS server, with the volumes it serves (none for
// nodes that join a cluster whose servers another stack runs).
func (g *sharedStorage) nfsServers() error {
	c := g.args.Cluster
	if len(g.args.Joining) > 0 {
		return nil
	}
	for _, n := range c.Nodes {
		var dirs []string
		for _, v := range g.volumes {
			if v.Server != nil && v.Server.Name == n.Name {
				dirs = append(dirs, v.Export)
			}
		}
		if len(dirs) == 0 {
			continue
		}
		s, h, err := g.on(n.Name)
		if err != nil {
			return err
		}
		config := scripts.ExportsFile(c, n.Name)
		if c.Storage.NFSServer == spec.NFSGanesha {
			config = scripts.GaneshaConf(c, n.Name)
		}
		st, err := s.run("nfs-server", scripts.NFSServerInput{Server: c.Storage.NFSServer, ExportDirs: strings.Join(dirs, " "),
			Config: config, User: c.Account.Name}, nil, h.Ready...)
		if err != nil {
			return err
		}
		g.servers = append(g.servers, st)
	}
	return nil
}

// mounts: the /etc/fstab block and the mounts on every node that uses the volumes, once
// the servers export them.
func (g *sharedStorage) mounts() error {
	c := g.args.Cluster
	mounting := c.Nodes
	if len(g.args.Joining) > 0 {
		mounting = g.args.Joining
	}
	mounts := make([]string, len(g.volumes))
	for i, v := range g.volumes {
		mounts[i] = v.Path + "=" + scripts.Source(v)
	}
	for _, n := range mounting {
		if !n.Mounts() {
			continue
		}
		s, h, err := g.on(n.Name)
		if err != nil {
			return err
		}
		st, err := s.run("vfroot", scripts.VFRootInput{Mode: c.Storage.Mount, Fstab: scripts.FstabBlock(c),
			Volumes: strings.Join(mounts, " "), User: c.Account.Name}, nil, append(append([]pulumi.Resource{}, h.Ready...), g.servers...)...)
		if err != nil {
			return err
		}
		g.ss.Mounted[n.Name] = []pulumi.Resource{st}
	}
	return nil
}

// VFolderHosts are the cluster's volumes as Backend.AI names them in
// allowed_vfolder_hosts: "<storage proxy>:<volume>".
func VFolderHosts(c spec.Cluster) []string {
	s := Settings(c, c.Manager())
	out := make([]string, len(s.StorageProxy.Volumes))
	for i, v := range s.StorageProxy.Volumes {
		out[i] = s.StorageProxy.Name + ":" + v.Name
	}
	return out
}
