package components

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/backendai-infra/backendai-infra/internal/spec"
	"github.com/backendai-infra/backendai-infra/sdk/go/backendai/remote"
)

// ClusterType is the Cluster component's type token.
const ClusterType = "backendai:index:Cluster"

// ClusterArgs is a whole cluster.
type ClusterArgs struct {
	// Spec is the validated cluster (spec.Load).
	Spec spec.Cluster
	// PrivateKey logs in to every node; a secret.
	PrivateKey pulumi.StringInput
	// Connections, by node name, reach nodes where their ssh settings cannot say how:
	// values other resources give (a machine's address, its host key, its own key).
	Connections map[string]HostConnection
	// DBPassword, StorageProxySecret and StorageProxyJWT are the services' secrets;
	// needed unless the stack deploys the hosts only.
	DBPassword, StorageProxySecret, StorageProxyJWT pulumi.StringInput
	// TLSKey is the private key of services.tls.certificate (a secret).
	TLSKey pulumi.StringInput
	// Fixtures are applied to the database in order.
	Fixtures []FixtureFile
	// Superadmin is the cluster's first superadmin, inserted after the fixtures; the
	// verification logs in as it.
	Superadmin SuperadminArgs
	// UserAccessKey and UserSecretKey (a secret) are a regular user's keypair of the
	// fixtures, as whom the verification also works with a vfolder; empty: none.
	UserAccessKey string
	UserSecretKey pulumi.StringInput
}

// Cluster is every node of a Backend.AI cluster, each prepared by a Host, and the
// management node's services on the node with the manager role.
type Cluster struct {
	pulumi.ResourceState

	// Endpoints are the webserver's and the manager's URLs; empty when the cluster
	// deploys the hosts only.
	Endpoints pulumi.StringMapOutput `pulumi:"endpoints"`
	// AgentPool is what agent pools of other stacks join the cluster with (ClusterRef,
	// as JSON); empty when the cluster deploys the hosts only.
	AgentPool pulumi.StringOutput `pulumi:"agentPool"`
	// VerificationResult is what the verification checked, as JSON; empty without one.
	VerificationResult pulumi.StringOutput `pulumi:"verification"`
	// Login is the superadmin's login (email, accessKey, secretKey, password).
	Login pulumi.StringMapOutput `pulumi:"superadmin" provider:"secret"`

	// Hosts by node name.
	Hosts map[string]*Host
	// Management is the management node's services (in a plane of several, the first
	// node's); nil when the stack deploys the hosts only.
	Management *ManagementNode
	// Planes are every management node's services, the first first; PlaneCheck, in a
	// plane of several, the check of it as a whole.
	Planes     []*ManagementNode
	PlaneCheck *remote.Script
	// Agents by node name; empty when the stack deploys the hosts only.
	Agents map[string]*AgentNode
	// Verification is the check that ends the deployment; nil when the stack deploys
	// the hosts only or turns it off.
	Verification *Verification
	// Superadmin is the first superadmin's login (secrets); unset when the stack deploys
	// the hosts only.
	Superadmin Superadmin
}

// hostArgs are node n's HostArgs: its connection as its ssh settings say, or as the
// args' Connections give it (with the cluster's key unless it has its own).
func (args ClusterArgs) hostArgs(n spec.Node) HostArgs {
	a := hostArgs(args.Spec, n, args.PrivateKey)
	if conn, ok := args.Connections[n.Name]; ok {
		if conn.PrivateKey == nil {
			conn.PrivateKey = args.PrivateKey
		}
		a.Connection = conn
	}
	return a
}

