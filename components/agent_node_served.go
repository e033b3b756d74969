package components

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// AgentNodeInputs are the AgentNode component's inputs as the provider serves it: one
// agent node that joins a cluster, and the cluster it joins.
type AgentNodeInputs struct {
	// ClusterStack is the cluster stack's fully qualified name; its output agentPool
	// says how to join it.
	ClusterStack string `pulumi:"clusterStack,optional"`
	// Cluster is that output itself, for a program that has it otherwise (a
	// ManagementNode's agentPool); one of the two.
	Cluster *ClusterRef `pulumi:"cluster,optional"`
	// Node is the agent node.
	Node PoolNode `pulumi:"node"`
}

// NewServedAgentNode is the AgentNode component as the provider serves it: one node
// that joins a cluster as its agent, as an AgentPool's node does (its host prepared
// as the cluster's are, the cluster's volumes mounted, its agent from the cluster's
// release), and whose agent is stopped and disabled when it is deleted.
func NewServedAgentNode(ctx *pulumi.Context, name string, in AgentNodeInputs, opts ...pulumi.ResourceOption) (*AgentNode, error) {
	if err := oneClusterRef(in.ClusterStack, in.Cluster); err != nil {
		return nil, fmt.Errorf("agent node %s: %w", name, err)
	}
	conn := in.Node.Connection
	if _, err := conn.connection("node.connection"); err != nil {
		return nil, fmt.Errorf("agent node %s: %w", name, err)
	}
	a := &AgentNode{}
	if err := ctx.RegisterComponentResource(AgentNodeType, name, a, opts...); err != nil {
		return nil, err
	}
	ref, c, err := joinedCluster(ctx, name, in.ClusterStack, in.Cluster, a)
	if err != nil {
		return nil, fmt.Errorf("agent node %s: %w", name, err)
	}
	nodes := poolNodes([]PoolNode{in.Node})
	if errs := c.ValidateJoining(nodes, func(int) string { return "node" }); len(errs) > 0 {
		return nil, fmt.Errorf("agent node %s: %w", name, errors.Join(errs...))
	}
	n := nodes[0]
	all := c
	all.Nodes = append(append([]spec.Node{}, c.Nodes...), n)
	h, err := NewHost(ctx, n.Name, poolHostArgs(all, n, conn), pulumi.Parent(a))
	if err != nil {
		return nil, fmt.Errorf("agent node %s: node: %w", name, err)
	}
	storage, err := NewSharedStorage(ctx, name+"-storage", SharedStorageArgs{Cluster: c, Hosts: map[string]*Host{n.Name: h}, Joining: nodes}, pulumi.Parent(a))
	if err != nil {
		return nil, err
	}
	if err := a.build(ctx, name, AgentNodeArgs{Cluster: c, Node: n, Host: h, Settings: Settings(c, c.Manager()),
		ManagerPublicKey: pulumi.String(ref.ManagerPublicKey), Storage: storage.Mounted[n.Name], StopOnDelete: true}); err != nil {
		return nil, err
	}
	a.Manager = pulumi.String(ref.Manager).ToStringOutput()
	return a, ctx.RegisterResourceOutputs(a, pulumi.Map{"agent": a.Agent, "config": a.ConfigText, "manager": a.Manager})
}

func (a *AgentNode) Annotate(an infer.Annotator) {
	an.Describe(&a, "One agent node that joins a Backend.AI cluster, as an AgentPool's node does: its host prepared as "+
		"the cluster's are (Host), the cluster's volumes mounted, and its agent, from the cluster's release with its "+
		"accelerator plugins, registered with the cluster's manager. Deleted, its agent is stopped and disabled, so the "+
		"manager marks it gone; the cluster and the node's data stay.")
	an.Describe(&a.Agent, "The agent's id in the manager (\"i-<node name>\").")
	an.Describe(&a.ConfigText, "The agent's agent.toml, as rendered (it holds no secret).")
	an.Describe(&a.Manager, "The cluster's manager API the agent registered with.")
}

func (in *AgentNodeInputs) Annotate(a infer.Annotator) {
	a.Describe(&in.ClusterStack, "The cluster stack's fully qualified name, such as organization/backendai-cluster/prod; "+
		"its output agentPool is read through a stack reference.")
	a.Describe(&in.Cluster, "The cluster's reference itself (a Cluster's or a ManagementNode's output agentPool); give it or clusterStack.")
	a.Describe(&in.Node, "The agent node; it may not be one of the cluster's nodes.")
}
