package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// AgentPoolType is the AgentPool component's type token.
const AgentPoolType = "backendai:index:AgentPool"

// AgentPoolArgs are agent nodes that join a cluster another stack runs.
type AgentPoolArgs struct {
	// ClusterStack is the cluster stack's fully qualified name
	// ("organization/backendai-cluster/prod"); its output agentPool says how to join it.
	ClusterStack string `pulumi:"clusterStack,optional"`
	// Cluster is that output itself, for a program that has it otherwise; one of the two.
	Cluster *ClusterRef `pulumi:"cluster,optional"`
	// Nodes are the pool's agent nodes.
	Nodes []PoolNode `pulumi:"nodes"`
	// PrivateKey logs in to every node whose connection gives no key; a secret.
	PrivateKey pulumi.StringInput `pulumi:"privateKey,optional" provider:"secret"`
}

// PoolNode is one agent node of a pool.
type PoolNode struct {
	// Name is the node's alias and its agent's id ("i-<name>"); unique in the cluster.
	Name string `pulumi:"name"`
	// Address is the node's IP address, as the manager and the other nodes reach it.
	Address string `pulumi:"address"`
	// Connection reaches the node over SSH.
	Connection HostConnection `pulumi:"connection"`
	// Accelerators are the agent's accelerator plugins.
	Accelerators []PoolAccelerator `pulumi:"accelerators,optional"`
}

// PoolAccelerator is one accelerator plugin of a pool's agent.
type PoolAccelerator struct {
	// Kind is "nvidia" (CUDA), "mock" (Backend.AI's mock plugin) or "plugin" (another vendor's).
	Kind string `pulumi:"kind"`
	// Devices is how many devices the mock plugin reports (default 2).
	Devices *int `pulumi:"devices,optional"`
	// Package and Module name another vendor's plugin: its PyPI package and module.
	Package string `pulumi:"package,optional"`
	Module  string `pulumi:"module,optional"`
}

// AgentPool is agent nodes that join a cluster another stack runs: each node's host
// prepared as the cluster's are, the cluster's volumes mounted, and its agent (from the
// cluster's release, pointed at its manager and etcd) started; the nodes converge in
// parallel. A node removed from the pool, or the pool destroyed, has its agent stopped
// and disabled, so the manager marks it gone; the cluster and the node's data stay.
type AgentPool struct {
	pulumi.ResourceState

	// Agents are the pool's agents' ids in the manager.
	Agents pulumi.StringArrayOutput `pulumi:"agents"`
	// Manager is the cluster's manager API the agents registered with.
	Manager pulumi.StringOutput `pulumi:"manager"`

	// Hosts and AgentNodes by node name.
	Hosts      map[string]*Host
	AgentNodes map[string]*AgentNode
}

// NewAgentPool reads the cluster stack's reference, checks the pool against it, and
// brings up the nodes. Bad input is refused, naming its field, before a step exists.
func NewAgentPool(ctx *pulumi.Context, name string, args AgentPoolArgs, opts ...pulumi.ResourceOption) (*AgentPool, error) {
	if err := oneClusterRef(args.ClusterStack, args.Cluster); err != nil {
		return nil, fmt.Errorf("agent pool %s: %w", name, err)
	}
	p := &AgentPool{Hosts: map[string]*Host{}, AgentNodes: map[string]*AgentNode{}}
	if err := ctx.RegisterComponentResource(AgentPoolType, name, p, opts...); err != nil {
		return nil, err
	}
	ref, c, err := joinedCluster(ctx, name, args.ClusterStack, args.Cluster, p)
	if err != nil {
		return nil, fmt.Errorf("agent pool %s: %w", name, err)
	}
	nodes := poolNodes(args.Nodes)
	errs := c.ValidatePool(nodes)
	for i, n := range args.Nodes {
		if n.Connection.PrivateKey == nil && args.PrivateKey == nil {
			errs = append(errs, fmt.Errorf("nodes[%d].connection.privateKey: give it, or the pool's privateKey", i))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("agent pool %s: %w", name, errors.Join(errs...))
	}
	all := c
	all.Nodes = append(append([]spec.Node{}, c.Nodes...), nodes...)
	settings := Settings(c, c.Manager())

	for i, n := range nodes {
		conn := args.Nodes[i].Connection
		if conn.PrivateKey == nil {
			conn.PrivateKey = args.PrivateKey
		}
		h, err := NewHost(ctx, n.Name, poolHostArgs(all, n, conn), pulumi.Parent(p))
		if err != nil {
			return nil, fmt.Errorf("agent pool %s: nodes[%d]: %w", name, i, err)
		}
		p.Hosts[n.Name] = h
	}
	storage, err := NewSharedStorage(ctx, name+"-storage", SharedStorageArgs{Cluster: c, Hosts: p.Hosts, Joining: nodes}, pulumi.Parent(p))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		a, err := NewAgentNode(ctx, n.Name+"-agent", AgentNodeArgs{
			Cluster: c, Node: n, Host: p.Hosts[n.Name], Settings: settings,
			ManagerPublicKey: pulumi.String(ref.ManagerPublicKey), Storage: storage.Mounted[n.Name], StopOnDelete: true,
		}, pulumi.Parent(p))
		if err != nil {
			return nil, err
		}
		p.AgentNodes[n.Name], ids[i] = a, a.ID
	}
	p.Agents = pulumi.ToStringArray(ids).ToStringArrayOutput()
	p.Manager = pulumi.String(ref.Manager).ToStringOutput()
	return p, ctx.RegisterResourceOutputs(p, pulumi.Map{"agents": p.Agents, "manager": p.Manager})
}