// NewCluster builds the cluster. Hosts proceed independently of each other.
func NewCluster(ctx *pulumi.Context, name string, args ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{Hosts: map[string]*Host{}, Agents: map[string]*AgentNode{}}
	if err := unknownConnections(args.Spec.Nodes, args.Connections); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	if err := ctx.RegisterComponentResource(ClusterType, name, c, opts...); err != nil {
		return nil, err
	}
	outputs := pulumi.Map{}
	for _, node := range args.Spec.Nodes {
		h, err := NewHost(ctx, node.Name, args.hostArgs(node), pulumi.Parent(c))
		if err != nil {
			return nil, err
		}
		c.Hosts[node.Name] = h
		outputs[node.Name] = pulumi.Map{"facts": h.Facts, "docker": h.Docker}
	}
	if args.Spec.Deploy == spec.DeployAll {
		pl, err := newPlane(ctx, c, args, c.Hosts)
		if err != nil {
			return nil, err
		}
		c.Superadmin = pl.admin
		if err := c.managementNodes(ctx, args.Spec, pl); err != nil {
			return nil, err
		}
		m := c.Management
		// The agents converge in parallel, each once the manager runs.
		for _, node := range args.Spec.Agents() {
			a, err := NewAgentNode(ctx, node.Name+"-agent", AgentNodeArgs{
				Cluster: args.Spec, Node: node, Host: c.Hosts[node.Name], Settings: m.Settings,
				ManagerPublicKey: m.PublicKey, Manager: m.Running, Storage: pl.storage.Mounted[node.Name], Release: pl.management.Release,
			}, pulumi.Parent(c))
			if err != nil {
				return nil, err
			}
			c.Agents[node.Name] = a
		}
		if args.Spec.Verifies() {
			agents := make([]*AgentNode, 0, len(c.Agents))
			for _, node := range args.Spec.Agents() {
				agents = append(agents, c.Agents[node.Name])
			}
			// Last: the whole cluster works.
			if c.Verification, err = NewVerification(ctx, "verification", VerificationArgs{
				Cluster: args.Spec, Management: m, Agents: agents,
				Admin: pl.admin, UserAccessKey: args.UserAccessKey, UserSecretKey: args.UserSecretKey, After: c.planeChecked(),
			}, pulumi.Parent(c)); err != nil {
				return nil, err
			}
		}
	}
	if err := c.setOutputs(args.Spec); err != nil {
		return nil, err
	}
	out := pulumi.Map{"hosts": outputs, "endpoints": c.Endpoints, "agentPool": c.AgentPool,
		"verification": c.VerificationResult, "superadmin": c.Login}
	if c.PlaneCheck != nil {
		out["plane"] = c.PlaneCheck.Stdout
	}
	return c, ctx.RegisterResourceOutputs(c, out)
}

// planeChecked is the plane's check, in a plane of several management nodes.
func (c *Cluster) planeChecked() []pulumi.Resource {
	if c.PlaneCheck == nil {
		return nil
	}
	return []pulumi.Resource{c.PlaneCheck}
}

// managementNodes: the management node, or, in a plane of several, each management
// node, the first making what they share, and the check of the plane as a whole.
func (c *Cluster) managementNodes(ctx *pulumi.Context, cs spec.Cluster, pl plane) error {
	managers := cs.Managers()
	if !cs.HA() {
		m, err := NewManagementNode(ctx, managers[0].Name+"-mgmt", pl.management, pulumi.Parent(c))
		c.Management, c.Planes = m, []*ManagementNode{m}
		return err
	}
	seed, err := rpcSeed(ctx, c)
	if err != nil {
		return err
	}
	for i, node := range managers {
		a := pl.management
		a.Node, a.Host, a.Storage = node, c.Hosts[node.Name], pl.storage.Mounted[node.Name]
		a.Plane = &PlaneArgs{First: i == 0, RPCSeed: seed, Adopted: pl.adopted}
		if i > 0 {
			// Each node's services start (and, in an upgrade, restart) after the node's
			// before it: one manager at a time, the first after the schema.
			a.Plane.After, a.Fixtures = c.Planes[i-1].Running, nil
		}
		m, err := NewManagementNode(ctx, node.Name+"-mgmt", a, pulumi.Parent(c))
		if err != nil {
			return err
		}
		if i == 0 {
			c.Management = m
		}
		c.Planes = append(c.Planes, m)
	}
	c.PlaneCheck, err = newPlaneCheck(ctx, c, cs, c.Management, c.Planes)
	return err
}

