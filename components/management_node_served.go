package components

import (
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
)

// NewServedManagementNode is the ManagementNode component as the provider serves it: a
// cluster's management plane alone, from the same settings a Cluster takes but with no
// agent among its nodes: the hosts of its manager and storage nodes prepared, the shared
// storage, the halfstack, the schema and fixtures, the manager, storage proxy, webserver
// and App Proxy. Agents join it from this stack or others (AgentNode, AgentPool) with
// its output agentPool; a Verification checks the whole once they run.
func NewServedManagementNode(ctx *pulumi.Context, name string, in ClusterInputs, opts ...pulumi.ResourceOption) (*ManagementNode, error) {
	c, err := in.cluster(spec.LoadManagementPlane)
	if err != nil {
		return nil, fmt.Errorf("management node %s: %w", name, err)
	}
	args, err := in.clusterArgs(c)
	if err != nil {
		return nil, fmt.Errorf("management node %s: %w", name, err)
	}
	if err := unknownConnections(c.Nodes, args.Connections); err != nil {
		return nil, fmt.Errorf("management node %s: %w", name, err)
	}
	mgr := c.Manager()
	set, err := ManagementNodeArgs{Cluster: c, Node: mgr, DBPassword: args.DBPassword, StorageProxySecret: args.StorageProxySecret,
		StorageProxyJWT: args.StorageProxyJWT, TLSKey: args.TLSKey}.check(name)
	if err != nil {
		return nil, err
	}
	m := &ManagementNode{Settings: set}
	if err := ctx.RegisterComponentResource(ManagementNodeType, name, m, opts...); err != nil {
		return nil, err
	}
	hosts := map[string]*Host{}
	for _, n := range c.Nodes {
		if hosts[n.Name], err = NewHost(ctx, n.Name, args.hostArgs(n), pulumi.Parent(m)); err != nil {
			return nil, err
		}
	}
	pl, err := newPlane(ctx, m, args, hosts)
	if err != nil {
		return nil, err
	}
	if err := m.build(ctx, name, pl.management); err != nil {
		return nil, err
	}
	if err := m.setOutputs(c, pl.admin); err != nil {
		return nil, err
	}
	return m, ctx.RegisterResourceOutputs(m, pulumi.Map{"services": m.Services, "managerPublicKey": m.PublicKey,
		"endpoints": m.Endpoints, "agentPool": m.AgentPool, "superadmin": m.Login})
}

func (m *ManagementNode) Annotate(a infer.Annotator) {
	a.Describe(&m, "A Backend.AI cluster's management plane alone, from the same settings as a Cluster but with no agent "+
		"among its nodes: the manager's and the storage nodes' hosts prepared (Host), the shared storage, the halfstack "+
		"(PostgreSQL, Redis, etcd), the etcd configuration, the schema and fixtures, and the manager, storage proxy, "+
		"webserver and App Proxy from Backend.AI's released packages, checked answering. Agents join it, from this stack or "+
		"others, with its output agentPool (AgentNode, AgentPool); a Verification checks the whole once they run.")
	a.Describe(&m.Services, "What the services answered once deployed, as JSON: the manager's API with its release, the "+
		"Web UI's title, the storage proxy's status.")
	a.Describe(&m.PublicKey, "The manager's RPC public certificate, which the agents trust.")
	a.Describe(&m.Endpoints, "The webserver's (the Web UI's) and the manager's URLs.")
	a.Describe(&m.AgentPool, "What agents join the cluster with (an AgentNode's or an AgentPool's cluster), as JSON; export "+
		"it as the stack output agentPool for other stacks' pools.")
	a.Describe(&m.Login, "The superadmin's login: email, accessKey, secretKey and password (generated unless given).")
}