// oneClusterRef says what is wrong when a component that joins a cluster is given
// neither its stack's name nor its reference, or both.
func oneClusterRef(clusterStack string, cluster *ClusterRef) error {
	if (clusterStack == "") == (cluster == nil) {
		return errors.New("clusterStack: give the cluster stack's name (such as organization/backendai-cluster/prod), or its output agentPool as cluster; one of the two")
	}
	return nil
}

// joinedCluster is the cluster that agents of another stack join, its reference and
// its settings, checked (clusterRef, joined).
func joinedCluster(ctx *pulumi.Context, name, clusterStack string, cluster *ClusterRef, parent pulumi.Resource) (ClusterRef, spec.Cluster, error) {
	ref, field, err := clusterRef(ctx, name, clusterStack, cluster, parent)
	if err != nil {
		return ref, spec.Cluster{}, err
	}
	c, err := ref.joined(field)
	return ref, c, err
}

// clusterRef is the cluster's reference: given, or read from the cluster stack's
// output through a stack reference; and the field it came from.
func clusterRef(ctx *pulumi.Context, name, clusterStack string, cluster *ClusterRef, parent pulumi.Resource) (ClusterRef, string, error) {
	if cluster != nil {
		return *cluster, "cluster", nil
	}
	stack, err := pulumi.NewStackReference(ctx, name+"-cluster", &pulumi.StackReferenceArgs{Name: pulumi.String(clusterStack)}, pulumi.Parent(parent))
	if err != nil {
		return ClusterRef{}, "", fmt.Errorf("clusterStack: %w", err)
	}
	details, err := stack.GetOutputDetails(ClusterRefOutput)
	if err != nil {
		return ClusterRef{}, "", fmt.Errorf("clusterStack: reading %s: %w", clusterStack, err)
	}
	value := details.Value
	if value == nil {
		value = details.SecretValue
	}
	ref, err := decodeRef(clusterStack, value)
	return ref, "clusterStack " + clusterStack + "'s " + ClusterRefOutput, err
}

// joined is the cluster's settings as agents of another stack join it: its kernel
// images are pulled by a step, since the nodes' SSH endpoints may be other resources'
// outputs, which a Docker provider cannot be configured from at preview.
func (r ClusterRef) joined(field string) (spec.Cluster, error) {
	c, err := r.cluster(field)
	c.Images.Engine = spec.EngineScript
	return c, err
}

// poolNodes are the pool's nodes as the cluster's settings name nodes: agents.
func poolNodes(in []PoolNode) []spec.Node {
	out := make([]spec.Node, len(in))
	for i, n := range in {
		out[i] = spec.Node{Name: n.Name, Address: n.Address, Roles: []spec.Role{spec.RoleAgent}, SSH: &spec.SSH{}}
		for _, a := range n.Accelerators {
			out[i].Accelerators = append(out[i].Accelerators, spec.Accelerator{Kind: a.Kind, Devices: a.Devices, Package: a.Package, Module: a.Module})
		}
	}
	return out
}

// poolHostArgs prepare a pool's node as the cluster's nodes are: the cluster's account,
// limits, kernel parameters and Docker, every node of the cluster and the pool in
// /etc/hosts, reached over the pool's own connection.
func poolHostArgs(all spec.Cluster, n spec.Node, conn HostConnection) HostArgs {
	a := hostArgs(all, n, conn.PrivateKey)
	a.Connection = conn
	return a
}