// setOutputs sets what the cluster gives its users: its endpoints, the reference agent
// pools join it with, the verification's result and the superadmin's login.
func (c *Cluster) setOutputs(cs spec.Cluster) error {
	c.Endpoints, c.Login = pulumi.StringMap{}.ToStringMapOutput(), pulumi.StringMap{}.ToStringMapOutput()
	c.AgentPool, c.VerificationResult = pulumi.String("").ToStringOutput(), pulumi.String("").ToStringOutput()
	if m := c.Management; m != nil {
		if err := m.setOutputs(cs, c.Superadmin); err != nil {
			return err
		}
		c.Endpoints, c.AgentPool, c.Login = m.Endpoints, m.AgentPool, m.Login
	}
	if v := c.Verification; v != nil {
		c.VerificationResult = v.Result
	}
	return nil
}

// plane is a cluster's management plane but for its management node's own steps: the
// shared storage, the release, the superadmin, and the management node's arguments.
type plane struct {
	storage    *SharedStorage
	admin      Superadmin
	management ManagementNodeArgs
	// adopted is, in a plane of several nodes, the first node's copy of a single
	// management node's halfstack (planeAdoption).
	adopted []pulumi.Resource
}

// newPlane registers the management plane's resources, children of parent, on the
// prepared hosts.
func newPlane(ctx *pulumi.Context, parent pulumi.Resource, args ClusterArgs, hosts map[string]*Host) (plane, error) {
	storage, err := NewSharedStorage(ctx, "storage", SharedStorageArgs{Cluster: args.Spec, Hosts: hosts}, pulumi.Parent(parent))
	if err != nil {
		return plane{}, err
	}
	// The release first: a downgrade is refused before any step runs, an upgrade the
	// database cannot take before any package is installed.
	mgr := args.Spec.Manager()
	preflight, err := schemaPreflight(ctx, parent, args.Spec, hosts[mgr.Name])
	if err != nil {
		return plane{}, err
	}
	first := []pulumi.Resource{preflight}
	var adopted []pulumi.Resource
	if args.Spec.HA() {
		// Growing a single management node, its data moves into the plane first.
		adopt, err := planeAdoption(ctx, parent, args.Spec, hosts, args.DBPassword, preflight)
		if err != nil {
			return plane{}, err
		}
		adopted = []pulumi.Resource{adopt}
		first = append(first, adopt)
	}
	release, err := NewRelease(ctx, "release", args.Spec, pulumi.Parent(parent), pulumi.DependsOn(first))
	if err != nil {
		return plane{}, err
	}
	admin, adminFixture, err := newSuperadmin(ctx, parent, args.Spec.Line(), args.Superadmin)
	if err != nil {
		return plane{}, err
	}
	return plane{storage: storage, admin: admin, adopted: adopted, management: ManagementNodeArgs{
		Release: release,
		Cluster: args.Spec, Host: hosts[mgr.Name], Node: mgr,
		DBPassword: args.DBPassword, StorageProxySecret: args.StorageProxySecret, StorageProxyJWT: args.StorageProxyJWT,
		TLSKey:   args.TLSKey,
		Fixtures: append(slices.Clip(args.Fixtures), adminFixture), Storage: storage.Mounted[mgr.Name],
	}}, nil
}

// setOutputs sets what the management plane gives its users: its endpoints, the
// reference agents join it with, and the superadmin's login.
func (m *ManagementNode) setOutputs(cs spec.Cluster, admin Superadmin) error {
	m.Endpoints = pulumi.StringMap{"webserver": pulumi.String(m.Settings.WebserverURL()),
		"manager": pulumi.String(m.Settings.Manager.HTTP())}.ToStringMapOutput()
	ref, err := NewClusterRef(cs)
	if err != nil {
		return err
	}
	m.AgentPool = m.PublicKey.ApplyT(func(key string) (string, error) {
		ref.ManagerPublicKey = key
		raw, err := json.Marshal(ref)
		return string(raw), err
	}).(pulumi.StringOutput)
	m.Login = pulumi.ToSecret(pulumi.StringMap{"email": pulumi.String(admin.Email), "accessKey": admin.AccessKey,
		"secretKey": admin.SecretKey, "password": admin.Password}).(pulumi.StringMapOutput)
	return nil
}
